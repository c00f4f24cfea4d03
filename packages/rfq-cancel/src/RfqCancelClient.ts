/**
 * The client for OKX's RFQ cancellation endpoints: one method per endpoint, each call a span.
 *
 * Every attempt passes its endpoint's lane of the exact limiter (the permit held until the attempt ends and counted
 * from the request's write), then the signer (a fresh timestamp each time), then the `HttpClient`, then envelope
 * decoding. Transient outcomes are retried with bounded exponential backoff and jitter (a 50011 also pauses the lane
 * for its window); a 50102 resyncs server time and retries once; items the venue refused for a passing reason
 * (70208) are sent again within the same budget; everything else is final. Interrupting a call stops it at once.
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { DurationInput, OkxRateLimiter, SteadyTime } from "@okx-rfq/rate-limit"
import { Endpoints, OkxError, RfqCancel } from "@okx-rfq/schema"
import { OkxCredentials, OkxSigner, ServerTime } from "@okx-rfq/signing"
import type * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import * as Internal from "./internal/batches.js"
import * as Direct from "./internal/direct.js"
import * as Settings from "./internal/options.js"
import * as Redact from "./internal/redact.js"
import * as Timeout from "./internal/timeout.js"
import {
  BatchIncomplete,
  CountdownMismatch,
  DeadlineExceeded,
  type QuoteBatchError,
  type RfqBatchError,
  type RfqCancelError,
  TransportError
} from "./RfqCancelError.js"

/**
 * How a call retries. Delays grow `baseDelay × 2^n` up to `maxDelay`, each with full jitter in [50%, 100%].
 * `maxAttempts` and `deadline` bound a call's requests together (its retries, its re-sends of refused items, one
 * server-time resync); a batch of more than 100 ids has them for each request of up to 100.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  readonly maxAttempts?: number | undefined
  /** The first backoff delay (default 100 ms). */
  readonly baseDelay?: Duration.DurationInput | undefined
  /** The largest backoff delay (default 2 s). */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** The timeout of one attempt, from the lane's permit to the decoded body (default 5 s). */
  readonly attemptTimeout?: Duration.DurationInput | undefined
  /** The whole call, waiting for the lane included (default 30 s). */
  readonly deadline?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The venue, default `https://www.okx.com`. */
  readonly baseUrl?: string | undefined
  /** The key of the rate-limit lanes: OKX counts per User ID; default the API key. */
  readonly userId?: string | undefined
  readonly retry?: RetryOptions | undefined
  /**
   * A span per HTTP attempt (the platform's client span, signing headers redacted) under the call's span. Off by
   * default: the call's span already carries the endpoint, ids and outcome, and the extra span costs CPU per call.
   */
  readonly httpSpans?: boolean | undefined
}

/**
 * The input of the batch calls: as many ids as needed. More than 100 are sent as consecutive batches of 100 whose
 * items are merged in order. Give `quoteIds` or `clQuoteIds`, not both: OKX would go by `quoteIds` and leave the
 * quotes named only by client id live, so both fail with `InvalidRequest` naming `clQuoteIds`, nothing sent.
 *
 * @since 0.1.0
 * @category models
 */
export type BatchQuotesInput = {
  readonly quoteIds?: ReadonlyArray<string> | undefined
  readonly clQuoteIds?: ReadonlyArray<string> | undefined
}

/**
 * The input of the RFQ batch calls, as `BatchQuotesInput`: `rfqIds` or `clRfqIds`, not both.
 *
 * @since 0.1.0
 * @category models
 */
export type BatchRfqsInput = {
  readonly rfqIds?: ReadonlyArray<string> | undefined
  readonly clRfqIds?: ReadonlyArray<string> | undefined
}

/**
 * Options of a batch call.
 *
 * @since 0.1.0
 * @category models
 */
export interface BatchOptions<Item> {
  /**
   * Called with the result of the `index`-th request of the batch (0-based; at most 100 ids each, its items accounted
   * for) as soon as it is answered, before anything else happens (even if the caller is interrupted right after
   * the answer); called again for the same `index` when items it refused for a passing reason were sent again and
   * answered, or, if the call ends while such a re-send is on its way, with those items `Unanswered`: the later
   * result replaces the earlier. Requests go in order, one at a time. A caller interrupted while
   * a long batch is on its way (a signal) still knows which ids were answered: those of the latest result of each
   * index. A request that fails is the call's failure, not passed here.
   */
  readonly onAnswered?: ((answered: Endpoints.ItemsResult<Item>, index: number) => Effect.Effect<void>) | undefined
}

/**
 * The result of a single or batch quote cancel: every item, with its ids and outcome.
 *
 * @since 0.1.0
 * @category models
 */
export type QuoteItems = Endpoints.ItemsResult<RfqCancel.QuoteCancellation>

/**
 * @since 0.1.0
 * @category models
 */
export type RfqItems = Endpoints.ItemsResult<RfqCancel.RfqCancellation>

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly cancelQuote: (input: RfqCancel.CancelQuoteRequest) => Effect.Effect<QuoteItems, RfqCancelError>
  readonly cancelBatchQuotes: (
    input: BatchQuotesInput,
    options?: BatchOptions<RfqCancel.QuoteCancellation>
  ) => Effect.Effect<QuoteItems, QuoteBatchError>
  readonly cancelAllQuotes: Effect.Effect<Endpoints.CancelAllResult, RfqCancelError>
  readonly cancelRfq: (input: RfqCancel.CancelRfqRequest) => Effect.Effect<RfqItems, RfqCancelError>
  readonly cancelBatchRfqs: (
    input: BatchRfqsInput,
    options?: BatchOptions<RfqCancel.RfqCancellation>
  ) => Effect.Effect<RfqItems, RfqBatchError>
  readonly cancelAllRfqs: Effect.Effect<Endpoints.CancelAllResult, RfqCancelError>
  /** Arms (or re-arms) the countdown: `timeout` 0 disables, otherwise 10–120 s. */
  readonly cancelAllAfter: (
    timeout: Duration.DurationInput
  ) => Effect.Effect<RfqCancel.CancelAllAfterData, RfqCancelError>
  /**
   * `cancelAllAfter(0)`: disables the countdown, and checks that the venue's answer says so: a `triggerTime` other
   * than `"0"` fails with `CountdownMismatch` (the countdown is still armed). `cancelAllAfter` returns the venue's
   * answer as it is (`RfqCancel.countdownProblem` checks one).
   */
  readonly disarm: Effect.Effect<RfqCancel.CancelAllAfterData, RfqCancelError>
  /** `GET /api/v5/rfq/quotes`: confirms quote states. */
  readonly quotes: (filter: RfqCancel.QuotesRequest) => Effect.Effect<ReadonlyArray<RfqCancel.Quote>, RfqCancelError>
  /** `GET /api/v5/rfq/rfqs`: confirms RFQ states. */
  readonly rfqs: (filter: RfqCancel.RfqsRequest) => Effect.Effect<ReadonlyArray<RfqCancel.Rfq>, RfqCancelError>
  /** The server-time offset this client signs with. */
  readonly serverTime: ServerTime.Service
  /**
   * One attempt of cancel-all-after, no retries: the dead-man's switch runs its own deadline-aware retries.
   * `onSend` is called when the attempt has its permit of the lane and its request goes to the transport: from
   * then on the venue may receive it, even if the attempt is interrupted (the switch waits for such an attempt
   * before it disarms).
   */
  readonly cancelAllAfterOnce: (
    timeout: Duration.DurationInput,
    attemptTimeout?: Duration.DurationInput,
    onSend?: () => void
  ) => Effect.Effect<RfqCancel.CancelAllAfterData, RfqCancelError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RfqCancelClient extends Context.Tag("@okx-rfq/rfq-cancel/RfqCancelClient")<RfqCancelClient, Service>() {}

/**
 * The default venue.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://www.okx.com"

// biome-ignore lint/suspicious/noExplicitAny: the endpoint's schema types are carried by its own type parameters
type AnyEndpoint<Result> = Endpoints.Endpoint<string, Endpoints.Method, string, any, any, Result>

/**
 * A countdown timeout as given by a caller, checked before it is decoded: `Duration.decode` turns a negative or NaN
 * input into zero, which on cancel-all-after would silently disarm the countdown.
 */
const decodeTimeout = (endpoint: string, input: unknown): Either.Either<Duration.Duration, OkxError.InvalidRequest> =>
  Either.fromOption(
    DurationInput.decodeNonNegative(input),
    () =>
      new OkxError.InvalidRequest({
        endpoint,
        field: "timeOut",
        msg: `timeOut: must be a non-negative duration, got ${DurationInput.show(input)}`
      })
  )

/**
 * The direct path of `client` (see `internal/direct.ts`) and where it sends: the base URL's origin and path prefix
 * (the base URL is checked, `Settings.settings`); `undefined` when `client` has none.
 */
const directPath = (
  client: HttpClient.HttpClient,
  baseUrl: string
): { readonly send: Direct.Send; readonly origin: string; readonly prefix: string } | undefined => {
  const send = Direct.of(client)
  if (send === undefined) return undefined
  const url = new URL(baseUrl)
  return { send, origin: url.origin, prefix: url.pathname.replace(/\/+$/, "") }
}

/** Effect's built-in tracer (no exporter installed). */
const nativeTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * The ids a cancel asked for (what its answer must account for, `Endpoints.accountForQuotes`), by the field OKX goes
 * by: the venue's id (`one` / `many`) when both are sent, else the client id. `input` is already validated.
 */
const requested = (
  input: Readonly<Record<string, unknown>>,
  [one, many, clOne, clMany]: readonly [string, string, string, string]
): Endpoints.Requested => {
  const idsOf = (single: unknown, list: unknown): ReadonlyArray<string> | undefined =>
    Array.isArray(list) ? (list as ReadonlyArray<string>) : typeof single === "string" ? [single] : undefined
  const byVenueId = idsOf(input[one], input[many])
  return byVenueId !== undefined
    ? { ids: byVenueId, byClientId: false }
    : { ids: idsOf(input[clOne], input[clMany]) ?? [], byClientId: true }
}
const quoteKeys = ["quoteId", "quoteIds", "clQuoteId", "clQuoteIds"] as const
const rfqKeys = ["rfqId", "rfqIds", "clRfqId", "clRfqIds"] as const
const quoteLists: Internal.IdLists = [
  ["quoteIds", RfqCancel.QuoteId],
  ["clQuoteIds", RfqCancel.ClQuoteId]
]
const rfqLists: Internal.IdLists = [
  ["rfqIds", RfqCancel.RfqId],
  ["clRfqIds", RfqCancel.ClRfqId]
]

/** A call's attempts and deadline, shared by the requests of one call (`settleItems`). */
interface Budget {
  readonly deadlineAt: number
  /** Attempts made, a resync's included. */
  attempts: number
  /** Attempts counted against `maxAttempts`. */
  tries: number
  /** Whether a 50102 has already resynced server time (once per call). */
  resynced: boolean
  /**
   * Whether an attempt of the call (a re-send's included) may have acted without a definite answer: every answer
   * after it is marked (`earlierAttemptMayHaveActed`), a single cancel's re-send too, whose result replaces the first.
   */
  unknown: boolean
}

/** How a cancel's items are told apart, accounted for, and sent again (`settleItems`). */
interface ItemKind<Item> {
  readonly account: (result: Endpoints.ItemsResult<Item>, requested: Endpoints.Requested) => Endpoints.ItemsResult<Item>
  readonly key: (item: Item, byClientId: boolean) => string
  readonly withOutcome: (item: Item, outcome: RfqCancel.ItemOutcome) => Item
  /** A single cancel: a re-send is the same request, and its answer replaces the whole result. */
  readonly whole: boolean
  /** A batch's request for `asked` alone, `undefined` when none can be made. */
  readonly resend: (
    endpoint: AnyEndpoint<Endpoints.ItemsResult<Item>>,
    asked: Endpoints.Requested
  ) => Endpoints.PreparedRequest | undefined
}

/**
 * The item kind of a single cancel (`whole`) and of its batch twin: `account` for the results, `key` the item's id
 * by the field asked by, and the batch's id lists, whose names its re-sends use.
 */
const itemKinds = <Item extends { readonly outcome: RfqCancel.ItemOutcome }>(
  account: ItemKind<Item>["account"],
  key: ItemKind<Item>["key"],
  [[venueIds], [clientIds]]: Internal.IdLists
): readonly [single: ItemKind<Item>, batch: ItemKind<Item>] => {
  const single: ItemKind<Item> = {
    account,
    key,
    withOutcome: (item, outcome) => ({ ...item, outcome }),
    whole: true,
    resend: (endpoint, asked) =>
      Either.getOrUndefined(Endpoints.prepare(endpoint, { [asked.byClientId ? clientIds : venueIds]: asked.ids }))
  }
  return [single, { ...single, whole: false }]
}

const [quoteItem, quoteBatchItem] = itemKinds<RfqCancel.QuoteCancellation>(
  Endpoints.accountForQuotes,
  (item, byClientId) => (byClientId ? item.clQuoteId : item.quoteId),
  quoteLists
)
const [rfqItem, rfqBatchItem] = itemKinds<RfqCancel.RfqCancellation>(
  Endpoints.accountForRfqs,
  (item, byClientId) => (byClientId ? item.clRfqId : item.rfqId),
  rfqLists
)

/**
 * Builds the client from the context's `HttpClient`, `OkxSigner`, `ServerTime` and rate-limit `Lanes`. Fails with
 * an `InvalidRequest` naming the option (endpoint `"RfqCancelClient"`) when an option is invalid (`docs/client.md`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<
  Service,
  OkxError.InvalidRequest,
  HttpClient.HttpClient | OkxSigner.OkxSigner | ServerTime.ServerTime | OkxRateLimiter.Lanes | Scope.Scope
> =>
  Effect.gen(function* () {
    const signer = yield* OkxSigner.OkxSigner
    const timeouts = yield* Timeout.make
    const clock = yield* Effect.clock
    const serverTime = yield* ServerTime.ServerTime
    const lanes = yield* OkxRateLimiter.Lanes
    const httpClient = yield* HttpClient.HttpClient
    const transport = httpClient.pipe(HttpClient.withTracerPropagation(false))
    // the call's own span carries the endpoint, ids and outcome; a span per HTTP attempt is opt-in, and then the
    // signing headers are redacted in its attributes
    const http = options.httpSpans === true ? transport : transport.pipe(HttpClient.withTracerDisabledWhen(() => true))
    const { baseUrl, retry, userId } = yield* Settings.settings(options, defaultBaseUrl)
    const user = userId ?? signer.apiKey
    const newBudget = (clock: Clock.Clock): Budget => ({
      deadlineAt: SteadyTime.unsafeMillis(clock) + retry.deadline,
      attempts: 0,
      tries: 0,
      resynced: false,
      unknown: false
    })

    // an untransformed UndiciHttpClient has a direct path that skips HttpClient.make's per-request work and races
    // the attempt's deadline without a fiber; any other HttpClient (or HTTP spans) goes through `execute`
    const direct = options.httpSpans === true ? undefined : directPath(httpClient, baseUrl)
    const transportError = (endpoint: string, error: HttpClientError.HttpClientError, mayHaveActed = true) =>
      new TransportError({ endpoint, reason: "Transport", description: error.message, mayHaveActed })
    /**
     * The echoes of the passphrase the signer sends (`Redact.echoForms`), from its first request's headers: nothing
     * made of an answer carries it (`Redact.withoutEcho`, `Redact.resultWithoutEcho`).
     */
    let echoes: ReadonlyArray<string> | undefined

    /**
     * Signs one request with the exact path and body it sends, and sends it within `millis`, or a `TransportError`.
     * `sent` marks the instant the request went on the wire, as the lane counts it: on the direct path when the pool
     * hands it to a connection; through any other `HttpClient`, which does not say when it writes, when the exchange
     * ends (the answer, an error or an interruption), the latest instant it can have been written. `onTimeout` is told
     * whether the request may have reached the venue (`false`: the direct path never handed it to a connection).
     */
    const exchange = (
      endpoint: string,
      prepared: Endpoints.PreparedRequest,
      millis: number,
      onTimeout: (mayHaveActed: boolean) => RfqCancelError,
      sent: () => void
    ): Effect.Effect<Direct.Response, RfqCancelError> =>
      Effect.flatMap(
        signer.headersFor({
          method: prepared.method,
          requestPath: prepared.requestPath,
          body: prepared.method === "POST" ? prepared.body : ""
        }),
        (headers) => {
          if (echoes === undefined) echoes = Redact.echoForms(Redact.headerValue(headers, "ok-access-passphrase"))
          if (direct !== undefined) {
            const request: Direct.Request = {
              origin: direct.origin,
              path: direct.prefix + prepared.requestPath,
              method: prepared.method,
              headers,
              body: prepared.method === "POST" ? prepared.body : undefined
            }
            return Effect.async<Direct.Response, RfqCancelError>((resume) => {
              let abort: (() => void) | undefined
              // whether a connection took the request: until then the venue cannot have acted on it
              let written = false
              const cancelTimer = timeouts.after(millis, () => {
                abort?.()
                resume(Effect.fail(onTimeout(written)))
              })
              abort = direct.send(
                request,
                (result) => {
                  cancelTimer()
                  resume(
                    Either.isRight(result)
                      ? Effect.succeed(result.right)
                      : Effect.fail(transportError(endpoint, result.left, written))
                  )
                },
                () => {
                  written = true
                  sent()
                }
              )
              return Effect.sync(() => {
                cancelTimer()
                abort?.()
              })
            })
          }
          const url = baseUrl + prepared.requestPath
          return timeouts
            .timeoutFail(
              http
                .execute(
                  prepared.method === "POST"
                    ? HttpClientRequest.post(url, { headers, body: HttpBody.text(prepared.body, "application/json") })
                    : HttpClientRequest.get(url, { headers })
                )
                .pipe(
                  Effect.flatMap((response) =>
                    Effect.map(response.text, (body) => ({ status: response.status, body }))
                  ),
                  Effect.locallyWith(Headers.currentRedactedNames, (names) => [
                    ...names,
                    ...OkxSigner.redactedHeaderNames
                  ]),
                  Effect.ensuring(Effect.sync(sent))
                ),
              millis,
              () => onTimeout(true)
            )
            .pipe(
              Effect.catchTags({
                RequestError: (error) => transportError(endpoint, error),
                ResponseError: (error) => transportError(endpoint, error)
              })
            )
        }
      )

    /**
     * One attempt: the lane's permit (waiting at most until `deadlineAt`), then sign, send and decode within
     * `min(attemptTimeout, time left)`. Running out of the call's deadline fails with `exceeded(mayHaveActed)`, told
     * whether this attempt's request may have reached the venue when that is known. The permit is
     * held until the attempt ends and counts from the instant the request went on the wire, not from its grant
     * (`OkxRateLimiter`'s `reserve`): a request held up after its grant by a busy event loop or a full pool cannot
     * reach the venue inside the window of a later one.
     */
    const attempt = <Result>(
      endpoint: AnyEndpoint<Result>,
      prepared: Endpoints.PreparedRequest,
      attemptTimeout: number,
      clock: Clock.Clock,
      deadlineAt: number,
      exceeded: (mayHaveActed?: boolean) => RfqCancelError,
      onSend?: () => void
    ): Effect.Effect<Result, RfqCancelError> =>
      Effect.flatMap(lanes.lane({ user, endpoint: endpoint.path }), (lane) => {
        const once = (permit: OkxRateLimiter.Permit) =>
          Effect.suspend(() => {
            const left = deadlineAt - SteadyTime.unsafeMillis(clock)
            if (left <= 0) return Effect.fail(exceeded(false))
            onSend?.()
            const limit = Math.min(attemptTimeout, left)
            const timedOut = (mayHaveActed: boolean): RfqCancelError =>
              limit < attemptTimeout
                ? exceeded(mayHaveActed)
                : new TransportError({
                    endpoint: endpoint.name,
                    reason: "Timeout",
                    description: `no answer within ${Duration.format(Duration.millis(attemptTimeout))}`,
                    mayHaveActed
                  })
            return exchange(endpoint.name, prepared, limit, timedOut, () => permit.sent()).pipe(
              Effect.flatMap((answer): Effect.Effect<Result, RfqCancelError> => {
                // a JSON answer is decoded first: an echo is taken out of its free text only, never out of an id, a
                // code or a time; a text answer is read without it
                const forms = echoes ?? []
                const echoed = Redact.mayEcho(answer.body, forms)
                const outcome = Endpoints.interpret(endpoint, {
                  httpStatus: answer.status,
                  body: Redact.readAnswer(answer.body, echoed ? forms : [])
                })
                if (Either.isRight(outcome)) {
                  return Effect.succeed(echoed ? Redact.resultWithoutEcho(outcome.right, forms) : outcome.right)
                }
                const error = echoed ? Redact.withoutEcho(outcome.left, forms) : outcome.left
                return error._tag === "RateLimited"
                  ? Effect.zipRight(lane.pauseFor(lane.window), Effect.fail(error))
                  : Effect.fail(error)
              })
            )
          })
        // the permit: at once when the lane has room (no timer), else queue until the deadline at most; a cost of 1
        // never exceeds a lane's limit, so RateLimitExceeded cannot happen
        return Effect.flatMap(Effect.catchTag(lane.tryReserve()(once), "RateLimitExceeded", Effect.die), (done) =>
          Option.isSome(done)
            ? Effect.succeed(done.value)
            : Effect.suspend(() =>
                timeouts.timeoutFail(
                  Effect.catchTag(lane.reserve()(once), "RateLimitExceeded", Effect.die),
                  Math.max(0, deadlineAt - SteadyTime.unsafeMillis(clock)),
                  () => exceeded()
                )
              )
        )
      })

    const backoff = (n: number) =>
      Effect.map(Random.next, (r) => Math.round(Math.min(retry.maxDelay, retry.baseDelay * 2 ** n) * (0.5 + r / 2)))

    /**
     * Attempts until success, a final error, `maxAttempts` or the deadline. The deadline is enforced by arithmetic
     * on the Clock (each wait is bounded by the time left), so a call costs no timer beyond its attempt's timeout.
     * `budget` is the call's, when it re-sends items (`settleItems`): its attempts and deadline are shared.
     */
    const withRetries = <Result>(
      endpoint: AnyEndpoint<Result>,
      prepared: Endpoints.PreparedRequest,
      budget?: Budget,
      onSend?: () => void
    ): Effect.Effect<Result, RfqCancelError> =>
      Effect.clockWith((clock) => {
        const spent = budget ?? newBudget(clock)
        const { deadlineAt } = spent
        let last: RfqCancelError | undefined
        // whether the venue may have acted: a request is on its way, or one failed without a definite answer
        let inFlight = false
        let unknown = false
        const sending = () => {
          inFlight = true
          onSend?.()
        }
        /** `attempt`: whether the attempt the deadline ended may have reached the venue (else: one in flight may). */
        const exceeded = (attempt?: boolean) =>
          new DeadlineExceeded({
            endpoint: endpoint.name,
            deadlineMillis: retry.deadline,
            attempts: spent.attempts,
            ...(last === undefined ? {} : { last: last.message }),
            mayHaveActed: (attempt ?? inFlight) || unknown
          })
        const untilDeadline = <A, E>(effect: Effect.Effect<A, E>) =>
          Effect.suspend(() =>
            effect.pipe(
              Effect.timeoutFail({
                duration: Duration.millis(Math.max(0, deadlineAt - SteadyTime.unsafeMillis(clock))),
                onTimeout: () => exceeded()
              })
            )
          )
        // an answer after an attempt of the call that may have acted: what it finds inactive may be that attempt's
        // doing; and an error after an attempt of this send that may have acted says so (a drop, then 503s): the
        // items of a re-send become Unanswered only when the re-send itself may have acted. Only what follows such
        // an attempt is wrapped: a call whose attempts all had answers pays nothing for it
        const marked = (effect: Effect.Effect<Result, RfqCancelError>) =>
          Effect.mapBoth(effect, {
            onFailure: (error) =>
              unknown && !Internal.mayHaveActed(error) ? Internal.afterEarlierActed(error) : error,
            onSuccess: (result) => (spent.unknown ? Internal.afterEarlierAttempt(result) : result)
          })
        const retried = (n: number) => (unknown ? marked(loop(n)) : loop(n))
        const loop = (n: number): Effect.Effect<Result, RfqCancelError> =>
          Effect.suspend(() => {
            if (SteadyTime.unsafeMillis(clock) >= deadlineAt) return Effect.fail(exceeded())
            spent.attempts++
            spent.tries = n + 1
            return attempt(endpoint, prepared, retry.attemptTimeout, clock, deadlineAt, exceeded, sending)
          }).pipe(
            Effect.catchAll((error: RfqCancelError) => {
              inFlight = false
              if (error._tag === "DeadlineExceeded") return Effect.fail(error)
              if (Internal.mayHaveActed(error)) {
                unknown = true
                spent.unknown = true
              }
              last = error
              if (error.retry === "resync-then-retry-once" && !spent.resynced) {
                spent.resynced = true
                return serverTime.resync.pipe(
                  Effect.tapError((e) => Effect.logWarning("server time resync failed", e.message)),
                  Effect.ignore,
                  untilDeadline,
                  Effect.zipRight(retried(n))
                )
              }
              if (error.retry === "backoff" && n + 1 < retry.maxAttempts) {
                return backoff(n).pipe(
                  Effect.tap((delay) =>
                    Effect.logDebug("retrying").pipe(
                      Effect.annotateLogs({ endpoint: endpoint.name, error: error._tag, attempt: n + 1, delay })
                    )
                  ),
                  Effect.flatMap((delay) => {
                    const left = deadlineAt - SteadyTime.unsafeMillis(clock)
                    return delay < left
                      ? Effect.zipRight(Effect.sleep(Duration.millis(delay)), retried(n + 1))
                      : Effect.zipRight(Effect.sleep(Duration.millis(Math.max(0, left))), Effect.fail(exceeded()))
                  })
                )
              }
              return Effect.fail(error)
            })
          )
        // a re-send after an attempt of the call that may have acted: its answer is marked too
        return spent.unknown ? marked(loop(spent.tries)) : loop(spent.tries)
      })

    /**
     * A single or batch cancel whose items the venue refused for a passing reason (an item `sCode` whose rule is
     * `backoff`, such as 70208 "cancellation service unavailable"): those ids alone are sent again after a backoff,
     * within the request's `maxAttempts` and deadline, and their new items replace the old. A quote refused that way
     * is still live, so the call does not hand it back while it may still cancel it. When the budget runs out, the
     * refused items keep their `Rejected`; when a re-send fails, they keep it if the venue cannot have acted, and
     * become `Unanswered` (state unknown) if it may have (a dropped connection, a timeout, an unreadable answer).
     * `progress`, if given, gets the result each time it changes (the first answer, each re-send's), in the same
     * uninterruptible step as the answer that changed it, and, when the call ends while a re-send is on its way,
     * with the re-sent items `Unanswered`.
     */
    const settleItems = <Item extends { readonly outcome: RfqCancel.ItemOutcome }>(
      endpoint: AnyEndpoint<Endpoints.ItemsResult<Item>>,
      prepared: Endpoints.PreparedRequest,
      requested: Endpoints.Requested,
      items: ItemKind<Item>,
      progress?: (result: Endpoints.ItemsResult<Item>) => Effect.Effect<void>
    ): Effect.Effect<Endpoints.ItemsResult<Item>, RfqCancelError> =>
      Effect.clockWith((clock) => {
        const budget = newBudget(clock)
        /** `answer` (an exchange, interruptible), then the result it gives, told to `progress` before anything else. */
        const reported = <A, E>(
          answer: Effect.Effect<A, E>,
          resultOf: (a: A) => Endpoints.ItemsResult<Item>
        ): Effect.Effect<A, E> =>
          progress === undefined
            ? answer
            : Effect.uninterruptibleMask((restore) => Effect.tap(restore(answer), (a) => progress(resultOf(a))))
        const send = (req: Endpoints.PreparedRequest, ids: Endpoints.Requested, onSend?: () => void) =>
          Effect.map(withRetries(endpoint, req, budget, onSend), (result) => items.account(result, ids))
        const keyOf = (item: Item) => items.key(item, requested.byClientId)
        const settle = (result: Endpoints.ItemsResult<Item>): Effect.Effect<Endpoints.ItemsResult<Item>> => {
          // the common case, nothing refused for a passing reason, costs one pass over the items
          if (!result.items.some((item) => Internal.isPassing(item.outcome))) return Effect.succeed(result)
          const asked = new Set(requested.ids)
          // a single cancel's item is its id's, whatever ids the venue put in it
          const again = result.items.filter(
            (item) => Internal.isPassing(item.outcome) && (items.whole || asked.has(keyOf(item)))
          )
          if (again.length === 0 || budget.tries >= retry.maxAttempts) return Effect.succeed(result)
          // each id once: a venue that repeats an item must not make the re-send an invalid request
          const ids = items.whole
            ? requested
            : { ids: [...new Set(again.map(keyOf))], byClientId: requested.byClientId }
          const resend = items.whole ? prepared : items.resend(endpoint, ids)
          if (resend === undefined) return Effect.succeed(result)
          const unknownAfter = (reason: string) => Internal.unanswered(result, again, items.withOutcome, reason)
          // the re-send, then what it leads to and its error if it failed. Once it is on its way the venue may act on
          // it: a call that ends before its answer leaves `progress` with those items' outcome unknown
          const resent = Effect.suspend(() => {
            let sent = false
            let answered = false
            const outcome = Effect.map(
              Effect.either(
                send(resend, ids, () => {
                  sent = true
                })
              ),
              (r): readonly [Endpoints.ItemsResult<Item>, RfqCancelError | undefined] => {
                answered = true
                if (Either.isRight(r))
                  return [
                    items.whole ? r.right : Internal.replaceItems(result, r.right, keyOf, new Set(ids.ids)),
                    undefined
                  ]
                return [Internal.mayHaveActed(r.left) ? unknownAfter(r.left.message) : result, r.left]
              }
            )
            return reported(outcome, ([next]) => next).pipe(
              Effect.onInterrupt(() =>
                sent && !answered && progress !== undefined
                  ? progress(unknownAfter("the call ended before its answer"))
                  : Effect.void
              )
            )
          })
          return backoff(budget.tries - 1).pipe(
            Effect.flatMap((delay) =>
              SteadyTime.unsafeMillis(clock) + delay >= budget.deadlineAt
                ? Effect.succeed(result)
                : Effect.logDebug("re-sending refused items").pipe(
                    Effect.annotateLogs({
                      endpoint: endpoint.name,
                      ids: ids.ids.length,
                      sCode: again[0]!.outcome.sCode,
                      delay
                    }),
                    Effect.zipRight(Effect.sleep(Duration.millis(delay))),
                    Effect.zipRight(resent),
                    Effect.flatMap(([next, error]) =>
                      error === undefined
                        ? settle(next)
                        : // the re-send's error is final, or its budget is spent: the call ends with what is known
                          Effect.as(Effect.logDebug("re-send failed", error.message), next)
                    )
                  )
            )
          )
        }
        return Effect.flatMap(
          reported(send(prepared, requested), (result) => result),
          settle
        )
      })

    const call = <Result>(
      endpoint: AnyEndpoint<Result>,
      input: unknown,
      run: (e: AnyEndpoint<Result>, p: Endpoints.PreparedRequest) => Effect.Effect<Result, RfqCancelError>
    ): Effect.Effect<Result, RfqCancelError> =>
      Effect.suspend(() => {
        const prepared = Endpoints.prepare(endpoint, input)
        return Either.isLeft(prepared) ? Effect.fail(prepared.left) : run(endpoint, prepared.right)
      })

    /**
     * The call's span. With HTTP spans on it is the parent of the attempts' spans (`Effect.withSpan`); otherwise
     * nothing nests under it, so it is made and ended around the call without becoming the current span, which
     * saves the context update that costs more than the span itself; and under Effect's built-in tracer, which
     * exports nothing, a span that is not current cannot be seen by anyone, so none is made. Either way it is a child
     * of the caller's span.
     */
    const traced =
      <A, E>(name: string, endpoint: string, ids: unknown) =>
      (self: Effect.Effect<A, E>): Effect.Effect<A, E> => {
        const spanOptions = () =>
          ({
            kind: "client",
            captureStackTrace: false,
            attributes: { "okx.endpoint": endpoint, ...Internal.idAttributes(ids) }
          }) as const
        if (options.httpSpans === true) {
          return self.pipe(
            Effect.tap((result) => Effect.annotateCurrentSpan("okx.outcome", Internal.summarize(result))),
            Effect.withSpan(`RfqCancelClient.${name}`, spanOptions())
          )
        }
        return Effect.tracerWith((tracer) =>
          tracer === nativeTracer
            ? self
            : Effect.flatMap(Effect.makeSpan(`RfqCancelClient.${name}`, spanOptions()), (span) =>
                Effect.onExit(self, (exit) =>
                  Effect.sync(() => {
                    if (Exit.isSuccess(exit)) span.attribute("okx.outcome", Internal.summarize(exit.value))
                    span.end(clock.unsafeCurrentTimeNanos(), exit)
                  })
                )
              )
        )
      }

    /**
     * A batch cancel, split into requests of at most 100 ids, each settled by `settleItems` with `kind`: its result
     * accounts for the ids it asked for (`Endpoints.accountForQuotes`), so that the items already answered when a
     * later request fails (`BatchIncomplete.completed`) do too. Each answered request's result goes to `onAnswered`
     * before the next is sent (`BatchOptions`).
     */
    const batches = <Item extends { readonly outcome: RfqCancel.ItemOutcome }>(
      endpoint: AnyEndpoint<Endpoints.ItemsResult<Item>>,
      lists: Internal.IdLists,
      input: Readonly<Record<string, ReadonlyArray<string> | undefined>>,
      kind: ItemKind<Item>,
      keys: readonly [string, string, string, string],
      onAnswered: BatchOptions<Item>["onAnswered"]
    ): Effect.Effect<Endpoints.ItemsResult<Item>, BatchIncomplete<Item> | RfqCancelError> => {
      const shape = Endpoints.requestShapeProblem(endpoint.name, input)
      if (shape !== undefined) return Effect.fail(shape)
      const plan = Internal.planBatches(endpoint.name, lists, input)
      if (Either.isLeft(plan)) return Effect.fail(plan.left)
      const prepared = plan.right.map((chunk) => Endpoints.prepare(endpoint, chunk.input))
      const invalid = prepared.find(Either.isLeft)
      if (invalid !== undefined && Either.isLeft(invalid)) return Effect.fail(invalid.left)
      const both = Internal.bothLists(endpoint.name, lists, input)
      if (both !== undefined) return Effect.fail(both)
      // an item one request's answer gives for an id another request asked for is no answer about it: that id's
      // own request accounts for it, and the item would stand beside its own, or beside its "not answered"
      const chunks = plan.right.map((chunk) => requested(chunk.input, keys))
      const everyId = chunks.length > 1 ? new Set(chunks.flatMap((chunk) => chunk.ids)) : undefined
      const ownAnswers = (i: number, result: Endpoints.ItemsResult<Item>): Endpoints.ItemsResult<Item> => {
        if (everyId === undefined) return result
        const { ids, byClientId } = chunks[i]!
        const own = new Set(ids)
        const foreign = (item: Item) => {
          const key = kind.key(item, byClientId)
          return everyId.has(key) && !own.has(key)
        }
        return result.items.some(foreign)
          ? Endpoints.withItems(
              result,
              result.items.filter((item) => !foreign(item))
            )
          : result
      }
      return Effect.gen(function* () {
        const results: Array<Endpoints.ItemsResult<Item>> = []
        for (let i = 0; i < prepared.length; i++) {
          const p = prepared[i]!
          if (Either.isLeft(p)) continue
          const result = yield* Effect.either(
            Effect.map(
              settleItems(
                endpoint,
                p.right,
                chunks[i]!,
                kind,
                onAnswered === undefined ? undefined : (answered) => onAnswered(ownAnswers(i, answered), i)
              ),
              (settled) => ownAnswers(i, settled)
            )
          )
          if (Either.isLeft(result)) {
            if (plan.right.length === 1) return yield* result.left
            return yield* new BatchIncomplete<Item>({
              endpoint: endpoint.name,
              completed: Internal.mergeItems(results),
              remaining: plan.right.slice(i).flatMap((chunk) => chunk.ids),
              cause: result.left
            })
          }
          results.push(result.right)
        }
        return Internal.mergeItems(results)
      })
    }

    const cancelAllAfterWith =
      (run: typeof withRetries) =>
      (timeout: Duration.DurationInput): Effect.Effect<RfqCancel.CancelAllAfterData, RfqCancelError> => {
        const timeOut = decodeTimeout(Endpoints.cancelAllAfter.name, timeout)
        return Either.isLeft(timeOut)
          ? Effect.fail(timeOut.left)
          : call(Endpoints.cancelAllAfter, { timeOut: timeOut.right }, run).pipe(
              traced("cancelAllAfter", Endpoints.cancelAllAfter.path, { timeOut: Duration.format(timeOut.right) })
            )
      }
    const cancelAllAfter = cancelAllAfterWith(withRetries)

    return RfqCancelClient.of({
      cancelQuote: (input) =>
        call(Endpoints.cancelQuote, input, (endpoint, prepared) =>
          settleItems(endpoint, prepared, requested(input, quoteKeys), quoteItem)
        ).pipe(traced("cancelQuote", Endpoints.cancelQuote.path, input)),
      cancelBatchQuotes: (input, options) =>
        batches(Endpoints.cancelBatchQuotes, quoteLists, input, quoteBatchItem, quoteKeys, options?.onAnswered).pipe(
          traced("cancelBatchQuotes", Endpoints.cancelBatchQuotes.path, input)
        ),
      cancelAllQuotes: call(Endpoints.cancelAllQuotes, {}, withRetries).pipe(
        traced("cancelAllQuotes", Endpoints.cancelAllQuotes.path, {})
      ),
      cancelRfq: (input) =>
        call(Endpoints.cancelRfq, input, (endpoint, prepared) =>
          settleItems(endpoint, prepared, requested(input, rfqKeys), rfqItem)
        ).pipe(traced("cancelRfq", Endpoints.cancelRfq.path, input)),
      cancelBatchRfqs: (input, options) =>
        batches(Endpoints.cancelBatchRfqs, rfqLists, input, rfqBatchItem, rfqKeys, options?.onAnswered).pipe(
          traced("cancelBatchRfqs", Endpoints.cancelBatchRfqs.path, input)
        ),
      cancelAllRfqs: call(Endpoints.cancelAllRfqs, {}, withRetries).pipe(
        traced("cancelAllRfqs", Endpoints.cancelAllRfqs.path, {})
      ),
      cancelAllAfter,
      disarm: Effect.flatMap(cancelAllAfter(0), (data) => {
        const problem = RfqCancel.countdownProblem(0, data)
        return problem === undefined
          ? Effect.succeed(data)
          : Effect.fail(new CountdownMismatch({ endpoint: Endpoints.cancelAllAfter.name, askedMillis: 0, problem }))
      }),
      serverTime,
      cancelAllAfterOnce: (timeout, attemptTimeout, onSend) => {
        const checked = Settings.millisOf(
          "attemptTimeout",
          attemptTimeout,
          retry.attemptTimeout,
          true,
          Endpoints.cancelAllAfter.name
        )
        if (Either.isLeft(checked)) return Effect.fail(checked.left)
        const limit = checked.right
        return cancelAllAfterWith((endpoint, prepared) =>
          Effect.clockWith((clock) => {
            const failed = (mayHaveActed = true) =>
              new TransportError({
                endpoint: endpoint.name,
                reason: "Timeout",
                description: `no answer within ${Duration.format(Duration.millis(limit))}`,
                mayHaveActed
              })
            return attempt(endpoint, prepared, limit, clock, SteadyTime.unsafeMillis(clock) + limit, failed, onSend)
          })
        )(timeout)
      },
      quotes: (filter) =>
        call(Endpoints.quotes, filter, withRetries).pipe(traced("quotes", Endpoints.quotes.path, filter)),
      rfqs: (filter) => call(Endpoints.rfqs, filter, withRetries).pipe(traced("rfqs", Endpoints.rfqs.path, filter))
    })
  })

/**
 * The client from the context's dependencies (for composing with your own signer, server time, lanes and transport).
 * Fails to build with an `InvalidRequest` naming the option when an option is invalid.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutDependencies = (
  options: Options = {}
): Layer.Layer<
  RfqCancelClient,
  OkxError.InvalidRequest,
  HttpClient.HttpClient | OkxSigner.OkxSigner | ServerTime.ServerTime | OkxRateLimiter.Lanes
> => Layer.scoped(RfqCancelClient, make(options))

/**
 * Everything but the transport, from plain options.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerOptions extends Options {
  readonly credentials: OkxCredentials.Input
  /** Demo trading (`x-simulated-trading: 1`). */
  readonly demo?: boolean | undefined
  /** Server-time sync (default: 5 samples every 5 minutes); `{ fixedOffsetMillis }` skips the venue. */
  readonly serverTime?: Omit<ServerTime.Options, "baseUrl"> | { readonly fixedOffsetMillis: number } | undefined
  /** Overrides of the rate-limit table or margin. */
  readonly lanes?: OkxRateLimiter.LanesOptions | undefined
}

/**
 * The client with its signer, server-time sync and in-memory lanes, leaving only the `HttpClient` open (provide
 * `NodeHttpClient.layerUndici` or the lean `UndiciHttpClient.layer` of this package). Fails to build, before any
 * request, with an `InvalidRequest` naming the option when an option or a credential is invalid.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: LayerOptions
): Layer.Layer<RfqCancelClient, OkxError.InvalidRequest, HttpClient.HttpClient> => {
  // checked before anything is built: the server-time sync would otherwise start against a bad base URL
  const checked = Either.flatMap(Settings.credentials(options.credentials), () =>
    Either.flatMap(Settings.lanes(options.lanes), () => Settings.settings(options, defaultBaseUrl))
  )
  if (Either.isLeft(checked)) return Layer.fail(checked.left)
  const baseUrl = checked.right.baseUrl
  const time =
    options.serverTime !== undefined && "fixedOffsetMillis" in options.serverTime
      ? ServerTime.layerFixed(options.serverTime.fixedOffsetMillis)
      : ServerTime.layer({ ...options.serverTime, baseUrl })
  const signer = OkxSigner.layer({ demo: options.demo }).pipe(
    Layer.provide(Layer.merge(OkxCredentials.layer(options.credentials), time))
  )
  return layerWithoutDependencies(options).pipe(
    Layer.provide(Layer.mergeAll(signer, time, OkxRateLimiter.layer(options.lanes)))
  )
}

/**
 * For tests: no server-time requests (offset 0), in-memory lanes, the given credentials; point `baseUrl` at the
 * simulator or provide a fake `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (
  options: Omit<LayerOptions, "serverTime">
): Layer.Layer<RfqCancelClient, OkxError.InvalidRequest, HttpClient.HttpClient> =>
  layer({ ...options, serverTime: { fixedOffsetMillis: 0 } })

/**
 * The settings `layerConfig` reads.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<LayerOptions> = Config.all({
  credentials: OkxCredentials.config,
  baseUrl: Config.string("OKX_BASE_URL").pipe(Config.withDefault(defaultBaseUrl)),
  demo: Config.boolean("OKX_DEMO").pipe(Config.withDefault(false)),
  userId: Config.option(Config.string("OKX_USER_ID"))
}).pipe(
  // an empty OKX_USER_ID counts as unset (the API key keys the lanes), as an empty shell variable usually means
  Config.map(
    ({ userId, ...rest }): LayerOptions =>
      userId._tag === "Some" && userId.value.trim() !== "" ? { ...rest, userId: userId.value } : rest
  )
)

/**
 * The client from the environment: `OKX_API_KEY`, `OKX_SECRET_KEY`, `OKX_PASSPHRASE`, `OKX_BASE_URL` (default
 * `https://www.okx.com`), `OKX_DEMO` (`1`/`true` for demo trading), `OKX_USER_ID` (the rate-limit key, default the
 * API key). `overrides` win over the environment. Leaves the `HttpClient` open.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  overrides: Partial<Omit<LayerOptions, "credentials">> = {}
): Layer.Layer<RfqCancelClient, ConfigError.ConfigError | OkxError.InvalidRequest, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(config, (options) => layer({ ...options, ...overrides })))

/**
 * `cancelQuote` of the client in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const cancelQuote = (input: RfqCancel.CancelQuoteRequest) =>
  Effect.flatMap(RfqCancelClient, (client) => client.cancelQuote(input))

/**
 * `cancelBatchQuotes` of the client in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const cancelBatchQuotes = (input: BatchQuotesInput, options?: BatchOptions<RfqCancel.QuoteCancellation>) =>
  Effect.flatMap(RfqCancelClient, (client) => client.cancelBatchQuotes(input, options))

/**
 * `cancelAllQuotes` of the client in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const cancelAllQuotes = Effect.flatMap(RfqCancelClient, (client) => client.cancelAllQuotes)

/**
 * `cancelRfq` of the client in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const cancelRfq = (input: RfqCancel.CancelRfqRequest) =>
  Effect.flatMap(RfqCancelClient, (client) => client.cancelRfq(input))

/**
 * `cancelBatchRfqs` of the client in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const cancelBatchRfqs = (input: BatchRfqsInput, options?: BatchOptions<RfqCancel.RfqCancellation>) =>
  Effect.flatMap(RfqCancelClient, (client) => client.cancelBatchRfqs(input, options))

/**
 * `cancelAllRfqs` of the client in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const cancelAllRfqs = Effect.flatMap(RfqCancelClient, (client) => client.cancelAllRfqs)

/**
 * `cancelAllAfter` of the client in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const cancelAllAfter = (timeout: Duration.DurationInput) =>
  Effect.flatMap(RfqCancelClient, (client) => client.cancelAllAfter(timeout))

/**
 * `disarm` of the client in context: cancel-all-after with 0, the countdown off.
 *
 * @since 0.1.0
 * @category accessors
 */
export const disarm = Effect.flatMap(RfqCancelClient, (client) => client.disarm)

/**
 * `quotes` of the client in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const quotes = (filter: RfqCancel.QuotesRequest) =>
  Effect.flatMap(RfqCancelClient, (client) => client.quotes(filter))

/**
 * `rfqs` of the client in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const rfqs = (filter: RfqCancel.RfqsRequest) => Effect.flatMap(RfqCancelClient, (client) => client.rfqs(filter))
