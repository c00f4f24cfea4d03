import { createHmac } from "node:crypto"
import { Effect } from "effect"
import type { OkxSimulator } from "@okx-rfq/simulator"

export const account = { apiKey: "key-1", secretKey: "secret-1", passphrase: "pass-1", userId: "1001" }
export const account2 = { apiKey: "key-2", secretKey: "secret-2", passphrase: "pass-2", userId: "1001" }
export const other = { apiKey: "key-3", secretKey: "secret-3", passphrase: "pass-3", userId: "2002" }
export const demoAccount = {
  apiKey: "key-demo",
  secretKey: "secret-demo",
  passphrase: "pass-demo",
  userId: "3003",
  demo: true
}

export const accounts = [account, account2, other, demoAccount]

export interface Credentials {
  readonly apiKey: string
  readonly secretKey: string
  readonly passphrase: string
}

export interface CallOptions {
  readonly method?: "GET" | "POST" | "PUT"
  /** A string or bytes are sent (and signed) as they are; anything else as its JSON. */
  readonly body?: unknown
  readonly credentials?: Credentials | null
  readonly timestamp?: string
  readonly demo?: boolean
  readonly headers?: Record<string, string | undefined>
  readonly signature?: string
}

export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  readonly json: { readonly code: string; readonly msg: string; readonly data: ReadonlyArray<Record<string, unknown>> }
}

/** The test's own signer (an independent HMAC over the prehash, as in OKX's docs), a body in bytes after it. */
export const hmac = (secret: string, prehash: string, bytes?: Uint8Array) => {
  const mac = createHmac("sha256", secret).update(prehash)
  if (bytes !== undefined) mac.update(bytes)
  return mac.digest("base64")
}

export const iso = (ms: number) => new Date(ms).toISOString()

/** Sends a signed OKX request; the timestamp defaults to the venue's own clock (works under the TestClock). */
export const call = (sim: OkxSimulator.Service, requestPath: string, options: CallOptions = {}) =>
  Effect.gen(function* () {
    const method = options.method ?? (options.body === undefined ? "GET" : "POST")
    const body =
      options.body === undefined
        ? ""
        : typeof options.body === "string" || options.body instanceof Uint8Array
          ? options.body
          : JSON.stringify(options.body)
    const credentials = options.credentials === undefined ? account : options.credentials
    const timestamp = options.timestamp ?? iso(yield* sim.now)
    const headers: Record<string, string> = { "Content-Type": "application/json" }
    if (credentials !== null) {
      headers["OK-ACCESS-KEY"] = credentials.apiKey
      headers["OK-ACCESS-PASSPHRASE"] = credentials.passphrase
      headers["OK-ACCESS-TIMESTAMP"] = timestamp
      headers["OK-ACCESS-SIGN"] =
        options.signature ??
        (typeof body === "string"
          ? hmac(credentials.secretKey, timestamp + method + requestPath + body)
          : hmac(credentials.secretKey, timestamp + method + requestPath, body))
    }
    if (options.demo === true) headers["x-simulated-trading"] = "1"
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      if (v === undefined) delete headers[k]
      else headers[k] = v
    }
    return yield* Effect.promise(async (): Promise<Answer> => {
      const res = await fetch(sim.url + requestPath, {
        method,
        headers,
        ...(method === "GET" ? {} : { body })
      })
      const text = await res.text()
      let json: Answer["json"]
      try {
        json = JSON.parse(text)
      } catch {
        json = { code: "<invalid json>", msg: text, data: [] }
      }
      return { status: res.status, headers: Object.fromEntries(res.headers), text, json }
    })
  })

/** A plain JSON request to the control API. */
export const control = <A = Record<string, unknown>>(sim: OkxSimulator.Service, path: string, body?: unknown) =>
  Effect.promise(async () => {
    const res = await fetch(sim.url + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    })
    return { status: res.status, json: (await res.json()) as A }
  })
