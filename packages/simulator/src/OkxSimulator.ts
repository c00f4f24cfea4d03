/**
 * A local OKX RFQ venue over real HTTP: OKX v5 authentication, per-User-ID limits, quotes and RFQs, the
 * cancel-all-after countdown, fault injection, and a control API under `/sim/`.
 *
 * @since 0.1.0
 */
import type { ServeError } from "@effect/platform/HttpServerError"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as internalSchema from "./internal/schema.js"
import * as internalServer from "./internal/server.js"
import * as internalVenue from "./internal/venue.js"

/**
 * An account at the venue. Several accounts may share one `userId`: limits and quotes are per User ID.
 *
 * @since 0.1.0
 * @category models
 */
export interface Account {
  readonly apiKey: string
  readonly secretKey: string
  readonly passphrase: string
  readonly userId: string
  /** A demo-trading key: requests must carry `x-simulated-trading: 1` (and live keys must not). */
  readonly demo?: boolean | undefined
}

/**
 * A sliding-window limit: at most `requests` arrivals in any `windowMs`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limit {
  /** Requests allowed per window; `Infinity` switches the limit off. */
  readonly requests: number
  readonly windowMs: number
}

/**
 * OKX's limits per User ID (public time: per IP), keyed by path. `Options.limits` overrides them path by path.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultLimits: Readonly<Record<string, Limit>> = internalVenue.defaultLimits

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `0` (default) picks a free port. */
  readonly port?: number | undefined
  /** Default `"127.0.0.1"`. */
  readonly host?: string | undefined
  readonly accounts: ReadonlyArray<Account>
  /** Active quotes created at start (and on reset) for the first account's User ID. */
  readonly seedQuotes?: number | undefined
  /**
   * The pause between two cancellations when the countdown lapses. Default 100 ms; shorter when the run would
   * take more than {@link countdownSpanMs}.
   */
  readonly countdownPaceMs?: number | undefined
  /** Seed of the fault draws. Default 1. */
  readonly seed?: number | undefined
  /**
   * Faults in force at start (and after reset), validated as `setFaults` validates them: invalid ones are a defect
   * (a `SimulatorError` naming the field) when the venue is made.
   */
  readonly faults?: Faults | undefined
  /** Overrides of the per-endpoint limits, keyed by path. */
  readonly limits?: Readonly<Record<string, Limit>> | undefined
  /**
   * Whether a request rejected with `50011` takes a place in its window too. Default `false`: the window holds the
   * requests the venue let through, so at most `requests` pass in any `windowMs`, and a client that was early by a
   * few milliseconds gets through as soon as the oldest passed request leaves the window. `true` is the stricter,
   * undocumented alternative: every authenticated arrival counts, so a client that keeps sending faster than the
   * limit is never let through until it pauses for a whole window.
   */
  readonly countRejected?: boolean | undefined
  /** How many request-log entries are kept. Default 100,000. */
  readonly maxRequestLog?: number | undefined
}

/**
 * Added latency: a fixed number of milliseconds, uniform in `[min, max]`, or log-normal with the given median and
 * 99th percentile.
 *
 * @since 0.1.0
 * @category models
 */
export type Latency = typeof internalSchema.Latency.Type

/**
 * Faults of one endpoint (or of `"*"`, every OKX endpoint; an endpoint's own fields win field by field).
 *
 * @since 0.1.0
 * @category models
 */
export type EndpointFaults = typeof internalSchema.EndpointFaults.Type

/**
 * The fault document (`POST /sim/faults`).
 *
 * @example
 * ```ts
 * import type { OkxSimulator } from "@okx-rfq/simulator"
 *
 * const faults: OkxSimulator.Faults = {
 *   clockOffsetMs: 0,
 *   endpoints: {
 *     "*": { latencyMs: { p50: 5, p99: 50 } },
 *     "/api/v5/rfq/cancel-quote": { error: { code: "50001", probability: 0.1 }, drop: 0.05, malformed: 0.01 },
 *     "/api/v5/rfq/cancel-all-after": { drift: "extra" }
 *   }
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Faults = typeof internalSchema.Faults.Type

/**
 * The schema of the fault document.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FaultsSchema: Schema.Schema<Faults> = internalSchema.Faults

/**
 * @since 0.1.0
 * @category models
 */
export type QuoteState = typeof internalSchema.QuoteState.Type

/**
 * @since 0.1.0
 * @category models
 */
export type RfqState = typeof internalSchema.RfqState.Type

/**
 * A quote to create; every field has a default (fresh ids, the first account's User ID, `active`, valid for
 * {@link defaultValidForMs}).
 *
 * @since 0.1.0
 * @category models
 */
export type QuoteSpec = typeof internalSchema.QuoteSpec.Type

/**
 * @since 0.1.0
 * @category models
 */
export type RfqSpec = typeof internalSchema.RfqSpec.Type

/**
 * `{ count }` fresh active quotes (each on its own new `rfqId` unless `rfqId` is given), or explicit quotes.
 *
 * @since 0.1.0
 * @category models
 */
export type CreateQuotesInput = typeof internalSchema.CreateQuotes.Type

/**
 * @since 0.1.0
 * @category models
 */
export type CreateRfqsInput = typeof internalSchema.CreateRfqs.Type

/**
 * A quote as the control API shows it. Times are Unix milliseconds as strings.
 *
 * @since 0.1.0
 * @category models
 */
export interface Quote {
  readonly quoteId: string
  readonly clQuoteId: string
  readonly rfqId: string
  readonly state: QuoteState
  readonly userId: string
  readonly cTime: string
  readonly uTime: string
  /** When an active quote expires (state `expired`, `uTime` then). */
  readonly validUntil: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Rfq {
  readonly rfqId: string
  readonly clRfqId: string
  readonly state: RfqState
  readonly userId: string
  readonly cTime: string
  readonly uTime: string
  /** When an active RFQ expires (state `expired`, `uTime` then). */
  readonly validUntil: string
}

/**
 * How long a quote or RFQ created without `validForMs` stays valid: 7 days, longer than any test or demo runs on
 * the Effect Clock, so that seeded quotes stay active until cancelled.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultValidForMs: number = internalVenue.defaultValidForMs

/**
 * The longest a lapsed countdown's run of cancellations takes: 3 s (OKX: it "may take up to a few seconds"). The
 * first quote is cancelled at `triggerTime`, the next ones every `countdownPaceMs`, or every `3 s / (n − 1)` when
 * that is shorter (more than 31 quotes at the default pace).
 *
 * @since 0.1.0
 * @category constants
 */
export const countdownSpanMs: number = internalVenue.countdownSpanMs

/**
 * One OKX request as the venue answered it. `at` is the venue clock in ms; `fault` says which fault changed the answer
 * (`"drop"`: no answer at all, `httpStatus` 0; `"gateway"`: a proxy's 502 page after the venue acted; `"drift"`: fields
 * added or removed).
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestLogEntry {
  readonly at: number
  readonly method: string
  readonly path: string
  readonly code: string
  readonly httpStatus: number
  readonly fault?: "error" | "drop" | "malformed" | "gateway" | "drift" | undefined
}

/**
 * `GET /sim/state`. `cancelAllAfter` is the first account's User ID's countdown (`triggerTime` "0" = disarmed).
 *
 * @since 0.1.0
 * @category models
 */
export interface State {
  readonly quotes: ReadonlyArray<Quote>
  readonly rfqs: ReadonlyArray<Rfq>
  readonly cancelAllAfter: { readonly triggerTime: string }
  readonly cancelAllAfterByUser: Readonly<Record<string, { readonly triggerTime: string }>>
  readonly requests: ReadonlyArray<RequestLogEntry>
}

/**
 * Raised by the control operations for an input the venue cannot accept (a duplicate id).
 *
 * @since 0.1.0
 * @category errors
 */
export const SimulatorError: typeof internalVenue.SimulatorError = internalVenue.SimulatorError

/**
 * @since 0.1.0
 * @category errors
 */
export type SimulatorError = internalVenue.SimulatorError

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** e.g. `"http://127.0.0.1:53211"` */
  readonly url: string
  readonly port: number
  readonly createQuotes: (input: CreateQuotesInput) => Effect.Effect<ReadonlyArray<Quote>, SimulatorError>
  readonly createRfqs: (input: CreateRfqsInput) => Effect.Effect<ReadonlyArray<Rfq>, SimulatorError>
  readonly state: Effect.Effect<State>
  /**
   * Replaces the fault document, validated as `POST /sim/faults` validates it: a bad field, or an endpoint the venue
   * does not serve (a typo would never fire), fails with a `SimulatorError` naming it, and changes nothing.
   */
  readonly setFaults: (faults: Faults) => Effect.Effect<void, SimulatorError>
  readonly faults: Effect.Effect<Faults>
  /** Back to the initial state: quotes, RFQs, countdowns, limits, request log, faults and the fault seed. */
  readonly reset: Effect.Effect<void>
  /** The venue clock in ms: the Effect Clock plus `clockOffsetMs`. */
  readonly now: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class OkxSimulator extends Context.Tag("@okx-rfq/simulator/OkxSimulator")<OkxSimulator, Service>() {}

/**
 * Starts the venue on a real socket; it stops when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => Effect.Effect<Service, ServeError, Scope.Scope> = internalServer.make

/**
 * @example
 * ```ts
 * import { OkxSimulator } from "@okx-rfq/simulator"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const sim = yield* OkxSimulator.OkxSimulator
 *   yield* sim.createQuotes({ count: 3 })
 *   return sim.url
 * }).pipe(Effect.provide(OkxSimulator.layer({ accounts: [{ apiKey: "k", secretKey: "s", passphrase: "p", userId: "1" }] })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<OkxSimulator, ServeError> =>
  Layer.scoped(OkxSimulator, make(options))
