/**
 * Signs `@effect/platform` HTTP requests for OKX v5: adds `OK-ACCESS-KEY`, `OK-ACCESS-SIGN`,
 * `OK-ACCESS-TIMESTAMP`, `OK-ACCESS-PASSPHRASE`, `Content-Type: application/json` and, in demo mode only,
 * `x-simulated-trading: 1`.
 *
 * It signs exactly the bytes that are sent: the path with the query string as the transport will send it, and
 * the body as encoded (a POST without a body sends and signs `{}`). Used through {@link signedClient}, every
 * execution, including each retry, is signed afresh with a new timestamp, and the signing headers are redacted
 * in spans, logs and in the request carried by transport errors.
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { type Credentials, OkxCredentials } from "./OkxCredentials.js"
import { sign } from "./OkxSignature.js"
import { ServerTime } from "./ServerTime.js"

/**
 * The names of the headers that carry credentials; redacted wherever the platform prints headers.
 *
 * @since 0.1.0
 * @category constants
 */
export const redactedHeaderNames: ReadonlyArray<string> = ["ok-access-key", "ok-access-sign", "ok-access-passphrase"]

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Demo trading: adds `x-simulated-trading: 1` (a live key with it, or a demo key without it, gets 50101). */
  readonly demo?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly apiKey: string
  readonly demo: boolean
  /**
   * The signing headers for one request now (fresh timestamp from `ServerTime`): `OK-ACCESS-*`, `Content-Type`
   * and, in demo mode, `x-simulated-trading`. `requestPath` is the path with its query string exactly as it will be
   * sent, `body` the exact body text (`""` for a GET). The fast path for callers that build the request
   * themselves; the headers carry the passphrase, so keep them out of logs.
   */
  readonly headersFor: (request: SignatureInput) => Effect.Effect<Readonly<Record<string, string>>>
  /** Signs one request now: fresh timestamp from `ServerTime`, headers added, `{}` body for an empty POST. */
  readonly signRequest: (
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<HttpClientRequest.HttpClientRequest, HttpClientError.RequestError>
}

/**
 * What a signature covers besides the timestamp.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignatureInput {
  readonly method: string
  readonly requestPath: string
  readonly body: string
}

/**
 * @since 0.1.0
 * @category tags
 */
export class OkxSigner extends Context.Tag("@okx-rfq/signing/OkxSigner")<OkxSigner, Service>() {}

// the signature covers the bytes sent: a BOM is kept, and bytes that are not UTF-8 cannot be signed as text
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
const methodsWithBody = new Set(["POST", "PUT", "PATCH"])

const encodeError = (request: HttpClientRequest.HttpClientRequest, description: string) =>
  new HttpClientError.RequestError({ request: withoutSigningHeaders(request), reason: "Encode", description })

/** The body as it will be sent, or `{}` for a body-less POST; an error for bodies that cannot be signed. */
const bodyOf = (
  request: HttpClientRequest.HttpClientRequest
): Either.Either<{ readonly text: string; readonly request: HttpClientRequest.HttpClientRequest }, string> => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return methodsWithBody.has(request.method)
        ? Either.right({ text: "{}", request: HttpClientRequest.bodyText(request, "{}", "application/json") })
        : Either.right({ text: "", request })
    case "Uint8Array":
      try {
        return Either.right({ text: decoder.decode(body.body), request })
      } catch {
        return Either.left("a body that is not UTF-8 cannot be signed; send JSON text")
      }
    case "Raw":
      return typeof body.body === "string"
        ? Either.right({ text: body.body, request })
        : Either.left("a raw body must be a string to be signed")
    default:
      return Either.left(`a ${body._tag} body cannot be signed; send JSON text`)
  }
}

/**
 * Signs with the given credentials and a timestamp effect (usually `ServerTime.timestamp`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (
  credentials: Credentials,
  timestamp: Effect.Effect<string>,
  options: Options = {}
): Service => {
  const demo = options.demo === true
  const passphrase = Redacted.value(credentials.passphrase)
  const headersFor = (input: SignatureInput) =>
    Effect.map(timestamp, (ts): Readonly<Record<string, string>> => {
      const headers: Record<string, string> = {
        "OK-ACCESS-KEY": credentials.apiKey,
        "OK-ACCESS-SIGN": sign({
          secretKey: credentials.secretKey,
          timestamp: ts,
          method: input.method,
          requestPath: input.requestPath,
          body: input.body
        }),
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-PASSPHRASE": passphrase,
        "Content-Type": "application/json"
      }
      if (demo) headers["x-simulated-trading"] = "1"
      return headers
    })
  const signRequest = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.gen(function* () {
      const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
      if (Either.isLeft(url)) return yield* encodeError(request, `invalid URL ${request.url}`)
      const body = bodyOf(request)
      if (Either.isLeft(body)) return yield* encodeError(request, body.left)
      const headers = yield* headersFor({
        method: request.method,
        requestPath: url.right.pathname + url.right.search,
        body: body.right.text
      })
      return HttpClientRequest.setHeaders(body.right.request, headers)
    })
  return { apiKey: credentials.apiKey, demo, headersFor, signRequest }
}

/**
 * Signs with `OkxCredentials` and `ServerTime` from the context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, OkxCredentials | ServerTime> =>
  Effect.gen(function* () {
    const credentials = yield* OkxCredentials
    const time = yield* ServerTime
    return makeWith(credentials, time.timestamp, options)
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<OkxSigner, never, OkxCredentials | ServerTime> =>
  Layer.effect(OkxSigner, make(options))

/**
 * `request` with the signing headers ({@link redactedHeaderNames}) set to `<redacted>`, as errors and responses show
 * it: a span or a log that keeps such an object cannot hold the passphrase. Any other header is left as it is.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withoutSigningHeaders = (
  request: HttpClientRequest.HttpClientRequest
): HttpClientRequest.HttpClientRequest => {
  const present = Object.keys(request.headers).filter((name) => redactedHeaderNames.includes(name))
  return present.length === 0
    ? request
    : HttpClientRequest.setHeaders(request, Object.fromEntries(present.map((name) => [name, "<redacted>"])))
}

/** The response's members that read its body, and make their errors from it. */
const bodyReaders = ["json", "text", "arrayBuffer", "formData", "urlParamsBody"] as const

/**
 * `response` whose `request` is scrubbed: the response hands its request to every error made from it later
 * (`filterStatusOk`, a body that does not decode), so it must not hold the signing headers. The response itself is
 * the prototype of the copy: its body and methods are the original's.
 */
const scrubResponse = (response: HttpClientResponse.HttpClientResponse): HttpClientResponse.HttpClientResponse => {
  const request = withoutSigningHeaders(response.request)
  const shown = () => ({ ...(response.toJSON() as object), request: request.toJSON() })
  return request === response.request
    ? response
    : (Object.create(response, {
        request: { value: request, enumerable: true },
        // what inspecting it shows (the platform's wrappers render the response they wrap, not themselves)
        toJSON: { value: shown },
        [Inspectable.NodeInspectSymbol]: { value: shown },
        // the body readers make their errors from the response they belong to: the original, with its request
        ...Object.fromEntries(
          bodyReaders.map((name) => [name, { get: () => Effect.mapError(response[name], scrubError) }])
        ),
        stream: { get: () => Stream.mapError(response.stream, scrubError) }
      }) as HttpClientResponse.HttpClientResponse)
}

/** `error` whose request (and response, for a `ResponseError`) holds no signing header. */
function scrubError(error: HttpClientError.ResponseError): HttpClientError.ResponseError
function scrubError(error: HttpClientError.HttpClientError): HttpClientError.HttpClientError
function scrubError(error: HttpClientError.HttpClientError): HttpClientError.HttpClientError {
  return error._tag === "RequestError"
    ? new HttpClientError.RequestError({ ...error, request: withoutSigningHeaders(error.request) })
    : new HttpClientError.ResponseError({
        ...error,
        request: withoutSigningHeaders(error.request),
        response: scrubResponse(error.response)
      })
}

/**
 * Wraps a client so that every execution (each retry included) is signed afresh, the signing headers are
 * redacted in the platform's spans and logs, and neither its errors nor its responses (whose errors, such as
 * `filterStatusOk`'s, are made from them later) carry a request with them.
 *
 * @since 0.1.0
 * @category combinators
 */
export const signedClient = <E, R>(
  client: HttpClient.HttpClient.With<E, R>,
  signer: Service
): HttpClient.HttpClient.With<E | HttpClientError.RequestError, R> =>
  client.pipe(
    HttpClient.mapRequestEffect(signer.signRequest),
    HttpClient.transformResponse((response) =>
      response.pipe(
        Effect.map(scrubResponse),
        Effect.mapError((error) => (HttpClientError.isHttpClientError(error) ? scrubError(error) : error)),
        Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, ...redactedHeaderNames])
      )
    )
  ) as HttpClient.HttpClient.With<E | HttpClientError.RequestError, R>

/**
 * The `HttpClient` from the context, signed by the `OkxSigner` from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const client: Effect.Effect<HttpClient.HttpClient, never, HttpClient.HttpClient | OkxSigner> = Effect.gen(
  function* () {
    return signedClient(yield* HttpClient.HttpClient, yield* OkxSigner)
  }
)
