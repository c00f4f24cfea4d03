/**
 * The offset between this process's clock and the venue's, measured from `GET /api/v5/public/time`.
 *
 * Each sync takes several samples, corrects each by half its round trip, and keeps the median; a `ts` in seconds, or
 * one that cannot be the venue's time (0 to a real clock, microseconds, past the year 2200), is not used. The offset is
 * refreshed on a schedule and on demand (after a `50102` "timestamp expired"); concurrent on-demand resyncs
 * share one sync. The first sync runs in a fiber of the layer's scope, and a request waits for it at most
 * `initialWait`: a venue whose time endpoint hangs delays the first request by that much, not by the whole sync, and
 * a caller interrupted while it waits does not interrupt the sync. All time is read through Effect's `Clock`, so it
 * runs under the `TestClock`.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import { formatTimestamp } from "./OkxSignature.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Sync {
  /** venue time minus local time, in milliseconds */
  readonly offsetMillis: number
  /** the round trip of the sample whose offset was kept, in milliseconds */
  readonly roundTripMillis: number
  /** local Clock time when the sync completed */
  readonly at: number
  /** how many samples succeeded */
  readonly samples: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The current offset (venue minus local) in milliseconds; 0 until the first sync succeeds. */
  readonly offsetMillis: Effect.Effect<number>
  /** The venue's current time in epoch milliseconds: `Clock` plus the offset. */
  readonly currentTimeMillis: Effect.Effect<number>
  /** The venue's current time as an `OK-ACCESS-TIMESTAMP` (ISO 8601 UTC, milliseconds, `Z`). */
  readonly timestamp: Effect.Effect<string>
  /** Syncs now, unless a sync that started after this call already completed (then its result is shared). */
  readonly resync: Effect.Effect<Sync, ServerTimeError>
  /** The last successful sync, if any. */
  readonly lastSync: Effect.Effect<Option.Option<Sync>>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ServerTime extends Context.Tag("@okx-rfq/signing/ServerTime")<ServerTime, Service>() {}

/**
 * A sync that got no usable sample.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerTimeError extends Data.TaggedError("ServerTimeError")<{
  readonly description: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `server time sync failed: ${this.description}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The venue's base URL, e.g. `https://www.okx.com`. */
  readonly baseUrl: string
  /** Samples per sync (default 5). */
  readonly samples?: number | undefined
  /** How often to resync in the background (default 5 minutes). */
  readonly interval?: Duration.DurationInput | undefined
  /** A timeout per sample (default 2 seconds). */
  readonly sampleTimeout?: Duration.DurationInput | undefined
  /**
   * `eager` (default): the first sync starts while the layer is built. `lazy`: it starts on the first use of the
   * offset, so that nothing is sent before a request is (a program that rejects bad input sends nothing).
   */
  readonly initialSync?: "eager" | "lazy" | undefined
  /**
   * How long, from its start, the first sync is waited for (default 1 second): by the layer's build (`eager`), and
   * by every use of the offset until it completes. Past that, uses go on with the offset at 0 while the sync goes on
   * in the background; a request the venue then rejects with `50102` resyncs and is signed again (the client does
   * that). So a time endpoint that hangs delays a cancel by at most this much, not by `samples × sampleTimeout`.
   */
  readonly initialWait?: Duration.DurationInput | undefined
}

/**
 * The path of OKX's public time endpoint.
 *
 * @since 0.1.0
 * @category constants
 */
export const path = "/api/v5/public/time"

/**
 * Whether a venue's `ts` is Unix seconds rather than the milliseconds OKX sends: from `1e9` (2001-09-09 in seconds)
 * up to `1e12` (2001-09-09 in milliseconds). Read as milliseconds it would be 55 years off, and signing with that
 * offset would only earn 50102s. Smaller values come from virtual clocks (the TestClock starts at 0) and are kept.
 */
const inSeconds = (ts: number) => ts >= 1e9 && ts < 1e12

/**
 * Whether a venue's `ts` (milliseconds) can be its time, `local` being this machine's: not past the year 2200 (a `ts`
 * in microseconds, or garbage digits; past the year 275760 no timestamp could even be formatted), and not a virtual
 * clock's small value (below `1e9`) unless the local clock is virtual too (a venue answering 0 to a real clock). A
 * venue far from a virtual local clock (a simulator at a real epoch under the TestClock) is kept.
 */
const plausible = (ts: number, local: number) => ts <= 7_258_118_400_000 && (ts >= 1e9 || local < 1e12)

const median = (sorted: ReadonlyArray<{ readonly offset: number; readonly rtt: number }>) =>
  sorted[Math.floor((sorted.length - 1) / 2)]!

const parseServerTs = (body: unknown): Option.Option<number> => {
  if (typeof body !== "object" || body === null) return Option.none()
  const { code, data } = body as { code?: unknown; data?: unknown }
  if (code !== "0" || !Array.isArray(data) || data.length === 0) return Option.none()
  const ts = (data[0] as { ts?: unknown } | null)?.ts
  if (typeof ts !== "string" || !/^\d{1,16}$/.test(ts)) return Option.none()
  return Option.some(Number(ts))
}

/**
 * Milliseconds of the Clock's monotonic time (`currentTimeNanos`; Effect's default Clock reads `process.hrtime`), for
 * durations: the wall clock (`currentTimeMillis`) is for timestamps, and an NTP step moves it.
 */
const monotonicMillis = Effect.map(Clock.currentTimeNanos, (nanos) => Number(nanos) / 1e6)

/**
 * A ServerTime that talks to the venue: syncs once when built (a failure there is logged and leaves the offset
 * at 0, so a venue that is briefly unreachable does not stop the program), then every `interval`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function* () {
    // no trace headers to the venue: the time endpoint is public and the sample should be as lean as possible
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false))
    const samples = Math.max(1, Math.floor(options.samples ?? 5))
    const interval = Duration.decode(options.interval ?? "5 minutes")
    const sampleTimeout = Duration.decode(options.sampleTimeout ?? "2 seconds")
    const url = options.baseUrl.replace(/\/+$/, "") + path
    const last = yield* Ref.make(Option.none<Sync>())
    const completed = yield* Ref.make(0)
    const lock = yield* Effect.makeSemaphore(1)

    const sample = Effect.gen(function* () {
      const sent = yield* Clock.currentTimeMillis
      const sentMonotonic = yield* monotonicMillis
      const response = yield* client.execute(HttpClientRequest.get(url))
      const body = yield* response.json
      const ts = parseServerTs(body)
      if (Option.isNone(ts)) return Option.none()
      // the round trip on the monotonic clock, which a step of the wall clock does not move
      const rtt = (yield* monotonicMillis) - sentMonotonic
      return Option.some({ ts: ts.value, offset: ts.value - (sent + rtt / 2), rtt })
    }).pipe(
      Effect.scoped,
      Effect.timeout(sampleTimeout),
      // a transport or middleware that throws is a sample without an answer, not the end of the sync (or of the
      // schedule's fiber, or of a switch's heartbeat waiting for the resync)
      Effect.catchAllDefect((defect) =>
        Effect.zipRight(Effect.logWarning("a server time sample died", Cause.die(defect)), Effect.fail("died"))
      ),
      Effect.option,
      Effect.map(Option.flatten)
    )

    const sync = Effect.gen(function* () {
      const results = yield* Effect.forEach(Array.from({ length: samples }), () => sample)
      const answered = results.flatMap((r) => (Option.isSome(r) ? [r.value] : []))
      const ok = answered
        .filter((r) => !inSeconds(r.ts) && plausible(r.ts, r.ts - r.offset))
        .sort((a, b) => a.offset - b.offset)
      if (ok.length === 0) {
        const first = answered[0]
        return yield* new ServerTimeError({
          description:
            first === undefined
              ? `no valid answer from ${url} in ${samples} samples`
              : inSeconds(first.ts)
                ? `the time from ${url} (ts ${first.ts}) is in seconds, not the milliseconds OKX sends: not used`
                : `the time from ${url} (ts ${first.ts}) cannot be the venue's time in milliseconds: not used`
        })
      }
      const kept = median(ok)
      const result: Sync = {
        offsetMillis: Math.round(kept.offset),
        roundTripMillis: kept.rtt,
        at: yield* Clock.currentTimeMillis,
        samples: ok.length
      }
      yield* Ref.set(last, Option.some(result))
      yield* Ref.update(completed, (n) => n + 1)
      yield* Effect.logDebug("server time synced").pipe(
        Effect.annotateLogs({ offsetMillis: result.offsetMillis, roundTripMillis: result.roundTripMillis })
      )
      return result
    })

    const resync = Effect.gen(function* () {
      const seen = yield* Ref.get(completed)
      return yield* lock.withPermits(1)(
        Effect.gen(function* () {
          const current = yield* Ref.get(last)
          if ((yield* Ref.get(completed)) > seen && Option.isSome(current)) return current.value
          return yield* sync
        })
      )
    }).pipe(Effect.withSpan("ServerTime.resync"))

    const syncLogged = resync.pipe(
      Effect.catchAll((error) =>
        Effect.flatMap(Ref.get(last), (previous) =>
          Effect.logWarning(
            Option.isSome(previous)
              ? `server time sync failed; keeping the offset of the last sync (${previous.value.offsetMillis} ms)`
              : "server time sync failed; signing with the local clock until a sync succeeds",
            error.message
          )
        )
      )
    )
    // The first sync: started once, in this scope (a caller interrupted while waiting for it does not interrupt it),
    // and waited for until `initialWait` after its start. Once it completed, a use of the offset is one Ref read.
    const initialWaitMillis = Duration.toMillis(Duration.decode(options.initialWait ?? "1 second"))
    const scope = yield* Effect.scope
    let initial: { readonly fiber: Fiber.RuntimeFiber<unknown>; readonly waitUntil: number } | undefined
    let initialDone = false
    // measured on the monotonic clock: a step of the wall clock neither stretches nor skips the wait
    const waitForInitial = Effect.gen(function* () {
      const now = yield* monotonicMillis
      if (initial === undefined) {
        const fiber = yield* Effect.forkIn(
          Effect.ensuring(
            Effect.interruptible(syncLogged),
            Effect.sync(() => {
              initialDone = true
            })
          ),
          scope
        )
        initial = { fiber, waitUntil: now + initialWaitMillis }
      }
      const { fiber, waitUntil } = initial
      // interruptible, so that the wait ends on time in an uninterruptible region too (a switch's shutdown)
      if (waitUntil > now) {
        yield* Effect.timeoutOption(Effect.interruptible(Fiber.await(fiber)), Duration.millis(waitUntil - now))
      }
    })
    const offset = Effect.map(Ref.get(last), Option.match({ onNone: () => 0, onSome: (s) => s.offsetMillis }))
    const service = fromOffset(
      Effect.suspend(() => (initialDone ? offset : Effect.zipRight(waitForInitial, offset))),
      { resync, lastSync: Ref.get(last) }
    )
    if (options.initialSync !== "lazy") yield* waitForInitial
    yield* Effect.sleep(interval).pipe(
      Effect.zipRight(syncLogged),
      Effect.forever,
      Effect.interruptible,
      Effect.forkScoped
    )
    return service
  })

const fromOffset = (offsetMillis: Effect.Effect<number>, rest: Pick<Service, "resync" | "lastSync">): Service => {
  const currentTimeMillis = Effect.zipWith(Clock.currentTimeMillis, offsetMillis, (now, offset) => now + offset)
  return {
    offsetMillis,
    currentTimeMillis,
    timestamp: Effect.map(currentTimeMillis, formatTimestamp),
    ...rest
  }
}

/**
 * A ServerTime with a fixed offset and no venue: for tests, or when the local clock is trusted.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeFixed = (offsetMillis = 0): Service => {
  const sync = Effect.map(Clock.currentTimeMillis, (at): Sync => ({ offsetMillis, roundTripMillis: 0, at, samples: 0 }))
  return fromOffset(Effect.succeed(offsetMillis), { resync: sync, lastSync: Effect.map(sync, Option.some) })
}

/**
 * Syncs with the venue at `options.baseUrl`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<ServerTime, never, HttpClient.HttpClient> =>
  Layer.scoped(ServerTime, make(options))

/**
 * A fixed offset (default 0), no network.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFixed = (offsetMillis = 0): Layer.Layer<ServerTime> =>
  Layer.succeed(ServerTime, makeFixed(offsetMillis))
