/**
 * Signing cost, side by side in one run: bare `createHmac`, `sign()`, and a signed request through the
 * `OkxSigner` middleware (a no-op transport, so only signing and the client pipeline are measured).
 * Each figure is the median of several alternating rounds.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Effect } from "effect"
import { createHmac } from "node:crypto"
import { OkxCredentials, OkxSigner, ServerTime, sign } from "../src/index.js"

const secretKey = "22582BD0CFF14C41EDBF1AB98506286D"
const timestamp = "2020-12-08T09:08:57.715Z"
const requestPath = "/api/v5/rfq/cancel-quote"
const body = '{"quoteId":"007","clQuoteId":"Bond007"}'

const credentials = OkxCredentials.make({ apiKey: "k", secretKey, passphrase: "p" })
const signer = OkxSigner.makeWith(credentials, ServerTime.makeFixed(0).timestamp)
const response = new Response("{}")
const noop = HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, response))).pipe(
  HttpClient.withTracerPropagation(false)
)
const client = OkxSigner.signedClient(noop, signer)
const request = HttpClientRequest.post(`https://www.okx.com${requestPath}`).pipe(HttpClientRequest.bodyText(body))

const time = (n: number, f: () => void): number => {
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) f()
  return Number(process.hrtime.bigint() - start) / 1000 / n
}
const timeEffect = (n: number, effect: Effect.Effect<unknown, unknown>): number => {
  const loop = Effect.gen(function* () {
    for (let i = 0; i < n; i++) yield* effect
  })
  const start = process.hrtime.bigint()
  Effect.runSync(Effect.withTracerEnabled(loop, false))
  return Number(process.hrtime.bigint() - start) / 1000 / n
}

const cases: Record<string, (n: number) => number> = {
  "createHmac (bare)": (n) =>
    time(n, () => createHmac("sha256", secretKey).update(`${timestamp}POST${requestPath}${body}`).digest("base64")),
  "sign()": (n) =>
    time(n, () => sign({ secretKey: credentials.secretKey, timestamp, method: "POST", requestPath, body })),
  "OkxSigner.headersFor (the client's path)": (n) =>
    timeEffect(n, signer.headersFor({ method: "POST", requestPath, body })),
  "OkxSigner.signRequest": (n) => timeEffect(n, signer.signRequest(request)),
  "signed request through the middleware": (n) => timeEffect(n, client.execute(request))
}

const rounds = 7
const perRound = 20_000
const results: Record<string, Array<number>> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
for (const [, run] of Object.entries(cases)) run(2_000) // warm-up
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(cases)) results[name]!.push(run(perRound))
}
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const bare = median(results["createHmac (bare)"]!)
console.log(`\n@okx-rfq/signing: µs per operation (median of ${rounds} alternating rounds of ${perRound})`)
console.log("| operation | µs/op | × createHmac |")
console.log("|---|---:|---:|")
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs)
  console.log(`| ${name} | ${m.toFixed(2)} | ${(m / bare).toFixed(2)} |`)
}
