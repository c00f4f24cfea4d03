/**
 * Soak: 1,000,000 signed cancel-quotes through one client — lane of the limiter, signer (a fresh HMAC and timestamp
 * each), the transport's direct path with its shared deadline timer, envelope decoding, retry loop — and the heap after
 * a forced GC at checkpoints.
 * The transport answers in memory (a canned OKX envelope), so the run measures what this library keeps alive, not the
 * socket layer, and a million calls take minutes rather than the hours the venue's limits would impose.
 * Target: heap growth under 5 MB between the first checkpoint (after warm-up) and the end.
 * Run: `pnpm bench` (SOAK_REQUESTS overrides the count). Needs `--expose-gc`.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { markdownTable, writeResults } from "@okx-rfq/bench-kit"
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { fileURLToPath } from "node:url"
import { RfqCancelClient } from "../src/index.js"
import * as Direct from "../src/internal/direct.js"

const total = Number(process.env.SOAK_REQUESTS ?? 1_000_000)
const checkpoints = 10
const concurrency = 32

if (global.gc === undefined) throw new Error("run with --expose-gc")
const gc = global.gc

let sent = 0
const body = JSON.stringify({ code: "0", msg: "", data: [{ quoteId: "1", clQuoteId: "", sCode: "0", sMsg: "" }] })
// The client sends through the direct path of a plain `UndiciHttpClient` (what production runs). The canned client
// has one too, answering in a microtask, so the soak covers that path and its shared deadline timer; its `execute`
// is never used.
const canned = HttpClient.make(() => Effect.die("the soak sends through the direct path"))
Direct.register(canned, (request, done, written) => {
  let live = true
  sent++
  if (request.headers["OK-ACCESS-SIGN"] === undefined) throw new Error("unsigned request")
  written()
  queueMicrotask(() => {
    if (live) done(Either.right({ status: 200, body }))
  })
  return () => {
    live = false
  }
})
const venue = Layer.succeed(HttpClient.HttpClient, canned)

const runtime = ManagedRuntime.make(
  RfqCancelClient.layer({
    credentials: { apiKey: "soak-key", secretKey: "soak-secret", passphrase: "soak-pass" },
    baseUrl: "http://127.0.0.1:9",
    serverTime: { fixedOffsetMillis: 0 },
    lanes: { limits: { "/api/v5/rfq/cancel-quote": { limit: 1_000_000, window: "2 seconds" } } }
  }).pipe(Layer.provide(venue))
)

const heapMiB = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

const chunk = Math.ceil(total / checkpoints)
const rows: Array<{ requests: string; "heap MiB": string; "calls/s": number }> = []
const started = performance.now()
let base = 0
for (let i = 0; i < checkpoints; i++) {
  const t = performance.now()
  await runtime.runPromise(
    Effect.flatMap(RfqCancelClient.RfqCancelClient, (client) =>
      Effect.forEach(
        Array.from({ length: chunk }, (_, j) => String(i * chunk + j + 1)),
        (quoteId) =>
          client
            .cancelQuote({ quoteId })
            .pipe(
              Effect.tap((result) =>
                result.items[0]?.outcome._tag === "Cancelled" ? Effect.void : Effect.dieMessage("not cancelled")
              )
            ),
        { concurrency, discard: true }
      )
    )
  )
  const heap = heapMiB()
  if (i === 0) base = heap
  rows.push({
    requests: sent.toLocaleString("en-US"),
    "heap MiB": heap.toFixed(2),
    "calls/s": Math.round((chunk * 1000) / (performance.now() - t))
  })
  console.log(`${sent.toLocaleString("en-US")} signed requests, heap ${heap.toFixed(2)} MiB`)
}
await runtime.dispose()
const growth = Number(rows.at(-1)!["heap MiB"]) - base
const table = markdownTable(rows)
console.log(`\n${table}\n\nheap growth after the first checkpoint: ${growth.toFixed(2)} MiB (target < 5)`)
writeResults(fileURLToPath(new URL("results", import.meta.url)), "soak", {
  title: "Soak: signed requests through one client, heap after forced GC",
  setup: {
    requests: sent,
    concurrency,
    transport: "in-memory canned envelope, through the client's direct path",
    seconds: Math.round((performance.now() - started) / 1000)
  },
  tables: { "heap by checkpoint": `${table}\n\nGrowth after the first checkpoint: ${growth.toFixed(2)} MiB` },
  data: { rows, growthMiB: growth }
})
if (growth >= 5) process.exitCode = 1
