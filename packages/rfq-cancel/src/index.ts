/**
 * The OKX RFQ cancellation client, its errors, and the cancel-all-after dead-man's switch.
 *
 * @since 0.1.0
 */

/**
 * The client service: one method per cancellation endpoint.
 *
 * @since 0.1.0
 */
export * as RfqCancelClient from "./RfqCancelClient.js"

/**
 * The client's errors.
 *
 * @since 0.1.0
 */
export * as RfqCancelError from "./RfqCancelError.js"

/**
 * The cancel-all-after dead-man's switch.
 *
 * @since 0.1.0
 */
export * as DeadMansSwitch from "./DeadMansSwitch.js"

/**
 * A scheduler that keeps timers and sockets (and the switch) on time while many fibers run.
 *
 * @since 0.1.0
 */
export * as FairScheduler from "./FairScheduler.js"

/**
 * The lean `HttpClient` over undici pools: the recommended transport.
 *
 * @since 0.1.0
 */
export * as UndiciHttpClient from "./UndiciHttpClient.js"
