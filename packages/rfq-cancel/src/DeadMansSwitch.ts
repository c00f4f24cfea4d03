/**
 * A dead-man's switch over OKX's RFQ `cancel-all-after`: while the scope lives, the countdown is re-armed on a
 * fixed-rate schedule, so that if this process stalls, crashes or loses the network the venue itself cancels
 * every quote when the countdown lapses.
 *
 * - Deadline-aware: each acknowledgement sets the deadline to the attempt's start plus the time the venue gives the
 *   countdown on its own clock (`triggerTime - ts`), never more than the timeout. A failed re-arm is retried every
 *   `retryDelay` while slack remains (a 50102 re-syncs the server time first).
 * - Final errors: if the venue refuses the very first arm with an error retrying cannot fix (authentication,
 *   permission, invalid request: retry rule `"never"`), nothing is armed (unless an earlier attempt went unanswered:
 *   `mayBeArmed`) and the switch stops: status `Failed`,
 *   `awaitArmed` fails with that error. Once a countdown was armed, every failure is retried (the countdown still
 *   protects), with the error in `AtRisk` and `Expired`.
 * - Observable: `Arming`, `Armed`, `AtRisk`, `Expired`, `Failed`, `Disarmed`, as a `Stream` of changes, so a
 *   trading system can stop quoting the moment the protection is in doubt. Optionally it fires cancel-all-quotes
 *   itself when the slack falls below a threshold without a fresh acknowledgement.
 * - Shutdown (`shutdown`, scope close or interruption), `cancel-then-disarm` by default: cancel-all-quotes, and only
 *   after it succeeded disable the countdown. If the cancel failed the countdown is left armed: the venue is then the
 *   last line of defence. `shutdown` reports the outcome (`ShutdownFailed`).
 * - On time under load: the heartbeat, the watcher and the shutdown run at `FairScheduler.urgentPriority`. Under a
 *   `FairScheduler` (`FairScheduler.layer()`) they resume at the event loop's next turn even while thousands of other
 *   fibers are ready to run; under Effect's default scheduler the priority changes nothing.
 *
 * @since 0.1.0
 */
import { DurationInput, OkxRateLimiter, SteadyTime } from "@okx-rfq/rate-limit"
import { OkxError, RfqCancel } from "@okx-rfq/schema"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as FairScheduler from "./FairScheduler.js"
import { mayHaveActed } from "./internal/batches.js"
import { RfqCancelClient, type Service as Client } from "./RfqCancelClient.js"
import { type RfqCancelError, TransportError } from "./RfqCancelError.js"

/**
 * An error retrying cannot fix (its retry rule is `"never"`) and after which nothing is armed (unless an earlier
 * attempt went unanswered: `Status.Failed`'s `mayBeArmed`): authentication,
 * permission, an invalid request, an unclassified code. An unreadable answer (`DecodeError`) is not one: the venue
 * may have armed the countdown, so the switch keeps re-arming and reports `AtRisk`.
 *
 * @since 0.1.0
 * @category models
 */
export type FinalError =
  | OkxError.AuthenticationFailed
  | OkxError.PermissionDenied
  | OkxError.InvalidRequest
  | OkxError.UnknownCode

const finalTags: ReadonlySet<string> = new Set<FinalError["_tag"]>([
  "AuthenticationFailed",
  "PermissionDenied",
  "InvalidRequest",
  "UnknownCode"
])

const isFinal = (error: RfqCancelError): error is FinalError => finalTags.has(error._tag)

/**
 * The state of the protection.
 *
 * - `Arming`: started, no acknowledgement yet.
 * - `Armed`: the venue acknowledged; it will cancel every quote at `deadline` unless re-armed. `slack` is the time
 *   left at the acknowledgement, `roundTrip` the re-arm's round trip (from its request's send: a wait in the lane is
 *   not in it).
 * - `AtRisk`: re-arming is failing, or the shutdown's disarm went unanswered after it may have reached the venue
 *   (the countdown may then be disabled); `slack` is the time left before the last known deadline (if any);
 *   `lastError` and `error` say why (`error` is undefined when the venue's answer showed another countdown than
 *   asked: disabled, not after its `ts`, or longer or shorter than the timeout; or when a `leave-armed` shutdown
 *   stopped a re-arm on its way, which may have armed the countdown anew).
 * - `Expired`: the last known deadline passed without an acknowledged re-arm: the venue may be cancelling (or have
 *   cancelled) every quote. Stop quoting. It is announced from the switch's own deadline, which is early, never
 *   late: a re-arm whose answer was lost may have moved the venue's countdown later. `lastError` and `error`: the
 *   last failed re-arm, if any. An `Armed` or `AtRisk` whose deadline has passed reads as `Expired` (`status`), even
 *   before the watcher published it (a stalled process).
 * - `Failed`: the venue refused the first arm with a final error and the switch stopped. Nothing is armed, unless
 *   `mayBeArmed`: an earlier attempt went unanswered after it may have reached the venue (a timeout, a dropped
 *   connection, an unreadable answer), so that one may have armed the countdown.
 * - `Disarmed`: the countdown was disabled on shutdown.
 *
 * @since 0.1.0
 * @category models
 */
export type Status = Data.TaggedEnum<{
  Arming: {}
  Armed: {
    readonly deadline: DateTime.Utc
    readonly slack: Duration.Duration
    readonly lastAck: DateTime.Utc
    readonly roundTrip: Duration.Duration
  }
  AtRisk: {
    readonly deadline: DateTime.Utc | undefined
    readonly slack: Duration.Duration | undefined
    readonly failures: number
    readonly lastError: string
    readonly error: RfqCancelError | undefined
  }
  Expired: {
    readonly deadline: DateTime.Utc
    readonly failures: number
    readonly lastError: string | undefined
    readonly error: RfqCancelError | undefined
  }
  Failed: { readonly error: FinalError; readonly failures: number; readonly mayBeArmed: boolean }
  Disarmed: {}
}>

/**
 * Constructors and matchers of {@link Status}.
 *
 * @since 0.1.0
 * @category models
 */
export const Status = Data.taggedEnum<Status>()

/**
 * What happens when the switch's scope closes (or its fiber is interrupted).
 *
 * - `cancel-then-disarm` (default): cancel-all-quotes; only if that succeeded, disable the countdown.
 * - `disarm-only`: disable the countdown, leave the quotes.
 * - `leave-armed`: do nothing; the venue cancels every quote when the countdown lapses.
 *
 * @since 0.1.0
 * @category models
 */
export type ShutdownPolicy = "cancel-then-disarm" | "disarm-only" | "leave-armed"

/**
 * @since 0.1.0
 * @category models
 */
export const shutdownPolicies: ReadonlyArray<ShutdownPolicy> = ["cancel-then-disarm", "disarm-only", "leave-armed"]

/**
 * The switch has shut down (or is shutting down): it re-arms no more, so `awaitArmed` cannot wait for an arm.
 *
 * @since 0.1.0
 * @category errors
 */
export class SwitchStopped extends Data.TaggedError("SwitchStopped")<{ readonly onExit: ShutdownPolicy }> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `the dead man's switch has shut down (on exit: ${this.onExit}); it re-arms no more`
  }
}

/**
 * The shutdown policy could not complete: `step` failed with `cause`. After a failed `cancel-all-quotes` the countdown
 * was left armed (if this switch had armed it), so the venue cancels every quote when it lapses; after a failed
 * `disarm` the countdown stays armed, unless the disarm may have reached the venue (its answer was lost): then it may
 * be disabled (the message says so, and an acknowledged countdown's status is `AtRisk`). `armed`: this switch armed
 * the countdown, or may have (a re-arm answered with another countdown than asked, or unanswered after it may have
 * reached the venue); `acknowledged`: the venue acknowledged an arm, so the countdown is armed (unless it lapsed),
 * not only maybe.
 *
 * @since 0.1.0
 * @category errors
 */
export class ShutdownFailed extends Data.TaggedError("ShutdownFailed")<{
  readonly policy: ShutdownPolicy
  readonly step: "cancel-all-quotes" | "disarm"
  readonly armed: boolean
  readonly acknowledged: boolean
  readonly cause: RfqCancelError
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    const maybe = "no arm of the countdown was acknowledged, but one may have reached the venue"
    const what =
      this.step === "disarm"
        ? !this.armed
          ? "disabling the countdown failed; this switch never armed it (one armed before may still run)"
          : mayHaveActed(this.cause)
            ? "disabling the countdown failed after the disarm may have reached the venue: the countdown may be disabled, or still armed until it lapses"
            : this.acknowledged
              ? "disabling the countdown failed; it stays armed unless it already lapsed"
              : `disabling the countdown failed; ${maybe} (it then stays armed until it lapses)`
        : !this.armed
          ? "cancel-all-quotes failed; this switch never armed the countdown"
          : this.acknowledged
            ? "cancel-all-quotes failed; leaving the countdown armed (unless it already lapsed) so the venue cancels every quote"
            : `cancel-all-quotes failed; quotes may stay live: ${maybe} (only then does it cancel every quote when it lapses)`
    return `shutdown: ${what}: ${this.cause.message}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The countdown: a whole number of seconds in [10, 120]. */
  readonly timeout: Duration.DurationInput
  /** How often to re-arm (fixed rate). Default: the smaller of timeout / 4 and 3 s; at least {@link minimumInterval}. */
  readonly interval?: Duration.DurationInput | undefined
  /** The timeout of one re-arm attempt; below the interval. Default: 80% of the interval. */
  readonly attemptTimeout?: Duration.DurationInput | undefined
  /** The pause between retries of a failed re-arm (default 250 ms; the 1/s lane paces them too). */
  readonly retryDelay?: Duration.DurationInput | undefined
  /** Shutdown policy (default `cancel-then-disarm`). */
  readonly onExit?: ShutdownPolicy | undefined
  /**
   * Fire cancel-all-quotes when the slack falls below this without a fresh acknowledgement. Off by default. Below
   * `timeout - interval - attemptTimeout`, the least slack a healthy venue leaves before each acknowledgement.
   */
  readonly cancelQuotesBelow?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The current status. */
  readonly status: Effect.Effect<Status>
  /** The current status, then every change. */
  readonly changes: Stream.Stream<Status>
  /**
   * Waits until the countdown is armed (the first time, or again after a failure): an `Armed` whose deadline has
   * passed does not count. Fails with the error if the venue refused the first arm with a final error (status
   * `Failed`), and with `SwitchStopped` once the shutdown has started (the switch will not re-arm again).
   */
  readonly awaitArmed: Effect.Effect<Extract<Status, { readonly _tag: "Armed" }>, FinalError | SwitchStopped>
  /**
   * Stops re-arming and runs the shutdown policy now, once, in a fiber of its own (later calls and the scope's close
   * wait for and share its outcome; a caller interrupted while it waits stops waiting, not the shutdown); fails with
   * `ShutdownFailed` if a step failed. The scope's close runs it if nobody did.
   */
  readonly shutdown: Effect.Effect<void, ShutdownFailed>
  /** The settings in force, after defaults. */
  readonly settings: Settings
}

/**
 * The resolved settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly timeout: Duration.Duration
  readonly interval: Duration.Duration
  readonly attemptTimeout: Duration.Duration
  readonly retryDelay: Duration.Duration
  readonly onExit: ShutdownPolicy
  readonly cancelQuotesBelow: Duration.Duration | undefined
}

/**
 * @since 0.1.0
 * @category tags
 */
export class DeadMansSwitch extends Context.Tag("@okx-rfq/rfq-cancel/DeadMansSwitch")<DeadMansSwitch, Service>() {}

const invalid = (field: string, msg: string) =>
  new OkxError.InvalidRequest({ endpoint: "dead-mans-switch", field, msg: `${field}: ${msg}` })

/** A duration option: finite and non-negative (`Duration.decode` would read a negative one as zero), or the field. */
const durationOf = (field: string, input: unknown): Either.Either<Duration.Duration, OkxError.InvalidRequest> =>
  Either.fromOption(DurationInput.decodeNonNegative(input), () =>
    invalid(field, `must be a non-negative finite duration, got ${DurationInput.show(input)}`)
  )

/** The cancel-all-after lane's enforced window: 1 request/s plus the limiter's default margin (1.05 s). */
const laneWindowMillis =
  Duration.toMillis(OkxRateLimiter.okxRfqLimits["/api/v5/rfq/cancel-all-after"]!.window) +
  Duration.toMillis(OkxRateLimiter.defaultMargin)

/**
 * The shortest re-arm interval: 1.5 s, the cancel-all-after lane's enforced window (1.05 s: 1 request/s plus the
 * limiter's default margin) plus 450 ms.
 *
 * The lane starts a request no sooner than 1.05 s after the previous one. At an interval equal to that window, one
 * re-arm sent late (a stalled event loop, a retry, the application's own call) makes every later one wait in the
 * lane as long, plus each wait's own timer lateness: measured under load, the wait grew about 10 ms a beat until
 * re-arms timed out in the lane. With 450 ms to spare, the beats get back on schedule 450 ms a beat, and a beat
 * that waits a whole window still fits in its default attempt timeout (80 % of 1.5 s: 1.2 s).
 *
 * @since 0.1.0
 * @category constants
 */
export const minimumInterval: Duration.Duration = Duration.millis(laneWindowMillis + 450)

/**
 * Validates the options and fills in the defaults.
 *
 * @since 0.1.0
 * @category constructors
 */
export const settings = (options: Options): Either.Either<Settings, OkxError.InvalidRequest> =>
  Either.gen(function* () {
    const timeout = yield* durationOf("timeout", options.timeout)
    const seconds = Duration.toSeconds(timeout)
    if (!Number.isInteger(seconds) || seconds < 10 || seconds > 120) {
      return yield* Either.left(
        invalid("timeout", `must be a whole number of seconds in [10, 120], got ${Duration.format(timeout)}`)
      )
    }
    const interval =
      options.interval === undefined
        ? Duration.max(minimumInterval, Duration.min(Duration.millis(Duration.toMillis(timeout) / 4), "3 seconds"))
        : yield* durationOf("interval", options.interval)
    if (Duration.lessThan(interval, minimumInterval)) {
      return yield* Either.left(
        invalid(
          "interval",
          `must be at least ${Duration.format(minimumInterval)} (the endpoint allows 1 request/s, its lane spaces ` +
            `requests ${laneWindowMillis} ms apart, and re-arms need room to catch up), got ${Duration.format(interval)}`
        )
      )
    }
    if (Duration.greaterThanOrEqualTo(interval, Duration.millis(Duration.toMillis(timeout) / 2))) {
      return yield* Either.left(
        invalid(
          "interval",
          `must be below half the timeout (${Duration.format(timeout)}: below ${Duration.format(Duration.millis(Duration.toMillis(timeout) / 2))}), got ${Duration.format(interval)}`
        )
      )
    }
    const attemptTimeout =
      options.attemptTimeout === undefined
        ? Duration.millis(Math.floor(Duration.toMillis(interval) * 0.8))
        : yield* durationOf("attemptTimeout", options.attemptTimeout)
    if (!Duration.lessThan(attemptTimeout, interval) || Duration.isZero(attemptTimeout)) {
      return yield* Either.left(
        invalid(
          "attemptTimeout",
          `must be above 0 and below the interval (${Duration.format(interval)}), got ${Duration.format(attemptTimeout)}`
        )
      )
    }
    const onExit = options.onExit ?? "cancel-then-disarm"
    if (!shutdownPolicies.includes(onExit)) {
      return yield* Either.left(
        invalid("onExit", `must be one of ${shutdownPolicies.join(", ")}, got ${String(onExit)}`)
      )
    }
    const cancelQuotesBelow =
      options.cancelQuotesBelow === undefined
        ? undefined
        : yield* durationOf("cancelQuotesBelow", options.cancelQuotesBelow)
    // a healthy venue's slack goes down to timeout - interval - attemptTimeout just before each acknowledgement (the
    // next beat is due an interval after the last one started, and its answer may take an attempt), a second less
    // when it answers in whole seconds (the deadline is then taken a second early): a threshold at or above that
    // would cancel every quote while every re-arm succeeds
    const healthySlack =
      Duration.toMillis(timeout) - Duration.toMillis(interval) - Duration.toMillis(attemptTimeout) - 1000
    if (cancelQuotesBelow !== undefined && !(Duration.toMillis(cancelQuotesBelow) < healthySlack)) {
      return yield* Either.left(
        invalid(
          "cancelQuotesBelow",
          `must be below timeout - interval - attemptTimeout - 1 s (${Duration.format(Duration.millis(healthySlack))}), ` +
            `the least slack a healthy venue leaves before each acknowledgement, got ${Duration.format(cancelQuotesBelow)}`
        )
      )
    }
    const retryDelay = yield* durationOf("retryDelay", options.retryDelay ?? "250 millis")
    return { timeout, interval, attemptTimeout, retryDelay, onExit, cancelQuotesBelow }
  })

const utc = (epochMillis: number) => DateTime.unsafeMake(epochMillis)

/**
 * Runs the switch in the current scope with the given client.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (
  client: Client,
  options: Options
): Effect.Effect<Service, OkxError.InvalidRequest, Scope.Scope> =>
  Effect.gen(function* () {
    const config = yield* settings(options)
    const status = yield* SubscriptionRef.make<Status>(Status.Arming())
    let deadline: number | undefined
    /**
     * A re-arm may have armed a countdown without setting `deadline`: answered with another countdown than asked (a
     * longer one), or unanswered or unreadable after it may have reached the venue. The shutdown's messages say so.
     */
    let mayBeArmed = false
    let failures = 0
    // the Clock the switch was made with: read synchronously by `onSend`, and given to the shutdown (`asMade`)
    const clock = yield* Effect.clock
    /**
     * Every time the switch reads: the Clock's forward-only time (`SteadyTime.unsafeForwardMillis`). A backward step
     * of the wall clock moves no beat or deadline; a suspend, which the monotonic clock does not count while the
     * venue's countdown runs on, or a forward step, makes the deadline pass early: a lapse is never read late.
     */
    const currentTime = Effect.sync(() => SteadyTime.unsafeForwardMillis(clock))
    let lastError: string | undefined
    let lastCause: RfqCancelError | undefined
    const expired = (at: number) => Status.Expired({ deadline: utc(at), failures, lastError, error: lastCause })
    /** AtRisk at `now`: the last known deadline (if any) and what is left of it, and why re-arming failed. */
    const atRisk = (now: number, why: string, error: RfqCancelError | undefined) =>
      Status.AtRisk({
        deadline: deadline === undefined ? undefined : utc(deadline),
        slack: deadline === undefined ? undefined : Duration.millis(deadline - now),
        failures,
        lastError: why,
        error
      })
    /**
     * The deadline whose lapse was announced: once each (and logged once), by the watcher or by a re-arm that finds it
     * passed. `refresh`: a failed re-arm after the lapse publishes it again, with its own error and failure count.
     */
    let expiredFor: number | undefined
    const announceExpired = (at: number, refresh = false) =>
      Effect.suspend(() => {
        if (expiredFor === at) return refresh ? SubscriptionRef.set(status, expired(at)) : Effect.void
        expiredFor = at
        return Effect.zipRight(
          SubscriptionRef.set(status, expired(at)),
          Effect.logError("the countdown lapsed without a re-arm: the venue may be cancelling every quote")
        )
      })

    // One watcher for the whole life of the switch: it sleeps until the current deadline and, if no
    // acknowledgement moved it meanwhile, publishes Expired (and, optionally, fires cancel-all-quotes earlier).
    // A single long-lived sleeper keeps the clock's timer queue small: re-arming does not add a timer.
    const armedSignal = yield* Deferred.make<void>()
    // done when the shutdown starts: nothing re-arms or fires after it, and awaitArmed fails
    const stopped = yield* Deferred.make<void>()
    const sleepUntil = (at: number) =>
      Effect.flatMap(currentTime, (now) => Effect.sleep(Duration.millis(Math.max(0, at - now))))
    const intervalMillis = Duration.toMillis(config.interval)
    // the watcher looks again at least every interval: a deadline may move earlier (a normal answer after a longer
    // countdown than asked), and it must not sleep past it
    const watchUntil = (at: number, now: number) => sleepUntil(Math.min(at, now + intervalMillis))
    const watcher = Effect.gen(function* () {
      yield* Deferred.await(armedSignal)
      let firedFor: number | undefined
      while (true) {
        const at = deadline
        if (at === undefined) {
          // the venue disabled the countdown (an answer of "0"): nothing lapses until a re-arm sets a deadline
          yield* Effect.sleep(config.interval)
          continue
        }
        const now = yield* currentTime
        if (config.cancelQuotesBelow !== undefined && firedFor !== at && !(yield* Deferred.isDone(stopped))) {
          const fireAt = at - Duration.toMillis(config.cancelQuotesBelow)
          if (now < fireAt) {
            yield* watchUntil(fireAt, now)
            continue
          }
          firedFor = at
          yield* Effect.logWarning("slack below threshold without a fresh acknowledgement: cancelling all quotes")
          yield* client.cancelAllQuotes.pipe(
            Effect.tap((result) => Effect.logInfo(`cancel-all-quotes fired by the switch: ${result._tag}`)),
            Effect.catchAll((error) => Effect.logError("cancel-all-quotes fired by the switch failed", error.message)),
            Effect.forkScoped
          )
          continue
        }
        if (now < at) {
          yield* watchUntil(at, now)
          continue
        }
        yield* announceExpired(at)
        yield* sleepUntil(now + intervalMillis)
      }
    })

    /**
     * Whether a re-arm's request went to the transport and its attempt has not ended: the shutdown waits for its
     * answer (or its attempt timeout) before it disarms, since a request already written cannot be taken back, and a
     * disarm sent beside it on another connection could reach the venue first and leave the countdown armed. An
     * attempt still waiting for its lane's permit has sent nothing: the shutdown interrupts it.
     */
    let inFlight = false
    /** When the current attempt's request went to the transport: its round trip counts from there, not the lane. */
    let sentAt: number | undefined
    const onSend = () => {
      inFlight = true
      sentAt = SteadyTime.unsafeForwardMillis(clock)
    }
    /** When the current (or last) re-arm attempt started. */
    let attemptStarted = 0
    /** A second when the venue answers in whole seconds (it may truncate its `triggerTime`), else 0. */
    let lastUnitSlack = 0
    /**
     * A re-arm that may have reached the venue without an acknowledgement: the countdown it set lapses at its
     * attempt's start plus the timeout at the earliest, which is before the known deadline after an answer with a
     * longer countdown than asked. The deadline is the earliest the venue may cancel, so it moves there.
     */
    const mayHaveRearmed = () => {
      mayBeArmed = true
      if (deadline !== undefined) {
        deadline = Math.min(deadline, attemptStarted + Duration.toMillis(config.timeout) - lastUnitSlack)
      }
    }

    /**
     * One re-arm: `armed`, `retry`, `resync` (a 50102: re-sync the server time, then retry), `final` (stop), or
     * `stopped` (the shutdown has started: nothing more is sent).
     */
    const attempt = Effect.gen(function* () {
      if (yield* Deferred.isDone(stopped)) return "stopped" as const
      const started = yield* currentTime
      // the process may have stalled past the deadline (a blocked event loop, a paused VM): the lapse is announced
      // before anything else, whichever of this beat and the watcher wakes first
      if (deadline !== undefined && started >= deadline) yield* announceExpired(deadline)
      sentAt = undefined
      attemptStarted = started
      const result = yield* client.cancelAllAfterOnce(config.timeout, config.attemptTimeout, onSend).pipe(
        // a defect (a transport or middleware that throws) must not end the heartbeat in silence: it is a failed
        // attempt whose outcome is unknown, like a transport failure, and the next beat tries again
        diedAsTransportError("/api/v5/rfq/cancel-all-after", "re-arming the countdown died"),
        Effect.either,
        Effect.ensuring(
          Effect.sync(() => {
            inFlight = false
          })
        )
      )
      const now = yield* currentTime
      // the time the venue gives the countdown on its own clock (triggerTime - ts, each read in its own unit),
      // counted from this attempt's start: no server-time offset in it, so a venue whose clock disagrees with its
      // public time, or the offset's error, cannot move the deadline; never more than the timeout asked for
      // a countdown longer than asked (plus a second of rounding) is not the protection configured: after a stall
      // the venue would cancel later than the status says, so it counts as a failed re-arm
      const problem = Either.isRight(result)
        ? RfqCancel.countdownProblem(Duration.toMillis(config.timeout), result.right)
        : undefined
      // whole seconds (OKX's example) may be truncated by the venue: its countdown can end up to a second sooner
      const unitSlack = Either.isRight(result) && result.right.unit === "seconds" ? 1000 : 0
      if (Either.isRight(result)) lastUnitSlack = unitSlack
      const venueLeft = Either.isRight(result) ? RfqCancel.countdownMillis(result.right) : 0
      if (venueLeft > 0 && problem === undefined) {
        // answered after the last deadline: the venue may have cancelled every quote before this re-arm reached it
        if (deadline !== undefined && now >= deadline) yield* announceExpired(deadline)
        const at = started + Math.min(venueLeft, Duration.toMillis(config.timeout)) - unitSlack
        deadline = at
        failures = 0
        yield* Deferred.succeed(armedSignal, undefined)
        yield* SubscriptionRef.set(
          status,
          Status.Armed({
            deadline: utc(at),
            slack: Duration.millis(Math.max(0, at - now)),
            lastAck: utc(now),
            roundTrip: Duration.millis(now - (sentAt ?? started))
          })
        )
        return "armed" as const
      }
      failures++
      lastCause = Either.isLeft(result) ? result.left : undefined
      if (Either.isRight(result)) {
        // the venue answered with another countdown than asked: that one is what runs now, so the status shows its
        // deadline (a longer one), or none (disabled: nothing will cancel the quotes, and no Expired is announced)
        if (result.right.triggerTime._tag === "Disabled") {
          deadline = undefined
          mayBeArmed = false
        } else {
          mayBeArmed = true
          if (venueLeft > 0) {
            deadline = started + venueLeft - unitSlack
            // the watcher times that countdown too (Expired, cancelQuotesBelow), from the first answer on
            yield* Deferred.succeed(armedSignal, undefined)
          }
        }
      } else if (mayHaveActed(result.left)) {
        mayHaveRearmed()
      }
      lastError = lastCause?.message ?? `cancel-all-after with timeOut ${Duration.toSeconds(config.timeout)} ${problem}`
      yield* Effect.logWarning("re-arming the countdown failed").pipe(Effect.annotateLogs({ failures, lastError }))
      if (lastCause !== undefined && deadline === undefined && isFinal(lastCause)) {
        yield* SubscriptionRef.set(status, Status.Failed({ error: lastCause, failures, mayBeArmed }))
        yield* Effect.logError(
          mayBeArmed
            ? "the venue refused to arm the countdown and retrying cannot help; an earlier arm went unanswered and " +
                `may have armed it (it lapses within ${Duration.format(config.timeout)}): the switch stops`
            : "the venue refused to arm the countdown and retrying cannot help: nothing is armed, the switch stops",
          lastCause.message
        )
        return "final" as const
      }
      if (deadline !== undefined && now >= deadline) {
        yield* announceExpired(deadline, true)
      } else {
        yield* SubscriptionRef.set(status, atRisk(now, lastError, lastCause))
      }
      return lastCause?.retry === "resync-then-retry-once" ? ("resync" as const) : ("retry" as const)
    })

    // after a 50102: the resync runs in a fiber of the switch's scope, and a beat waits for it at most an attempt
    // timeout, so that the re-arm is tried again within the slack even while the public time endpoint is slow or
    // hangs; a sync longer than that goes on, and a later beat's 50102 waits for the same one. A failure or a defect
    // (a throwing transport or middleware) keeps the old offset, and the heartbeat goes on
    const switchScope = yield* Effect.scope
    let syncing: Fiber.RuntimeFiber<void, unknown> | undefined
    const startSync = client.serverTime.resync.pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.logWarning("server time resync failed", cause)
      ),
      Effect.asVoid,
      Effect.ensuring(
        Effect.sync(() => {
          syncing = undefined
        })
      ),
      Effect.interruptible,
      Effect.forkIn(switchScope)
    )
    const resync = Effect.gen(function* () {
      const fiber = syncing ?? (yield* startSync)
      syncing = fiber
      yield* Effect.timeoutOption(Fiber.await(fiber), config.attemptTimeout)
    })
    /** One tick: attempts until armed or the tick is over. False when the switch stops. */
    const beat = Effect.gen(function* () {
      const start = yield* currentTime
      let resynced = false
      while (true) {
        const outcome = yield* attempt
        if (outcome === "stopped" || outcome === "final" || (yield* Deferred.isDone(stopped))) return false
        if (outcome === "armed") return true
        if (outcome === "resync" && !resynced) {
          resynced = true
          yield* resync
          continue
        }
        const now = yield* currentTime
        if (now + Duration.toMillis(config.retryDelay) >= start + intervalMillis) return true
        yield* Effect.sleep(config.retryDelay)
      }
    })

    /**
     * The beats at a fixed rate on a grid anchored at the first beat's start (0, interval, 2 × interval, ...), so that
     * neither the round trips nor a slow first arm shift it. A beat that ran past its next grid point (retries) is
     * followed at once by the next one, without piling up the points it missed.
     */
    const beats = Effect.gen(function* () {
      const origin = yield* currentTime
      let next = origin
      while (true) {
        const now = yield* currentTime
        if (now < next) yield* sleepUntil(next)
        else next = origin + Math.floor((now - origin) / intervalMillis) * intervalMillis
        if (!(yield* beat)) return
        next += intervalMillis
      }
    })

    /** The switch's fibers run ahead of the others on a `FairScheduler`. */
    const urgent = Effect.withSchedulingPriority(FairScheduler.urgentPriority)
    // interruptible even when the switch is made in an uninterruptible region, so that the shutdown can stop them
    const heartbeat = yield* beats.pipe(Effect.interruptible, urgent, Effect.forkScoped)
    const watching = yield* watcher.pipe(Effect.interruptible, urgent, Effect.forkScoped)

    /**
     * The shutdown's work runs once, in a fiber of its own; every caller (and the scope's close) waits for its
     * outcome. A caller interrupted while it waits stops waiting, not the shutdown, and the others still get its
     * real outcome (`Effect.cached` would keep the first caller's interruption as everyone's outcome).
     */
    const shutdownOutcome = yield* Deferred.make<void, ShutdownFailed>()
    let shutdownStarted = false
    const shutdownWork = Effect.uninterruptible(
      Effect.gen(function* () {
        yield* Deferred.succeed(stopped, undefined)
        // between attempts or waiting for its lane, nothing of the heartbeat's is on its way: it stops now
        if (!inFlight) yield* Fiber.interrupt(heartbeat)
        // before a disarm, a re-arm on its way is let finish (its attempt timeout bounds it); the heartbeat then
        // stops by itself
        const settle = Effect.asVoid(Fiber.await(heartbeat))
        // nothing more is sent (leave-armed): a re-arm on its way is interrupted, and may have armed, later than the
        // last acknowledgement: the status says so (AtRisk), so that nobody reads that deadline as the venue's
        const stop = Effect.suspend(() => {
          if (!inFlight) return Fiber.interrupt(heartbeat)
          mayHaveRearmed()
          const why = "a re-arm was on its way when the shutdown stopped it: it may have armed the countdown anew"
          lastError = why
          lastCause = undefined
          return Effect.zipRight(
            Fiber.interrupt(heartbeat),
            Effect.flatMap(currentTime, (now) =>
              deadline !== undefined && now >= deadline
                ? Effect.void
                : SubscriptionRef.set(status, atRisk(now, why, undefined))
            )
          )
        })
        // a disarm left unanswered may have disabled the countdown: the status no longer says it is armed
        // (only of a countdown the venue acknowledged: one never acknowledged keeps its status, Failed included)
        const disarmUnknown = (cause: RfqCancelError) =>
          Effect.flatMap(currentTime, (now) =>
            deadline === undefined || now >= deadline
              ? Effect.void
              : SubscriptionRef.set(
                  status,
                  atRisk(
                    now,
                    "the disarm may have reached the venue: the countdown may be disabled, or armed until it lapses",
                    cause
                  )
                )
          )
        yield* runPolicy(
          client,
          config.onExit,
          status,
          config.onExit === "leave-armed" ? stop : settle,
          () => ({ armed: deadline !== undefined || mayBeArmed, acknowledged: deadline !== undefined }),
          disarmUnknown
        ).pipe(
          // while the countdown may still be armed (leave-armed, a failed shutdown) the watcher stays, so that the
          // status turns Expired when it lapses; it fires nothing once stopped
          Effect.ensuring(
            Effect.flatMap(SubscriptionRef.get(status), (s) =>
              deadline === undefined || s._tag === "Disarmed" ? Fiber.interrupt(watching) : Effect.void
            )
          )
        )
      })
    ).pipe(urgent)
    // the shutdown runs on the scheduler, clock and loggers the switch was made with, whoever calls it (a signal
    // handler's fiber on another scheduler, say); only these are taken: copying all of the maker's fiber refs would
    // carry its interruption state too
    const scheduler = yield* FiberRef.get(FiberRef.currentScheduler)
    const loggers = yield* FiberRef.get(FiberRef.currentLoggers)
    const logLevel = yield* FiberRef.get(FiberRef.currentMinimumLogLevel)
    const asMade = <A, E>(effect: Effect.Effect<A, E>) =>
      effect.pipe(
        Effect.withScheduler(scheduler),
        Effect.withClock(clock),
        Effect.locally(FiberRef.currentLoggers, loggers),
        Effect.locally(FiberRef.currentMinimumLogLevel, logLevel)
      )
    // starting it is one step a caller's interruption cannot split: once marked started, it is forked; only the wait
    // for its outcome is interruptible
    const shutdown: Effect.Effect<void, ShutdownFailed> = Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        if (shutdownStarted) return restore(Deferred.await(shutdownOutcome))
        shutdownStarted = true
        return Effect.zipRight(
          Effect.forkDaemon(asMade(Effect.intoDeferred(shutdownWork, shutdownOutcome))),
          restore(Deferred.await(shutdownOutcome))
        )
      })
    )
    yield* Effect.addFinalizer(() => Effect.ignore(shutdown))

    /** The status as of now: an `Armed` or `AtRisk` whose deadline has passed is `Expired`, even before the watcher ran. */
    const current = (s: Status, now: number): Status => {
      // the status's own deadline, not the latest one: a waiter may hold an Armed that a newer re-arm replaced
      const at = s._tag === "Armed" || s._tag === "AtRisk" ? s.deadline : undefined
      return at !== undefined && now >= DateTime.toEpochMillis(at) ? expired(DateTime.toEpochMillis(at)) : s
    }
    const asOfNow = (s: Status) => Effect.map(currentTime, (now) => current(s, now))
    // an Armed whose deadline has passed (a stalled process reading its last status) is not armed: wait for the next
    const waitArmed = status.changes.pipe(
      Stream.mapEffect(asOfNow),
      Stream.filter(
        (s): s is Extract<Status, { readonly _tag: "Armed" | "Failed" }> => s._tag === "Armed" || s._tag === "Failed"
      ),
      Stream.runHead,
      Effect.flatMap(Effect.orDie),
      Effect.flatMap((s) => (s._tag === "Armed" ? Effect.succeed(s) : Effect.fail(s.error)))
    )
    const stoppedError = () => new SwitchStopped({ onExit: config.onExit })

    return {
      // a countdown whose deadline has passed is Expired from then on: read before the watcher woke (a stalled
      // process), or after the scope closed with the countdown left armed
      status: Effect.flatMap(SubscriptionRef.get(status), asOfNow),
      // the current status as of when it is read: a subscriber that starts after a lapse the watcher could not
      // publish (the scope closed, the process stalled) gets Expired first, not the lapsed Armed; a status already
      // followed by another (a slow consumer's backlog) is history, and stays as it was published
      changes: Stream.mapEffect(status.changes, (s) =>
        Effect.flatMap(SubscriptionRef.get(status), (latest) => (latest === s ? asOfNow(s) : Effect.succeed(s)))
      ),
      // already stopped: fail at once, even while the last status is still Armed
      awaitArmed: Effect.flatMap(Deferred.isDone(stopped), (isStopped) =>
        isStopped
          ? Effect.fail(stoppedError())
          : // armed as of now: no subscription, race or fiber (a loop gated on it pays about what `status` costs)
            Effect.flatMap(Effect.flatMap(SubscriptionRef.get(status), asOfNow), (now) =>
              now._tag === "Armed"
                ? // the shutdown may have begun meanwhile (a leave-armed one keeps Armed): it fails from then on
                  Effect.flatMap(Deferred.isDone(stopped), (isStopped) =>
                    isStopped ? Effect.fail(stoppedError()) : Effect.succeed(now)
                  )
                : Effect.raceFirst(waitArmed, Effect.zipRight(Deferred.await(stopped), Effect.fail(stoppedError())))
            )
      ),
      shutdown,
      settings: config
    }
  })

/** The shutdown policy; `armed`: this switch armed the countdown at least once. */
const runPolicy = (
  client: Client,
  policy: ShutdownPolicy,
  status: SubscriptionRef.SubscriptionRef<Status>,
  /** Stops the heartbeat; where the policy sends more, it first lets a re-arm on its way have its answer. */
  stopHeartbeat: Effect.Effect<void>,
  /** Whether the countdown is armed or may be, and whether the venue acknowledged an arm. */
  countdown: () => { readonly armed: boolean; readonly acknowledged: boolean },
  /** Says that a disarm that failed may have reached the venue: the countdown may be off. */
  disarmUnknown: (cause: RfqCancelError) => Effect.Effect<void>
): Effect.Effect<void, ShutdownFailed> =>
  Effect.gen(function* () {
    if (policy === "leave-armed") {
      yield* stopHeartbeat
      yield* Effect.logInfo(
        "shutdown: leaving the countdown armed (unless it already lapsed); the venue cancels every quote when it lapses"
      )
      return
    }
    if (policy === "cancel-then-disarm") {
      // at once: a re-arm on its way does not hold the quotes' cancellation back
      const cancelled = yield* Effect.either(
        diedAsTransportError(
          "/api/v5/rfq/cancel-all-quotes",
          "the shutdown's cancel-all-quotes died"
        )(client.cancelAllQuotes)
      )
      if (Either.isLeft(cancelled)) {
        yield* stopHeartbeat
        return yield* failed(
          new ShutdownFailed({ policy, step: "cancel-all-quotes", ...countdown(), cause: cancelled.left })
        )
      }
      yield* Effect.logInfo(`shutdown: every quote cancelled (${cancelled.right._tag})`)
    }
    // the disarm goes after any re-arm on its way has its answer
    yield* stopHeartbeat
    const disarmed = yield* Effect.either(
      diedAsTransportError("/api/v5/rfq/cancel-all-after", "the shutdown's disarm died")(client.disarm)
    )
    if (Either.isLeft(disarmed)) {
      if (mayHaveActed(disarmed.left)) yield* disarmUnknown(disarmed.left)
      return yield* failed(new ShutdownFailed({ policy, step: "disarm", ...countdown(), cause: disarmed.left }))
    }
    yield* SubscriptionRef.set(status, Status.Disarmed())
    yield* Effect.logInfo("shutdown: countdown disabled")
  })

const failed = (error: ShutdownFailed) => Effect.zipRight(Effect.logError(error.message), Effect.fail(error))

/**
 * A request that died (a transport or middleware that throws) as a failed one whose outcome is unknown, logged as
 * `what`: the heartbeat goes on, and a shutdown step fails with `ShutdownFailed`, never with a defect.
 */
const diedAsTransportError =
  (endpoint: string, what: string) =>
  <A>(effect: Effect.Effect<A, RfqCancelError>): Effect.Effect<A, RfqCancelError> =>
    Effect.catchAllDefect(effect, (defect) =>
      Effect.zipRight(
        Effect.logError(what, Cause.die(defect)),
        Effect.fail(
          new TransportError({
            endpoint,
            reason: "Transport",
            description: `died: ${defect instanceof Error ? defect.message : String(defect)}`
          })
        )
      )
    )

/**
 * Runs the switch in the current scope with the `RfqCancelClient` from the context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<Service, OkxError.InvalidRequest, RfqCancelClient | Scope.Scope> =>
  Effect.flatMap(RfqCancelClient, (client) => makeWith(client, options))

/**
 * The switch as a scoped layer: armed while the layer lives, shut down by its policy when the layer is released.
 *
 * @example
 * ```ts
 * import { DeadMansSwitch } from "@okx-rfq/rfq-cancel"
 *
 * const Protection = DeadMansSwitch.layer({ timeout: "30 seconds", interval: "3 seconds" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<DeadMansSwitch, OkxError.InvalidRequest, RfqCancelClient> =>
  Layer.scoped(DeadMansSwitch, make(options))

/**
 * The current status, from the switch in the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const status: Effect.Effect<Status, never, DeadMansSwitch> = Effect.flatMap(DeadMansSwitch, (s) => s.status)
