/**
 * A lean `HttpClient` over undici connection pools: the recommended transport for the client.
 *
 * `@effect/platform-node`'s `NodeHttpClient.layerUndici` goes through undici's `request` API, which wraps every
 * response body in a Node `Readable` and reads it back through an async iterator; for the small JSON bodies of the
 * OKX API that costs more CPU than the rest of the call together. This client keeps one keep-alive `Pool` per origin
 * and drives it with `dispatch` and a minimal handler that collects the body into a buffer, so a call costs little
 * more than a raw undici call. It is built with `HttpClient.make`, so it is a plain `HttpClient`: every combinator,
 * the signer middleware and tracing work on it, and users can replace it with any other `HttpClient` layer.
 *
 * `RfqCancelClient` sends its own requests through a direct path of this client (the same pools, limits and aborts,
 * without `HttpClient.make`'s per-request `AbortController`, URL parsing, finalization registration and response
 * wrapper), but only while the client is exactly as built here: a combinator applied to it turns that path off, so
 * middleware is never bypassed.
 *
 * Bodies are buffered, not streamed: responses larger than `maxResponseBytes` (default 1 MiB) fail, and request
 * bodies must be text or bytes (`FormData` and stream bodies fail with a `RequestError`). That fits the OKX REST API;
 * use `NodeHttpClient.layerUndici` for streaming.
 *
 * @since 0.1.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { IncomingHttpHeaders } from "node:http"
import { type Dispatcher, Pool } from "undici"
import { OkxSigner } from "@okx-rfq/signing"
import * as Direct from "./internal/direct.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Connections per origin (default 32: enough for OKX's per-endpoint limits with room for latency spikes). */
  readonly connections?: number | undefined
  /** Requests pipelined per connection (default 1: none; OKX does not promise in-order pipelining). */
  readonly pipelining?: number | undefined
  /** How long an idle connection is kept open (default 30 s; the server's `Keep-Alive` hint wins when shorter). */
  readonly keepAliveTimeout?: Duration.DurationInput | undefined
  /** Connection establishment timeout (default 10 s). Per-request timeouts belong to the caller (`Effect.timeout`). */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** The largest response body accepted (default 1 MiB); larger responses fail with a `RequestError`. */
  readonly maxResponseBytes?: number | undefined
}

const defaultMaxResponseBytes = 1024 * 1024

class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  private cachedHeaders: Headers.Headers | undefined
  private cachedText: string | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly status: number,
    private readonly rawHeaders: IncomingHttpHeaders,
    private readonly body: Buffer
  ) {
    super()
  }

  get headers(): Headers.Headers {
    if (this.cachedHeaders === undefined) {
      const input: Record<string, string | ReadonlyArray<string>> = {}
      for (const name in this.rawHeaders) {
        const value = this.rawHeaders[name]
        if (value !== undefined) input[name] = value
      }
      this.cachedHeaders = Headers.fromInput(input)
    }
    return this.cachedHeaders
  }

  get cookies(): Cookies.Cookies {
    const header = this.rawHeaders["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  private bodyText(): string {
    if (this.cachedText === undefined) this.cachedText = this.body.toString("utf8")
    return this.cachedText
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.sync(() => this.bodyText())
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.try({
      try: () => {
        const text = this.bodyText()
        // a byte order mark before the JSON is skipped, as fetch's json() does (and RFC 8259 allows)
        return text === "" ? null : JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
      },
      catch: (cause) => this.decodeError(cause)
    })
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.try({
      try: () => UrlParams.fromInput(new URLSearchParams(this.bodyText())),
      catch: (cause) => this.decodeError(cause)
    })
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.sync(() => {
      const copy = new ArrayBuffer(this.body.byteLength)
      new Uint8Array(copy).set(this.body)
      return copy
    })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.succeed(new Uint8Array(this.body))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.tryPromise({
      try: () => new Response(new Uint8Array(this.body), { headers: this.headers }).formData(),
      catch: (cause) => this.decodeError(cause)
    })
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}

/** A request error, carrying the request without OKX's signing headers (a caller may log or re-send it). */
const requestError = (
  request: HttpClientRequest.HttpClientRequest,
  reason: "Transport" | "Encode",
  cause: unknown,
  description?: string
) =>
  new HttpClientError.RequestError({
    request: OkxSigner.withoutSigningHeaders(request),
    reason,
    cause,
    ...(description === undefined ? {} : { description })
  })

/**
 * The reason a request failed, for the error's message: undici's message and code (`other side closed
 * (UND_ERR_SOCKET)`, `connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)`). Its errors carry no request headers.
 */
const describeCause = (cause: unknown): string | undefined => {
  if (!(cause instanceof Error)) return undefined
  const code = (cause as { readonly code?: unknown }).code
  return typeof code === "string" && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message
}

/** What `dispatch` sends: the origin picks the pool, the rest goes on the wire as given. */
interface Wire {
  readonly origin: string
  readonly path: string
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Uint8Array | undefined
}

/**
 * `headers` with `accept-encoding: identity` unless they name an encoding. The body is read as sent, and a request
 * without the header accepts any coding (RFC 9110, 12.5.3): a server or proxy may then compress a cancel's answer,
 * which would read as unreadable after the venue acted.
 */
const identityEncoded = (headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> => {
  for (const name in headers) if (name.toLowerCase() === "accept-encoding") return headers
  return { ...headers, "accept-encoding": "identity" }
}

/**
 * Starts one request through `dispatch`, the body collected into a buffer; `done` or `failed` is called once, and
 * `sent` (when given) just before the pool writes the request to a connection, unless it was aborted. The returned
 * function aborts it: at once when it is on the wire, as soon as the pool starts it when it is still queued.
 */
const start = (
  pool: Dispatcher,
  wire: Wire,
  maxResponseBytes: number,
  done: (status: number, headers: IncomingHttpHeaders, body: Buffer) => void,
  failed: (cause: unknown, description?: string) => void,
  sent?: () => void
): (() => void) => {
  let controller: Dispatcher.DispatchController | undefined
  let status = 0
  let headers: IncomingHttpHeaders = {}
  const chunks: Array<Buffer> = []
  let size = 0
  let settled = false
  const fail = (cause: unknown, description?: string) => {
    if (settled) return
    settled = true
    failed(cause, description ?? describeCause(cause))
  }
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart: (c) => {
      controller = c
      if (settled) c.abort(new Error("interrupted"))
      else sent?.()
    },
    onResponseStart: (_c, statusCode, responseHeaders) => {
      status = statusCode
      headers = responseHeaders
    },
    onResponseData: (c, chunk) => {
      size += chunk.length
      if (size > maxResponseBytes) {
        const error = new Error(`response body over ${maxResponseBytes} bytes`)
        fail(error, error.message)
        c.abort(error)
        return
      }
      chunks.push(chunk)
    },
    onResponseEnd: () => {
      if (settled) return
      settled = true
      done(status, headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    },
    onResponseError: (_c, error) => fail(error)
  }
  try {
    pool.dispatch(
      {
        origin: wire.origin,
        path: wire.path,
        method: wire.method as Dispatcher.HttpMethod,
        headers: identityEncoded(wire.headers),
        body: wire.body ?? null
      },
      handler
    )
  } catch (cause) {
    fail(cause)
  }
  return () => {
    settled = true
    controller?.abort(new Error("interrupted"))
  }
}

/**
 * An `HttpClient` whose pools (one per origin) are closed when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> =>
  Effect.gen(function* () {
    const pools = new Map<string, Pool>()
    const poolOptions: Pool.Options = {
      connections: options.connections ?? 32,
      pipelining: options.pipelining ?? 1,
      keepAliveTimeout: Duration.toMillis(Duration.decode(options.keepAliveTimeout ?? "30 seconds")),
      connectTimeout: Duration.toMillis(Duration.decode(options.connectTimeout ?? "10 seconds")),
      // timeouts belong to the caller: the client times each attempt out itself and interrupts the request
      headersTimeout: 0,
      bodyTimeout: 0
    }
    const maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => Promise.allSettled([...pools.values()].map((pool) => pool.destroy())))
    )
    const poolFor = (origin: string): Pool => {
      let pool = pools.get(origin)
      if (pool === undefined) {
        pool = new Pool(origin, poolOptions)
        pools.set(origin, pool)
      }
      return pool
    }
    const send = (request: HttpClientRequest.HttpClientRequest, url: URL, body: string | Uint8Array | undefined) =>
      Effect.suspend(() => {
        // what its response carries: a request re-sent from it goes through the signer again
        const shown = OkxSigner.withoutSigningHeaders(request)
        return Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
          const abort = start(
            poolFor(url.origin),
            {
              origin: url.origin,
              path: url.pathname + url.search,
              method: request.method,
              headers: request.headers,
              body
            },
            maxResponseBytes,
            (status, headers, buffer) => resume(Effect.succeed(new UndiciResponse(shown, status, headers, buffer))),
            (cause, description) => resume(Effect.fail(requestError(request, "Transport", cause, description)))
          )
          return Effect.sync(abort)
        })
      })
    const client = HttpClient.make((request, url) => {
      const body = request.body
      switch (body._tag) {
        case "Empty":
          return send(request, url, undefined)
        case "Uint8Array":
          return send(request, url, body.body)
        case "Raw":
          return typeof body.body === "string" || body.body instanceof Uint8Array
            ? send(request, url, body.body)
            : Effect.fail(requestError(request, "Encode", body.body, "a raw body must be a string or bytes"))
        default:
          return Effect.fail(
            requestError(request, "Encode", body._tag, `a ${body._tag} body is not supported; send text or bytes`)
          )
      }
    })
    Direct.register(client, (request, done, sent) =>
      start(
        poolFor(request.origin),
        request,
        maxResponseBytes,
        (status, _headers, buffer) => done(Either.right({ status, body: buffer.toString("utf8") })),
        (cause, description) =>
          done(
            Either.left(
              requestError(
                HttpClientRequest.make(request.method)(request.origin + request.path),
                "Transport",
                cause,
                description
              )
            )
          ),
        sent
      )
    )
    return client
  })

/**
 * The lean `HttpClient` with the given pool options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(HttpClient.HttpClient, make(options))

/**
 * The lean `HttpClient` with the default pool options (32 keep-alive connections per origin, no pipelining).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = layerWith({})
