import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Either from "effect/Either"

/**
 * The direct path of a transport: one request sent without building `HttpClientRequest` / `HttpClientResponse`
 * objects and without `HttpClient.make`'s per-request work (an `AbortController`, a parsed `URL`, a finalization
 * registration, a response wrapper, a fiber to race a timeout), which together cost more CPU than a whole loopback
 * call. `RfqCancelClient` uses it when its `HttpClient` is an `UndiciHttpClient` exactly as built; any other
 * `HttpClient` (including an `UndiciHttpClient` a user transformed with a combinator) goes through `execute`, so
 * middleware is never bypassed.
 *
 * @internal
 */
export interface Request {
  /** `http(s)://host[:port]`: picks the pool. */
  readonly origin: string
  /** The path with its query, as sent. */
  readonly path: string
  readonly method: "GET" | "POST"
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
}

/** @internal */
export interface Response {
  readonly status: number
  readonly body: string
}

/**
 * Starts `request`; `sent` is called when the request is handed to a connection to be written (not while it waits
 * in the pool for a free connection), at most once and never after an abort; `done` is called once, with the answer
 * or a `RequestError` whose request carries the method and URL only (no headers, so no credentials). The returned
 * function aborts the request (before or after it reached the wire) and guarantees `done` is not called afterwards.
 *
 * @internal
 */
export type Send = (
  request: Request,
  done: (result: Either.Either<Response, HttpClientError.RequestError>) => void,
  sent: () => void
) => () => void

const registry = new WeakMap<HttpClient.HttpClient, Send>()

/** @internal */
export const register = (client: HttpClient.HttpClient, send: Send): void => {
  registry.set(client, send)
}

/** The direct path of `client`, when it has one (see `Request`). @internal */
export const of = (client: HttpClient.HttpClient): Send | undefined => registry.get(client)
