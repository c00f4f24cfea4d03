/**
 * The errors of the cancellation client: every venue error from `@okx-rfq/schema`'s `OkxError`, plus what only a
 * client sees — a transport failure or timeout, a call that ran out of its deadline, a countdown the venue did not
 * set as asked, and a split batch that could not be completed (with the items that were).
 *
 * @since 0.1.0
 */
import type { Endpoints, OkxError, RfqCancel } from "@okx-rfq/schema"
import * as Data from "effect/Data"
import * as Schema from "effect/Schema"
import * as Internal from "./internal/batches.js"

/**
 * The connection failed, was dropped, or the attempt timed out. The cancel may or may not have reached the venue
 * (`mayHaveActed`); cancels are idempotent, so it is retried with backoff.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>("@okx-rfq/rfq-cancel/TransportError")(
  "TransportError",
  {
    endpoint: Schema.String,
    reason: Schema.Literal("Transport", "Timeout"),
    description: Schema.String,
    /**
     * Whether the request may have reached the venue. `false` only when the transport says it never handed the
     * request to a connection (`UndiciHttpClient`'s direct path: a refused connection, a timeout while connecting or
     * queued in the pool); any other failure, and any other `HttpClient`, cannot tell. Default `true`.
     */
    mayHaveActed: Schema.optionalWith(Schema.Boolean, { default: () => true })
  }
) {
  /**
   * @since 0.1.0
   */
  get retry(): "backoff" {
    return "backoff"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `${this.endpoint}: ${this.reason === "Timeout" ? "attempt timed out" : "transport failed"}: ${this.description}`
  }
}

/**
 * The call's overall deadline passed before an attempt succeeded. `last` is the last attempt's error message, if any.
 *
 * @since 0.1.0
 * @category errors
 */
export class DeadlineExceeded extends Schema.TaggedError<DeadlineExceeded>("@okx-rfq/rfq-cancel/DeadlineExceeded")(
  "DeadlineExceeded",
  {
    endpoint: Schema.String,
    deadlineMillis: Schema.Number,
    attempts: Schema.Number,
    last: Schema.optional(Schema.String),
    /**
     * Whether the venue may have acted on one of the call's requests: one was on its way when the deadline came, or
     * an attempt failed without a definite answer. `false` when every request was answered with a refusal, or none
     * left the lane. Default `true`.
     */
    mayHaveActed: Schema.optionalWith(Schema.Boolean, { default: () => true })
  }
) {
  /**
   * @since 0.1.0
   */
  get retry(): "never" {
    return "never"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `${this.endpoint}: no success within ${this.deadlineMillis} ms (${this.attempts} attempts)${
      this.last === undefined ? "" : `; last error: ${this.last}`
    }`
  }
}

/**
 * The venue acknowledged cancel-all-after, but its answer shows another countdown than asked: `disarm` answered with a
 * `triggerTime` that is not `"0"` (the countdown stays armed). `problem` is `RfqCancel.countdownProblem`'s reason,
 * which names what the venue answered. Not retried: the venue did answer.
 *
 * @since 0.1.0
 * @category errors
 */
export class CountdownMismatch extends Schema.TaggedError<CountdownMismatch>("@okx-rfq/rfq-cancel/CountdownMismatch")(
  "CountdownMismatch",
  {
    endpoint: Schema.String,
    askedMillis: Schema.Number,
    problem: Schema.String
  }
) {
  /**
   * @since 0.1.0
   */
  get retry(): "never" {
    return "never"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `${this.endpoint} with timeOut ${this.askedMillis / 1000} ${this.problem}`
  }
}

/**
 * A request of more than 100 ids was split into batches and one batch failed: `completed` keeps every item of the
 * batches that were answered (in order), `remaining` the ids not yet answered, `cause` the failure.
 *
 * @since 0.1.0
 * @category errors
 */
export class BatchIncomplete<Item> extends Data.TaggedError("BatchIncomplete")<{
  readonly endpoint: string
  readonly completed: Endpoints.ItemsResult<Item>
  readonly remaining: ReadonlyArray<string>
  readonly cause: RfqCancelError
}> {
  /**
   * @since 0.1.0
   */
  get retry(): "never" {
    return "never"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `${this.endpoint}: ${this.completed.items.length} items answered, ${this.remaining.length} not answered: ${this.cause.message}`
  }
}

/**
 * Every error a single call can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type RfqCancelError = OkxError.OkxError | TransportError | DeadlineExceeded | CountdownMismatch

/**
 * The error of a batch call whose input may be split.
 *
 * @since 0.1.0
 * @category errors
 */
export type BatchError<Item> = RfqCancelError | BatchIncomplete<Item>

/**
 * The error of a quote batch.
 *
 * @since 0.1.0
 * @category errors
 */
export type QuoteBatchError = BatchError<RfqCancel.QuoteCancellation>

/**
 * The error of an RFQ batch.
 *
 * @since 0.1.0
 * @category errors
 */
export type RfqBatchError = BatchError<RfqCancel.RfqCancellation>

/**
 * Whether the venue may have acted on the call that failed with `error`, so that what it was to cancel may be
 * cancelled (or the countdown set): the connection dropped or the attempt timed out after the request was written
 * (`TransportError.mayHaveActed`), the answer was unreadable (`OutcomeUnknown`) or had a deciding field missing
 * (`DecodeError`), a gateway answered 500, 502 or 504, or the venue 50026 (`Unavailable.mayHaveActed`), the deadline
 * came while a request's outcome was unknown (`DeadlineExceeded.mayHaveActed`), or an earlier attempt of the same
 * call did one of these before the error that ended it (a dropped connection, then 503s until the attempts ran out).
 * The client records that last case on the error it returns, and only this function reads it: ask it rather than a
 * field.
 *
 * @example
 * ```ts
 * import { RfqCancelClient, RfqCancelError } from "@okx-rfq/rfq-cancel"
 * import { Effect } from "effect"
 *
 * export const pull = RfqCancelClient.cancelAllQuotes.pipe(
 *   Effect.tapError((error) =>
 *     Effect.logWarning(RfqCancelError.mayHaveActed(error) ? "quotes may or may not be cancelled" : "nothing cancelled")
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const mayHaveActed = (error: RfqCancelError): boolean => Internal.mayHaveActed(error)
