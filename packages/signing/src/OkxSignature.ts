/**
 * The pure core of OKX v5 REST signing: the prehash string, the Base64 HMAC-SHA256 signature and the
 * `OK-ACCESS-TIMESTAMP` format. No clock, no I/O: the same inputs always give the same output.
 *
 * @since 0.1.0
 */
import { createHmac } from "node:crypto"
import * as Redacted from "effect/Redacted"

/**
 * The inputs of one signature, as OKX v5 defines it:
 * `Base64(HMAC-SHA256(secretKey, timestamp + METHOD + requestPath + body))`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignInput {
  /** The API secret key, plain or `Redacted`. */
  readonly secretKey: string | Redacted.Redacted<string>
  /** The `OK-ACCESS-TIMESTAMP` value, e.g. `2020-12-08T09:08:57.715Z`. */
  readonly timestamp: string
  /** The HTTP method; upper-cased before signing. */
  readonly method: string
  /** The path with its query string as sent, e.g. `/api/v5/rfq/quotes?state=active`. */
  readonly requestPath: string
  /** The exact body bytes sent, as text; empty or absent for a GET. */
  readonly body?: string | undefined
}

/**
 * The string that is signed: `timestamp + METHOD + requestPath + body`.
 *
 * @since 0.1.0
 * @category signing
 */
export const prehash = (input: Omit<SignInput, "secretKey">): string =>
  `${input.timestamp}${input.method.toUpperCase()}${input.requestPath}${input.body ?? ""}`

/**
 * Signs one request: the Base64 HMAC-SHA256 of the prehash string under the secret key.
 *
 * @example
 * ```ts
 * import { sign } from "@okx-rfq/signing"
 *
 * sign({
 *   secretKey: "22582BD0CFF14C41EDBF1AB98506286D",
 *   timestamp: "2020-12-08T09:08:57.715Z",
 *   method: "GET",
 *   requestPath: "/api/v5/account/balance?ccy=USDT"
 * }) // "Ku79U+75wKPSP3i+t02ssUto76AYiAT/aws7hI3GZpg="
 * ```
 *
 * @since 0.1.0
 * @category signing
 */
export const sign = (input: SignInput): string => {
  const secret = Redacted.isRedacted(input.secretKey) ? Redacted.value(input.secretKey) : input.secretKey
  return createHmac("sha256", secret).update(prehash(input)).digest("base64")
}

/**
 * Formats epoch milliseconds as OKX wants `OK-ACCESS-TIMESTAMP`: ISO 8601 UTC with milliseconds and `Z`.
 *
 * @since 0.1.0
 * @category signing
 */
export const formatTimestamp = (epochMillis: number): string => new Date(Math.floor(epochMillis)).toISOString()

/**
 * The pattern of a valid `OK-ACCESS-TIMESTAMP`.
 *
 * @since 0.1.0
 * @category signing
 */
export const timestampPattern: RegExp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
