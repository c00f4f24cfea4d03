import { assert, describe, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import { Chunk, Deferred, Effect, Either, Exit, Fiber, Stream } from "effect"
import { once } from "node:events"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { UndiciHttpClient } from "../src/index.js"
import * as Direct from "../src/internal/direct.js"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
  readonly socket: number
}

/** A plain node:http server on a free loopback port; `handle` answers, every request is recorded. */
const server = (handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const seen: Array<Seen> = []
      const sockets = new Map<object, number>()
      const srv = createServer((req, res) => {
        let body = ""
        req.on("data", (chunk) => (body += chunk))
        req.on("end", () => {
          if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size)
          seen.push({
            method: req.method!,
            url: req.url!,
            headers: req.headers,
            body,
            socket: sockets.get(req.socket)!
          })
          handle(req, res, body)
        })
      })
      srv.listen(0, "127.0.0.1")
      await once(srv, "listening")
      return { srv, seen, url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` }
    }),
    ({ srv }) =>
      Effect.promise(() => {
        srv.closeAllConnections()
        return new Promise<void>((resolve) => srv.close(() => resolve()))
      })
  )

const echo = (_req: IncomingMessage, res: ServerResponse, body: string) => {
  res.setHeader("content-type", "application/json")
  res.setHeader("x-echo", "yes")
  res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"])
  res.statusCode = 201
  res.end(JSON.stringify({ got: body }))
}

/**
 * A server that holds `/hold` open (its response in `held`; `first` completes when it arrived) and echoes the rest:
 * with one connection, every later request waits in the pool's queue until `held[0]` ends.
 */
const holdingServer = Effect.gen(function* () {
  const held: Array<ServerResponse> = []
  const first = yield* Deferred.make<void>()
  const { seen, url } = yield* server((req, res, body) => {
    if (req.url === "/hold") {
      held.push(res)
      Deferred.unsafeDone(first, Exit.void)
    } else echo(req, res, body)
  })
  return { held, first, seen, url }
})

describe("UndiciHttpClient", () => {
  it.scoped("sends method, path with query, headers and body exactly, and decodes the response", () =>
    Effect.gen(function* () {
      const { seen, url } = yield* server(echo)
      const client = yield* UndiciHttpClient.make()
      const response = yield* client.execute(
        HttpClientRequest.post(`${url}/api/v5/rfq/cancel-quote?x=1`).pipe(
          HttpClientRequest.setHeader("OK-ACCESS-KEY", "k"),
          HttpClientRequest.bodyText('{"quoteId":"1"}', "application/json")
        )
      )
      assert.strictEqual(response.status, 201)
      assert.deepStrictEqual(yield* response.json, { got: '{"quoteId":"1"}' })
      assert.strictEqual(yield* response.text, '{"got":"{\\"quoteId\\":\\"1\\"}"}')
      assert.strictEqual(response.headers["x-echo"], "yes")
      assert.deepStrictEqual(response.cookies.cookies.a?.value, "1", "cookies parsed from every set-cookie header")
      assert.strictEqual(response.cookies.cookies.b?.value, "2")
      const bytes = Chunk.toReadonlyArray(yield* Stream.runCollect(response.stream))
      assert.strictEqual(Buffer.concat(bytes.map((b) => Buffer.from(b))).toString(), yield* response.text)
      assert.strictEqual((yield* response.arrayBuffer).byteLength, Buffer.byteLength(yield* response.text))
      assert.strictEqual(seen[0]!.method, "POST")
      assert.strictEqual(seen[0]!.url, "/api/v5/rfq/cancel-quote?x=1")
      assert.strictEqual(seen[0]!.headers["ok-access-key"], "k")
      assert.strictEqual(seen[0]!.headers["content-type"], "application/json")
      assert.strictEqual(seen[0]!.body, '{"quoteId":"1"}')
    })
  )

  it.scoped("asks for an uncompressed answer (the body is read as sent) unless the request names an encoding", () =>
    Effect.gen(function* () {
      const { seen, url } = yield* server(echo)
      const client = yield* UndiciHttpClient.make()
      yield* client.execute(HttpClientRequest.get(`${url}/plain`))
      yield* client.execute(
        HttpClientRequest.get(`${url}/own`).pipe(HttpClientRequest.setHeader("Accept-Encoding", "br"))
      )
      yield* Effect.async<unknown>((resume) => {
        Direct.of(client)!(
          {
            origin: new URL(url).origin,
            path: "/direct",
            method: "GET",
            headers: { "OK-ACCESS-KEY": "k" },
            body: undefined
          },
          (result) => resume(Effect.succeed(result)),
          () => {}
        )
      })
      assert.deepStrictEqual(
        seen.map((s) => [s.url, s.headers["accept-encoding"]]),
        [
          ["/plain", "identity"],
          ["/own", "br"],
          ["/direct", "identity"]
        ]
      )
    })
  )

  it.scoped("its responses and errors hide OKX's signing headers only: a request re-sent from an error is whole", () =>
    Effect.gen(function* () {
      const { seen, url } = yield* server((_req, res) => {
        res.statusCode = seen.length === 1 ? 503 : 200
        res.end("ok")
      })
      const client = HttpClient.filterStatusOk(yield* UndiciHttpClient.make())
      const request = HttpClientRequest.get(`${url}/x`).pipe(
        HttpClientRequest.setHeaders({ "x-api-key": "the-key", "ok-access-passphrase": "the-passphrase" })
      )
      const error = yield* Effect.flip(client.execute(request))
      if (error._tag !== "ResponseError") return assert.fail(error._tag)
      assert.strictEqual(error.request.headers["ok-access-passphrase"], "<redacted>")
      assert.strictEqual(error.response.request.headers["ok-access-passphrase"], "<redacted>")
      // a caller's retry from the error: any other header reaches the wire as it was
      yield* client.execute(error.request)
      assert.strictEqual(seen[1]!.headers["x-api-key"], "the-key")
      assert.strictEqual(seen[0]!.headers["ok-access-passphrase"], "the-passphrase")
    })
  )

  it.scoped("keeps connections alive: sequential requests reuse their sockets", () =>
    Effect.gen(function* () {
      const { seen, url } = yield* server(echo)
      const client = yield* UndiciHttpClient.make()
      for (let i = 0; i < 20; i++) yield* client.get(`${url}/api/v5/public/time`).pipe(Effect.flatMap((r) => r.text))
      assert.strictEqual(seen.length, 20)
      // the next request is dispatched while undici still counts the previous one's connection busy, so two
      // sockets may alternate; without keep-alive there would be twenty
      assert.isAtMost(new Set(seen.map((s) => s.socket)).size, 2)
    })
  )

  it.scoped("opens at most `connections` sockets per origin under concurrency", () =>
    Effect.gen(function* () {
      const { seen, url } = yield* server((req, res, body) => setTimeout(() => echo(req, res, body), 5))
      const client = yield* UndiciHttpClient.make({ connections: 3 })
      yield* Effect.forEach(
        Array.from({ length: 12 }),
        () => client.get(`${url}/x`).pipe(Effect.flatMap((r) => r.text)),
        {
          concurrency: "unbounded"
        }
      )
      assert.strictEqual(seen.length, 12)
      assert.isAtMost(new Set(seen.map((s) => s.socket)).size, 3)
    })
  )

  it.scoped("a GET has no body; a non-JSON body is still text; json of an empty body is null", () =>
    Effect.gen(function* () {
      const { seen, url } = yield* server((_req, res) => res.end(""))
      const client = yield* UndiciHttpClient.make()
      const response = yield* client.get(`${url}/empty`)
      assert.strictEqual(yield* response.text, "")
      assert.isNull(yield* response.json)
      assert.strictEqual(seen[0]!.body, "")
    })
  )

  it.scoped("json skips a byte order mark before the JSON, as fetch's json() does", () =>
    Effect.gen(function* () {
      const { url } = yield* server((_req, res) => res.end('\ufeff{"ts":"1"}'))
      const client = yield* UndiciHttpClient.make()
      assert.deepStrictEqual(yield* (yield* client.get(`${url}/time`)).json, { ts: "1" })
    })
  )

  it.scoped("malformed JSON is a ResponseError (Decode), not a defect", () =>
    Effect.gen(function* () {
      const { url } = yield* server((_req, res) => res.end("{not json"))
      const client = yield* UndiciHttpClient.make()
      const response = yield* client.get(`${url}/bad`)
      const error = yield* Effect.flip(response.json)
      assert.strictEqual(error._tag, "ResponseError")
      assert.strictEqual(error.reason, "Decode")
    })
  )

  it.scoped("a body over maxResponseBytes fails with a RequestError", () =>
    Effect.gen(function* () {
      const { url } = yield* server((_req, res) => res.end("x".repeat(10_000)))
      const client = yield* UndiciHttpClient.make({ maxResponseBytes: 1000 })
      const error = yield* Effect.flip(client.get(`${url}/big`))
      assert.strictEqual(error._tag, "RequestError")
      assert.include(error.message, "over 1000 bytes")
    })
  )

  it.scoped("a refused connection is a RequestError (Transport) whose message says why", () =>
    Effect.gen(function* () {
      const { url, srv } = yield* server(echo)
      yield* Effect.promise(() => new Promise<void>((resolve) => srv.close(() => resolve())))
      const client = yield* UndiciHttpClient.make()
      const error = yield* Effect.flip(client.get(`${url}/gone`))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error.reason, "Transport")
      assert.include(error.message, "ECONNREFUSED")
    })
  )

  it.scoped("interrupting a request aborts it: the server sees the connection close", () =>
    Effect.gen(function* () {
      const arrived = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<void>()
      const { url } = yield* server((req) => {
        req.socket.on("close", () => Deferred.unsafeDone(closed, Exit.void))
        Deferred.unsafeDone(arrived, Exit.void)
      })
      const client = yield* UndiciHttpClient.make()
      const fiber = yield* Effect.fork(client.get(`${url}/hang`))
      yield* Deferred.await(arrived)
      yield* Fiber.interrupt(fiber)
      yield* Deferred.await(closed)
      assert.isTrue(Exit.isInterrupted(yield* Fiber.await(fiber)))
    })
  )

  it.scoped("a request interrupted while still queued for a connection never reaches the server", () =>
    Effect.gen(function* () {
      const { first, held, seen, url } = yield* holdingServer
      const client = yield* UndiciHttpClient.make({ connections: 1 })
      const holding = yield* Effect.fork(client.get(`${url}/hold`))
      yield* Deferred.await(first)
      // the only connection is busy: this one waits in the pool's queue
      const queued = yield* Effect.fork(client.get(`${url}/queued`))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(queued)
      held[0]!.end("{}")
      assert.strictEqual((yield* Fiber.join(holding)).status, 200)
      assert.strictEqual((yield* client.get(`${url}/after`)).status, 201)
      assert.deepStrictEqual(
        seen.map((r) => r.url),
        ["/hold", "/after"],
        "the interrupted request was never written"
      )
    })
  )

  it.scoped("the direct path marks a request sent when a connection takes it, not while it waits in the pool", () =>
    Effect.gen(function* () {
      const { first, held, seen, url } = yield* holdingServer
      const client = yield* UndiciHttpClient.make({ connections: 1 })
      const send = Direct.of(client)!
      const origin = new URL(url).origin
      const marks: Array<string> = []
      const request = (path: string): Direct.Request => ({ origin, path, method: "GET", headers: {}, body: undefined })
      const answered = yield* Deferred.make<void>()
      send(
        request("/hold"),
        () => Deferred.unsafeDone(answered, Exit.void),
        () => marks.push("/hold")
      )
      yield* Deferred.await(first)
      const queuedDone = yield* Deferred.make<void>()
      send(
        request("/queued"),
        () => Deferred.unsafeDone(queuedDone, Exit.void),
        () => marks.push(`/queued, after ${seen.length} seen`)
      )
      const abort = send(
        request("/aborted"),
        () => marks.push("/aborted answered"),
        () => marks.push("/aborted")
      )
      yield* Effect.yieldNow()
      assert.deepStrictEqual(marks, ["/hold"], "the others wait for the only connection")
      abort()
      held[0]!.end("{}")
      yield* Deferred.await(answered)
      yield* Deferred.await(queuedDone)
      assert.deepStrictEqual(marks, ["/hold", "/queued, after 1 seen"], "an aborted request is never marked")
      assert.deepStrictEqual(
        seen.map((r) => r.url),
        ["/hold", "/queued"]
      )
    })
  )

  it.scoped("the direct path: only an untransformed client has one; it sends exactly what it is given", () =>
    Effect.gen(function* () {
      const { seen, url } = yield* server(echo)
      const client = yield* UndiciHttpClient.make()
      assert.isUndefined(Direct.of(client.pipe(HttpClient.mapRequest((r) => r))), "a combinator turns it off")
      const send = Direct.of(client)!
      const origin = new URL(url).origin
      const marks: Array<string> = []
      const answer = yield* Effect.async<Either.Either<Direct.Response, unknown>>((resume) => {
        send(
          {
            origin,
            path: "/api/v5/rfq/cancel-quote?x=1",
            method: "POST",
            headers: { "OK-ACCESS-KEY": "k" },
            body: "{}"
          },
          (result) => resume(Effect.succeed(result)),
          () => marks.push(`sent, ${seen.length} seen by the server`)
        )
      })
      assert.deepStrictEqual(answer, Either.right({ status: 201, body: '{"got":"{}"}' }))
      assert.deepStrictEqual(marks, ["sent, 0 seen by the server"])
      assert.deepStrictEqual(
        [seen[0]!.method, seen[0]!.url, seen[0]!.headers["ok-access-key"], seen[0]!.body],
        ["POST", "/api/v5/rfq/cancel-quote?x=1", "k", "{}"]
      )
      const refused = yield* Effect.async<Either.Either<Direct.Response, HttpClientError.RequestError>>((resume) => {
        send(
          {
            origin: "http://127.0.0.1:1",
            path: "/x",
            method: "GET",
            headers: { "OK-ACCESS-PASSPHRASE": "p" },
            body: undefined
          },
          (result) => resume(Effect.succeed(result)),
          () => marks.push("refused, sent")
        )
      })
      assert.isTrue(Either.isLeft(refused))
      assert.strictEqual(marks.length, 1, "a request no connection took is never marked sent")
      if (Either.isLeft(refused)) {
        assert.strictEqual(refused.left.reason, "Transport")
        assert.deepStrictEqual(
          Object.keys(refused.left.request.headers),
          [],
          "the error carries no headers, so no credentials"
        )
      }
    })
  )

  it.scoped("form data and stream request bodies fail with an Encode error and send nothing", () =>
    Effect.gen(function* () {
      const { seen, url } = yield* server(echo)
      const client = yield* UndiciHttpClient.make()
      const form = yield* Effect.flip(
        client.execute(
          HttpClientRequest.post(url).pipe(
            HttpClientRequest.setHeaders({ "x-trace": "t", "ok-access-passphrase": "the-passphrase" }),
            HttpClientRequest.bodyFormData(new FormData())
          )
        )
      )
      assert.strictEqual(form._tag, "RequestError")
      assert.strictEqual(form.reason, "Encode")
      // the error hides the signing headers, as a transport error does
      assert.strictEqual(form.request.headers["ok-access-passphrase"], "<redacted>")
      assert.strictEqual(form.request.headers["x-trace"], "t")
      const stream = yield* Effect.flip(
        client.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyStream(Stream.make(new Uint8Array(1)))))
      )
      assert.strictEqual(stream.reason, "Encode")
      assert.strictEqual(seen.length, 0)
    })
  )

  it.effect("the layer provides an HttpClient whose pools close with it", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      assert.isFunction(client.execute)
    }).pipe(Effect.provide(UndiciHttpClient.layer))
  )
})
