import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { OkxRateLimiter, RateLimitStore } from "@okx-rfq/rate-limit"
import { OkxCredentials, OkxSigner, ServerTime } from "@okx-rfq/signing"
import { Clock, Effect, Layer, Ref } from "effect"
import * as RfqCancelClient from "../../src/RfqCancelClient.js"

/** What the fake venue does with one request instead of answering normally. */
export type Fault =
  | { readonly _tag: "code"; readonly code: string; readonly httpStatus?: number }
  | { readonly _tag: "http"; readonly status: number; readonly body: string }
  | { readonly _tag: "drop" }
  | { readonly _tag: "hang" }
  | { readonly _tag: "die"; readonly defect: unknown }

/** One request as the fake venue saw it, at virtual time `at`. */
export interface Seen {
  readonly at: number
  readonly path: string
  readonly body: Record<string, unknown>
  readonly headers: Readonly<Record<string, string>>
}

const envelope = (code: string, data: ReadonlyArray<unknown> = [], msg = "") => JSON.stringify({ code, msg, data })

/**
 * A response whose body is read synchronously, so that under the TestClock nothing waits on real I/O.
 */
export const syncResponse = (request: HttpClientRequest.HttpClientRequest, status: number, text: string) => {
  const response = HttpClientResponse.fromWeb(request, new Response(null, { status }))
  const sync = Object.create(response) as HttpClientResponse.HttpClientResponse
  Object.defineProperty(sync, "text", { value: Effect.succeed(text) })
  return sync
}

/**
 * A fake OKX venue behind an `HttpClient`: answers the cancellation endpoints like the venue does (every id
 * cancelled, the countdown re-armed with a millisecond `triggerTime`), unless `fault` says otherwise for a request.
 */
export const makeFakeVenue = Effect.gen(function* () {
  const seen: Array<Seen> = []
  const faultRef = yield* Ref.make<(seen: Seen) => Fault | undefined>(() => undefined)
  const answer = (s: Seen): { status: number; text: string } => {
    const ids = (key: string) => (Array.isArray(s.body[key]) ? (s.body[key] as Array<string>) : [])
    switch (s.path) {
      case "/api/v5/rfq/cancel-all-after": {
        const timeOut = Number(s.body.timeOut)
        const triggerTime = timeOut === 0 ? "0" : String(s.at + timeOut * 1000)
        return { status: 200, text: envelope("0", [{ triggerTime, ts: String(s.at) }]) }
      }
      case "/api/v5/rfq/cancel-all-quotes":
      case "/api/v5/rfq/cancel-all-rfqs":
        return { status: 200, text: envelope("0", [{ ts: String(s.at) }]) }
      case "/api/v5/rfq/cancel-quote":
        return {
          status: 200,
          text: envelope("0", [
            { quoteId: s.body.quoteId ?? "", clQuoteId: s.body.clQuoteId ?? "", sCode: "0", sMsg: "" }
          ])
        }
      case "/api/v5/rfq/cancel-batch-quotes": {
        const items = ids("quoteIds").map((quoteId) => ({
          quoteId,
          clQuoteId: "",
          sCode: quoteId.startsWith("gone") ? "70001" : "0",
          sMsg: quoteId.startsWith("gone") ? "Quote does not exist" : ""
        }))
        const failed = items.filter((i) => i.sCode !== "0").length
        return {
          status: 200,
          text: envelope(failed === 0 ? "0" : failed === items.length ? "1" : "2", items)
        }
      }
      default:
        return { status: 404, text: "not found" }
    }
  }
  const client = HttpClient.make((request, url) =>
    Effect.gen(function* () {
      const text = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
      const s: Seen = {
        at: yield* Clock.currentTimeMillis,
        path: url.pathname,
        body: text === "" ? {} : JSON.parse(text),
        headers: request.headers
      }
      seen.push(s)
      const fault = (yield* Ref.get(faultRef))(s)
      if (fault === undefined) {
        const { status, text } = answer(s)
        return syncResponse(request, status, text)
      }
      switch (fault._tag) {
        case "code":
          return syncResponse(request, fault.httpStatus ?? 200, envelope(fault.code, [], `fault ${fault.code}`))
        case "http":
          return syncResponse(request, fault.status, fault.body)
        case "drop":
          return yield* new HttpClientError.RequestError({
            request,
            reason: "Transport",
            description: "socket hang up"
          })
        case "hang":
          return yield* Effect.never
        case "die":
          return yield* Effect.die(fault.defect)
      }
    })
  )
  return {
    client,
    seen: Effect.sync((): ReadonlyArray<Seen> => [...seen]),
    paths: Effect.sync(() => seen.map((s) => s.path)),
    setFault: (f: (seen: Seen) => Fault | undefined) => Ref.set(faultRef, f),
    clear: Effect.sync(() => {
      seen.length = 0
    })
  }
})

/** The fake venue's type. */
export type FakeVenue = Effect.Effect.Success<typeof makeFakeVenue>

const account = { apiKey: "key-1", secretKey: "secret-1", passphrase: "pass-1" }
export const credentials = OkxCredentials.make(account)

/**
 * The real client over the fake venue (or any `HttpClient`): real signer, real lanes (returned for inspection, OKX's
 * table unless `laneOptions` says otherwise), and a fixed server time unless `serverTime` is given (such as the real
 * `ServerTime.make` over the same fake venue).
 */
export const clientOver = (
  venue: { readonly client: HttpClient.HttpClient },
  options: RfqCancelClient.Options = {},
  laneOptions?: OkxRateLimiter.LanesOptions,
  serverTime?: ServerTime.Service,
  /** Signs with this passphrase instead of the venue's own ("pass-1"): the fake venue does not check it. */
  passphrase?: string
) =>
  Effect.gen(function* () {
    const lanes = yield* OkxRateLimiter.makeLanes(laneOptions).pipe(Effect.provide(RateLimitStore.layerMemory))
    const resyncs = yield* Ref.make(0)
    const time = serverTime ?? ServerTime.makeFixed(0)
    const countingTime: ServerTime.Service = {
      ...time,
      resync: Effect.zipRight(
        Ref.update(resyncs, (n) => n + 1),
        time.resync
      )
    }
    const client = yield* RfqCancelClient.make({ baseUrl: "https://venue.test", ...options }).pipe(
      Effect.provide(
        Layer.mergeAll(
          Layer.succeed(HttpClient.HttpClient, venue.client),
          Layer.succeed(
            OkxSigner.OkxSigner,
            OkxSigner.makeWith(
              passphrase === undefined ? credentials : OkxCredentials.make({ ...account, passphrase }),
              countingTime.timestamp
            )
          ),
          Layer.succeed(ServerTime.ServerTime, countingTime),
          Layer.succeed(OkxRateLimiter.Lanes, lanes)
        )
      )
    )
    return { client, lanes, resyncs: Ref.get(resyncs) }
  })
