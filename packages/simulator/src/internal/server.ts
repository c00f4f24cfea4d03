import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { ServeError } from "@effect/platform/HttpServerError"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type * as OkxSimulator from "../OkxSimulator.js"
import { authenticate } from "./auth.js"
import { makeVenue, type SimulatorError, type Venue } from "./venue.js"
import { drift, envelope, error, httpStatusOf, messageOf, type Reply } from "./wire.js"

const json = (body: unknown, status = 200) =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: "application/json" })

const okxResponse = (reply: Reply) =>
  HttpServerResponse.text(reply.body, { status: reply.httpStatus, contentType: "application/json" })

/** @internal */
export const sampleLatency = (latency: OkxSimulator.Latency, draw: Effect.Effect<number>): Effect.Effect<number> => {
  if (typeof latency === "number") return Effect.succeed(latency)
  if ("min" in latency) return Effect.map(draw, (u) => latency.min + u * Math.max(0, latency.max - latency.min))
  const { p50, p99 } = latency
  if (p50 <= 0) return Effect.succeed(0)
  const sigma = p99 > p50 ? Math.log(p99 / p50) / 2.326347874 : 0
  return Effect.map(Effect.zip(draw, draw), ([u1, u2]) => {
    const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2)
    return p50 * Math.exp(sigma * z)
  })
}

const chance = (venue: Venue, probability: number | undefined): Effect.Effect<boolean> =>
  probability === undefined || probability <= 0
    ? Effect.succeed(false)
    : Effect.map(venue.random, (u) => u < probability)

/** The largest body an OKX route reads: a cancellation of 100 ids is about 4 KiB. */
const maxOkxBodyBytes = 1 << 20
/** The largest body the control API reads (thousands of quotes to create at once). */
const maxControlBodyBytes = 16 << 20

/**
 * The request's body read in full, at most `limit` bytes: `TooLarge` when its `content-length` says more (nothing
 * is read, the answer closes the connection), `Unreadable` when the client went away before its end or a chunked
 * body went over the limit (the socket is closed: there is no one to answer).
 */
type Body =
  | {
      readonly _tag: "Read"
      /** The bytes received, as signed. */
      readonly bytes: Uint8Array
      /** The bytes as UTF-8 (a byte-order mark kept, so it fails to parse); `undefined` when they are not UTF-8. */
      readonly text: string | undefined
    }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Unreadable" }

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
const decodeUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

const readBody = (request: HttpServerRequest.HttpServerRequest, limit: number): Effect.Effect<Body> => {
  const declared = request.headers["content-length"]
  if (declared !== undefined && Number(declared) > limit) return Effect.succeed({ _tag: "TooLarge" })
  return HttpIncomingMessage.withMaxBodySize(request.arrayBuffer, Option.some(limit)).pipe(
    Effect.match({
      onFailure: (): Body => ({ _tag: "Unreadable" }),
      onSuccess: (buffer): Body => {
        const bytes = new Uint8Array(buffer)
        return { _tag: "Read", bytes, text: decodeUtf8(bytes) }
      }
    })
  )
}

/** Ends the request without an answer: its client is gone, or its body cannot be read. */
const hangUp = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.zipRight(
    Effect.sync(() => NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()),
    Effect.interrupt
  )

/** An answer after which the connection closes: the rest of an unread body is not waited for. */
const closing = (response: HttpServerResponse.HttpServerResponse) =>
  HttpServerResponse.setHeader(response, "connection", "close")

const isLoopback = (address: string) =>
  address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.")

const badRequest = (message: string) => json({ error: message }, 400)

const control = (
  venue: Venue,
  request: HttpServerRequest.HttpServerRequest,
  pathname: string,
  query: URLSearchParams
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function* () {
    const remote = Option.getOrElse(request.remoteAddress, () => "")
    if (!isLoopback(remote)) return json({ error: "the control API answers loopback clients only" }, 403)
    const route = `${request.method} ${pathname}`
    const readJson = Effect.flatMap(
      readBody(request, maxControlBodyBytes),
      (body): Effect.Effect<Either.Either<unknown, HttpServerResponse.HttpServerResponse>> => {
        if (body._tag === "Unreadable") return hangUp(request)
        if (body._tag === "TooLarge") {
          return Effect.succeed(
            Either.left(
              closing(json({ error: `the body is over the control API's ${maxControlBodyBytes} bytes` }, 413))
            )
          )
        }
        if (body.text === undefined) return Effect.succeed(Either.left(badRequest("the body is not UTF-8")))
        if (body.text.trim() === "") return Effect.succeed(Either.right({}))
        try {
          return Effect.succeed(Either.right(JSON.parse(body.text) as unknown))
        } catch {
          return Effect.succeed(Either.left(badRequest("invalid JSON")))
        }
      }
    )
    /** The body given to `f`, which validates it: its `SimulatorError` (naming the field) is a 400. */
    const withBody = (f: (body: unknown) => Effect.Effect<HttpServerResponse.HttpServerResponse, SimulatorError>) =>
      Effect.flatMap(readJson, (body) =>
        Either.isLeft(body)
          ? Effect.succeed(body.left)
          : Effect.catchAll(f(body.right), (e) => Effect.succeed(badRequest(e.message)))
      )
    switch (route) {
      case "GET /sim/state": {
        const n = query.get("requests")
        return json(yield* venue.state(n !== null && /^\d+$/.test(n) ? Number(n) : undefined))
      }
      case "POST /sim/quotes":
        return yield* withBody((input) => Effect.map(venue.createQuotes(input), (quotes) => json({ quotes })))
      case "POST /sim/rfqs":
        return yield* withBody((input) => Effect.map(venue.createRfqs(input), (rfqs) => json({ rfqs })))
      case "GET /sim/faults":
        return json(venue.faults())
      case "POST /sim/faults":
        return yield* withBody((faults) => Effect.map(venue.setFaults(faults), () => json(venue.faults())))
      case "POST /sim/reset":
        yield* venue.reset
        return json({ ok: true })
      default:
        return json({ error: `no control route ${route}` }, 404)
    }
  })

/** OKX takes POST bodies as `application/json` only (parameters such as `; charset=utf-8` allowed): else 50006. */
const isJsonContent = (contentType: string | undefined): boolean =>
  contentType !== undefined && contentType.split(";")[0]!.trim().toLowerCase() === "application/json"

const parseBody = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * The request target in origin form (`/api/v5/...?...`): a client sending through a forward proxy gives the absolute
 * form (`http://host/api/v5/...`), which HTTP/1.1 servers must accept; the path and query are what it signed.
 */
const originForm = (target: string): string => {
  const absolute = /^https?:\/\/[^/?#]*/i.exec(target)
  if (absolute === null) return target
  const rest = target.slice(absolute[0].length)
  return rest.startsWith("/") ? rest : `/${rest}`
}

const okx = (
  venue: Venue,
  request: HttpServerRequest.HttpServerRequest,
  requestPath: string,
  pathname: string,
  query: URLSearchParams
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function* () {
    const route = venue.routes[pathname]
    if (route === undefined || request.method !== route.method) {
      const { venue: at } = yield* venue.clock
      const reply = error(route === undefined ? "404" : "405")
      venue.log({ at, method: request.method, path: pathname, code: reply.code, httpStatus: reply.httpStatus })
      // a 405 names the method the path takes (RFC 9110 §15.5.6)
      return route === undefined
        ? okxResponse(reply)
        : HttpServerResponse.setHeader(okxResponse(reply), "allow", route.method)
    }
    const faults = venue.endpointFaults(pathname)
    if (faults.latencyMs !== undefined) {
      const ms = yield* sampleLatency(faults.latencyMs, venue.random)
      if (ms > 0) yield* Effect.sleep(Duration.millis(ms))
    }
    const { raw, venue: now } = yield* venue.clock
    const read: Body =
      request.method === "GET"
        ? { _tag: "Read", bytes: new Uint8Array(0), text: "" }
        : yield* readBody(request, maxOkxBodyBytes)
    if (read._tag === "Unreadable") return yield* hangUp(request)
    if (read._tag === "TooLarge") {
      const reply = error("413")
      venue.log({ at: now, method: request.method, path: pathname, code: reply.code, httpStatus: reply.httpStatus })
      return closing(okxResponse(reply))
    }
    const body = read.text
    let injected = false
    const answer: Reply = yield* Effect.gen(function* () {
      let userId: string
      if (route.auth) {
        const auth = authenticate({
          headers: request.headers,
          method: request.method,
          requestPath,
          body: read.bytes,
          venueNow: now,
          accounts: venue.accounts
        })
        if (auth._tag === "Rejected") return error(auth.code)
        userId = auth.account.userId
      } else {
        userId = `ip:${Option.getOrElse(request.remoteAddress, () => "")}`
      }
      if (venue.overLimit(`${userId} ${pathname}`, route.limit, raw)) return error("50011")
      if (faults.error !== undefined && (yield* chance(venue, faults.error.probability ?? 1))) {
        injected = true
        const code = faults.error.code
        return envelope(code, [], faults.error.msg ?? messageOf(code), faults.error.httpStatus ?? httpStatusOf(code))
      }
      let parsed: Record<string, unknown> = {}
      if (route.method === "POST") {
        if (!isJsonContent(request.headers["content-type"])) return error("50006")
        // not UTF-8: not JSON either (RFC 8259 requires UTF-8)
        if (body === undefined) return error("50002")
        if (body.trim() === "") return error("50000")
        const object = parseBody(body)
        if (object === undefined) return error("50002")
        parsed = object
      }
      return yield* route.handle({ userId, body: parsed, query, now })
    })
    const reply = faults.drift === undefined ? answer : drift(answer, faults.drift)
    const entry = { at: now, method: request.method, path: pathname, code: reply.code, httpStatus: reply.httpStatus }
    if (yield* chance(venue, faults.drop)) {
      venue.log({ ...entry, code: "", httpStatus: 0, fault: "drop" })
      return yield* hangUp(request)
    }
    if (yield* chance(venue, faults.malformed)) {
      venue.log({ ...entry, code: "", httpStatus: 200, fault: "malformed" })
      // the real answer cut in half: what a client reads of it is true, and no prefix of a JSON object parses
      return HttpServerResponse.text(reply.body.slice(0, Math.ceil(reply.body.length / 2)), {
        status: 200,
        contentType: "application/json"
      })
    }
    if (yield* chance(venue, faults.gateway)) {
      venue.log({ ...entry, code: "", httpStatus: 502, fault: "gateway" })
      // a gateway in front of the venue that lost the venue's answer: the cancel took effect, the client reads an
      // error page
      return HttpServerResponse.text(gatewayPage, { status: 502, contentType: "text/html" })
    }
    venue.log(
      injected ? { ...entry, fault: "error" } : faults.drift === undefined ? entry : { ...entry, fault: "drift" }
    )
    return okxResponse(reply)
  })

/** What the `gateway` fault answers: a reverse proxy's error page, no OKX envelope. */
const gatewayPage = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"

/** @internal */
export const make = (options: OkxSimulator.Options): Effect.Effect<OkxSimulator.Service, ServeError, Scope.Scope> =>
  Effect.gen(function* () {
    const venue = yield* makeVenue(options)
    const node = Http.createServer()
    const server = yield* NodeHttpServer.make(() => node, {
      port: options.port ?? 0,
      host: options.host ?? "127.0.0.1"
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => node.closeAllConnections()))
    const app = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const url = originForm(request.url)
      const q = url.indexOf("?")
      const pathname = q < 0 ? url : url.slice(0, q)
      const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1))
      return pathname === "/sim" || pathname.startsWith("/sim/")
        ? control(venue, request, pathname, query)
        : // interruptible: the server interrupts a handler whose client went away (a timed-out latency fault)
          Effect.interruptible(okx(venue, request, url, pathname, query))
    })
    yield* server.serve(app)
    const address = server.address
    const port = address._tag === "TcpAddress" ? address.port : 0
    const host = address._tag === "TcpAddress" ? address.hostname : "127.0.0.1"
    return {
      url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
      port,
      createQuotes: venue.createQuotes,
      createRfqs: venue.createRfqs,
      state: venue.state(),
      setFaults: venue.setFaults,
      faults: Effect.sync(() => venue.faults()),
      reset: venue.reset,
      now: Effect.map(venue.clock, (c) => c.venue)
    }
  })
