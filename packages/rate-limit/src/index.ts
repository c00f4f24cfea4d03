/**
 * An exact sliding-window rate limiter: at most `limit` permits start in ANY interval of length
 * `window + margin` on Effect's Clock, FIFO between waiters, with one lane per (User ID, endpoint)
 * and OKX's RFQ table built in.
 *
 * @since 0.1.0
 */
export * as OkxRateLimiter from "./OkxRateLimiter.js"

/**
 * The store behind every limiter: it holds each lane's sliding-window log and pause, and decides whether a
 * permit may start now. The in-memory store is the default; a shared store (Redis: one budget across
 * processes) implements the same interface and is provided as a layer, without touching callers.
 *
 * @since 0.1.0
 */
export * as RateLimitStore from "./RateLimitStore.js"

/**
 * Checking a `Duration.DurationInput` from a caller: finite and non-negative, where `Duration.decode` would read a
 * negative input as zero.
 *
 * @since 0.1.0
 */
export * as DurationInput from "./DurationInput.js"

/**
 * Time for measuring intervals (windows, deadlines, sleeps): the Clock's monotonic `currentTimeNanos` in
 * milliseconds, which a step of the wall clock does not move; the forward-only variant the dead-man's switch reads
 * (it also jumps forward with the wall clock: a suspend); and a Clock with its wall time moved, for tests.
 *
 * @since 0.1.0
 */
export * as SteadyTime from "./SteadyTime.js"
