import { createHmac, timingSafeEqual } from "node:crypto"

/** @internal */
export interface AccountRecord {
  readonly apiKey: string
  readonly secretKey: string
  readonly passphrase: string
  readonly userId: string
  readonly demo: boolean
}

/**
 * Base64(HMAC-SHA256(secret, prehash + body)), the body as the bytes received: a body that is not valid UTF-8 is
 * still signed as sent, and fails later as a JSON syntax error, not as a bad signature.
 *
 * @internal
 */
export const sign = (secretKey: string, prehash: string, body: Uint8Array = new Uint8Array(0)): string =>
  createHmac("sha256", secretKey).update(prehash, "utf8").update(body).digest("base64")

const isoMillis = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/

/**
 * ISO 8601 UTC with milliseconds and `Z` (`2020-12-08T09:08:57.715Z`), a real calendar date; otherwise `undefined`.
 *
 * @internal
 */
export const parseTimestamp = (value: string): number | undefined => {
  const match = isoMillis.exec(value)
  if (match === null) return undefined
  const [year, month, day, hour, minute, second, millis] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number
  ]
  const t = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  const parsed = new Date(t)
  const valid =
    parsed.getUTCFullYear() === year &&
    parsed.getUTCMonth() === month - 1 &&
    parsed.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  return valid ? t : undefined
}

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a, "utf8")
  const y = Buffer.from(b, "utf8")
  return x.length === y.length && timingSafeEqual(x, y)
}

/** @internal */
export interface AuthInput {
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly method: string
  readonly requestPath: string
  /** The body as received, byte for byte. */
  readonly body: Uint8Array
  readonly venueNow: number
  readonly accounts: ReadonlyMap<string, AccountRecord>
}

/** @internal */
export type AuthResult =
  | { readonly _tag: "Ok"; readonly account: AccountRecord }
  | { readonly _tag: "Rejected"; readonly code: string }

const reject = (code: string): AuthResult => ({ _tag: "Rejected", code })

/**
 * The gateway's order: headers present, timestamp format, 30 s window, key, signature, passphrase, environment. The
 * signature before the passphrase: users who swap the secret and the passphrase get 50113 from OKX (its error
 * table's "often secret and passphrase swapped"), which a passphrase checked first would answer with 50105.
 *
 * @internal
 */
export const authenticate = (input: AuthInput): AuthResult => {
  const header = (name: string): string => input.headers[name] ?? ""
  const key = header("ok-access-key")
  const passphrase = header("ok-access-passphrase")
  const signature = header("ok-access-sign")
  const timestamp = header("ok-access-timestamp")
  if (key === "") return reject("50103")
  if (passphrase === "") return reject("50104")
  if (signature === "") return reject("50106")
  if (timestamp === "") return reject("50107")
  const t = parseTimestamp(timestamp)
  if (t === undefined) return reject("50112")
  if (Math.abs(input.venueNow - t) > 30_000) return reject("50102")
  const account = input.accounts.get(key)
  if (account === undefined) return reject("50111")
  const expected = sign(account.secretKey, timestamp + input.method.toUpperCase() + input.requestPath, input.body)
  if (!safeEqual(signature, expected)) return reject("50113")
  if (!safeEqual(passphrase, account.passphrase)) return reject("50105")
  const demoHeader = header("x-simulated-trading") === "1"
  if (demoHeader !== account.demo) return reject("50101")
  return { _tag: "Ok", account }
}
