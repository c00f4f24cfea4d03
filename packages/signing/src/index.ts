/**
 * OKX v5 request signing for Effect: credentials, the HMAC-SHA256 signature, server-time offset and a signer
 * for `@effect/platform`'s HttpClient.
 *
 * @since 0.1.0
 */

/**
 * The pure signature: `sign({ secretKey, timestamp, method, requestPath, body })`.
 *
 * @since 0.1.0
 */
export { formatTimestamp, prehash, type SignInput, sign } from "./OkxSignature.js"

/**
 * OKX API credentials held as `Redacted`.
 *
 * @since 0.1.0
 */
export * as OkxCredentials from "./OkxCredentials.js"

/**
 * The pure core of OKX v5 signing.
 *
 * @since 0.1.0
 */
export * as OkxSignature from "./OkxSignature.js"

/**
 * A request signer for `@effect/platform`'s HttpClient.
 *
 * @since 0.1.0
 */
export * as OkxSigner from "./OkxSigner.js"

/**
 * The offset to the venue's clock.
 *
 * @since 0.1.0
 */
export * as ServerTime from "./ServerTime.js"
