import { DurationInput, OkxRateLimiter } from "@okx-rfq/rate-limit"
import { OkxError } from "@okx-rfq/schema"
import { OkxCredentials } from "@okx-rfq/signing"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { Options } from "../RfqCancelClient.js"

/** The endpoint an option error is reported on by default: the client's construction, before any request. */
const construction = "RfqCancelClient"

const invalid = (field: string, msg: string, endpoint = construction) =>
  new OkxError.InvalidRequest({ endpoint, field, msg: `${field}: ${msg}` })

/**
 * A URL the client can send to: http(s), without a query or fragment (the request path is appended to it; a bare
 * `?` or `#` counts), and without a user name or password (OKX authenticates by headers; one in the URL would only
 * be printed).
 *
 * @internal
 */
export const isHttpBaseUrl = (value: unknown): value is string => {
  // white space is refused, not trimmed: the URL parser would drop it, but the server time's URL is built from the
  // text, and a stray space from an env file would turn its sync off in silence
  if (typeof value !== "string" || !URL.canParse(value) || /[?#\s]/.test(value)) return false
  const url = new URL(value)
  return (url.protocol === "https:" || url.protocol === "http:") && url.username === "" && url.password === ""
}

/**
 * What a base URL must be, as both the client's options and `okx-rfq` say it: `must be ${baseUrlRule}`.
 *
 * @internal
 */
export const baseUrlRule = (example: string, value: unknown): string =>
  `an http(s) URL without white space, a query, a fragment or credentials, such as ${example}, got ${showBaseUrl(value)}`

/**
 * A base URL as an error message shows it: a password in it masked.
 *
 * @internal
 */
export const showBaseUrl = (value: unknown): string => {
  if (typeof value !== "string" || !URL.canParse(value)) return JSON.stringify(value) ?? String(value)
  const url = new URL(value)
  if (url.password === "") return JSON.stringify(value)
  url.password = "***"
  return `${JSON.stringify(url.href)} (password masked)`
}

/**
 * The client's options, checked, with their defaults.
 *
 * @internal
 */
export interface Settings {
  /** Without trailing slashes. */
  readonly baseUrl: string
  readonly userId: string | undefined
  readonly retry: {
    readonly maxAttempts: number
    readonly baseDelay: number
    readonly maxDelay: number
    readonly attemptTimeout: number
    readonly deadline: number
  }
}

/**
 * A duration option in milliseconds: finite, non-negative (or positive), `fallback` when absent; else an
 * `InvalidRequest` naming `field` on `endpoint`.
 *
 * @internal
 */
export const millisOf = (
  field: string,
  input: Duration.DurationInput | undefined,
  fallback: number,
  positive: boolean,
  endpoint = construction
): Either.Either<number, OkxError.InvalidRequest> => {
  if (input === undefined) return Either.right(fallback)
  const millis = Option.map(DurationInput.decodeNonNegative(input), Duration.toMillis)
  return Option.isSome(millis) && (!positive || millis.value > 0)
    ? Either.right(millis.value)
    : Either.left(
        invalid(
          field,
          `must be a ${positive ? "positive" : "non-negative"} finite duration, got ${DurationInput.show(input)}`,
          endpoint
        )
      )
}

/**
 * Checks the options a client is built with, so that a mistake fails its construction with an `InvalidRequest`
 * naming the option, instead of a defect or a silent default at the first request. Durations are rejected when
 * negative, NaN or infinite (`Duration.decode` would read a negative one as zero: no timeout at all).
 *
 * @internal
 */
export const settings = (options: Options, defaultBaseUrl: string): Either.Either<Settings, OkxError.InvalidRequest> =>
  Either.gen(function* () {
    const baseUrl = options.baseUrl ?? defaultBaseUrl
    if (!isHttpBaseUrl(baseUrl)) {
      return yield* Either.left(invalid("baseUrl", `must be ${baseUrlRule(defaultBaseUrl, baseUrl)}`))
    }
    const userId = options.userId
    if (userId !== undefined && (typeof userId !== "string" || userId.trim() === "")) {
      return yield* Either.left(
        invalid("userId", `must be a non-empty string when given, got ${JSON.stringify(userId)}`)
      )
    }
    const retry = options.retry ?? {}
    const maxAttempts = retry.maxAttempts ?? 5
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      return yield* Either.left(
        invalid("retry.maxAttempts", `must be a whole number of at least 1, got ${maxAttempts}`)
      )
    }
    const baseDelay = yield* millisOf("retry.baseDelay", retry.baseDelay, 100, false)
    const maxDelay = yield* millisOf("retry.maxDelay", retry.maxDelay, 2_000, false)
    if (maxDelay < baseDelay) {
      return yield* Either.left(
        invalid("retry.maxDelay", `must be at least retry.baseDelay (${baseDelay} ms), got ${maxDelay} ms`)
      )
    }
    return {
      baseUrl: baseUrl.replace(/\/+$/, ""),
      userId,
      retry: {
        maxAttempts,
        baseDelay,
        maxDelay,
        attemptTimeout: yield* millisOf("retry.attemptTimeout", retry.attemptTimeout, 5_000, true),
        deadline: yield* millisOf("retry.deadline", retry.deadline, 30_000, true)
      }
    }
  })

/**
 * Checks credentials given in code: each field non-empty and without white space around it (a pasted newline would
 * only show as an authentication failure at the venue). The message names the field, never its value.
 *
 * @internal
 */
export const credentials = (
  input: OkxCredentials.Input
): Either.Either<OkxCredentials.Input, OkxError.InvalidRequest> => {
  const problem = OkxCredentials.problem(input)
  return problem === undefined
    ? Either.right(input)
    : Either.left(invalid(`credentials.${problem.field}`, problem.message))
}

/**
 * Checks the lanes options of a client's layer (`lanes.margin`, `lanes.limits["/api/v5/rfq/cancel-quote"].limit`,
 * ...), so that a mistake fails the layer with an `InvalidRequest` instead of a defect at the first request.
 *
 * @internal
 */
export const lanes = (
  options: OkxRateLimiter.LanesOptions | undefined
): Either.Either<OkxRateLimiter.LanesOptions | undefined, OkxError.InvalidRequest> => {
  const problem = OkxRateLimiter.lanesProblem(options)
  return problem === undefined ? Either.right(options) : Either.left(invalid(`lanes.${problem.field}`, problem.message))
}
