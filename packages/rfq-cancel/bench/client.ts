/**
 * Client overhead: cancel-quote latency, throughput and CPU per call at concurrency 1 and 32, against the simulator
 * over loopback with the server in its own process (`okx-rfq-sim --unlimited`, so only the clients are compared).
 *
 * Contenders, each cancelling real active quotes created beforehand through the control API (not timed):
 * - raw: an undici Pool with keep-alive, createHmac, JSON — the floor any Node client stands on;
 * - Effect.tryPromise(raw): the same call wrapped in Effect, run in Effect fibers — what Effect itself costs;
 * - this library over its lean `UndiciHttpClient` and over `NodeHttpClient.layerUndici`: the full client (lane of the
 *   limiter with limits raised out of the way, signer, HttpClient, envelope decoding, retry loop, span);
 * - okx-api (axios, keep-alive agent) and ccxt (its okx class, its own keep-alive dispatcher, rate limiter off).
 * Every call's answer is checked (code "0", the item cancelled); a failed call aborts the bench.
 *
 * Each round runs every contender once per concurrency, in an order that rotates between rounds; figures are the
 * medians over rounds. CPU is this process's user+system time (the server's is not counted). Run: `pnpm bench`.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import {
  benchAccount,
  markdownTable,
  median,
  quantile,
  type SimulatorProcess,
  startSimulator,
  writeResults
} from "@okx-rfq/bench-kit"
import ccxt from "ccxt"
import { Effect, Layer, ManagedRuntime } from "effect"
import { createHmac } from "node:crypto"
import { Agent as HttpAgent } from "node:http"
import { RestClient } from "okx-api"
import { Pool } from "undici"
import { RfqCancelClient, UndiciHttpClient } from "../src/index.js"
import { fileURLToPath } from "node:url"

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const callsAt: Record<number, number> = {
  1: Number(process.env.BENCH_CALLS_1 ?? 800),
  32: Number(process.env.BENCH_CALLS_32 ?? 4000)
}
const concurrencies = [1, 32] as const

/** Runs `calls` cancel-quotes (one per id) with `concurrency` in flight; pushes each call's latency in ms. */
type Run = (ids: ReadonlyArray<string>, concurrency: number, latencies: Array<number>) => Promise<void>

interface Contender {
  readonly name: string
  readonly run: Run
  readonly close: () => Promise<void>
}

const expectCancelled = (name: string, code: unknown, sCode: unknown) => {
  if (code !== "0" || sCode !== "0") throw new Error(`${name}: a call was not cancelled (code ${code}, sCode ${sCode})`)
}

/** `concurrency` async workers taking ids in order: how a Promise-based client is driven. */
const promiseWorkers =
  (call: (id: string) => Promise<void>): Run =>
  async (ids, concurrency, latencies) => {
    let next = 0
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++]!
        const start = performance.now()
        await call(id)
        latencies.push(performance.now() - start)
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
  }

const rawCall = (sim: SimulatorProcess) => {
  const url = new URL(sim.url)
  const pool = new Pool(url.origin, { connections: 32, pipelining: 1, keepAliveTimeout: 30_000 })
  const path = "/api/v5/rfq/cancel-quote"
  const call = async (id: string) => {
    const body = JSON.stringify({ quoteId: id })
    const timestamp = new Date().toISOString()
    const sign = createHmac("sha256", benchAccount.secretKey).update(`${timestamp}POST${path}${body}`).digest("base64")
    const response = await pool.request({
      path,
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "ok-access-key": benchAccount.apiKey,
        "ok-access-sign": sign,
        "ok-access-timestamp": timestamp,
        "ok-access-passphrase": benchAccount.passphrase
      }
    })
    const json = JSON.parse(await response.body.text()) as { code: string; data: Array<{ sCode: string }> }
    expectCancelled("raw", json.code, json.data[0]?.sCode)
  }
  return { call, close: () => pool.close() }
}

const raw = (sim: SimulatorProcess): Contender => {
  const { call, close } = rawCall(sim)
  return { name: "raw undici Pool + createHmac", run: promiseWorkers(call), close }
}

const effectRaw = (sim: SimulatorProcess): Contender => {
  const { call, close } = rawCall(sim)
  const run: Run = (ids, concurrency, latencies) =>
    Effect.runPromise(
      Effect.forEach(
        ids,
        (id) =>
          Effect.suspend(() => {
            const start = performance.now()
            return Effect.tryPromise(() => call(id)).pipe(
              Effect.tap(() => Effect.sync(() => latencies.push(performance.now() - start)))
            )
          }),
        { concurrency, discard: true }
      )
    )
  return { name: "Effect.tryPromise(raw)", run, close }
}

const ours = (
  sim: SimulatorProcess,
  name: string,
  transport: Layer.Layer<HttpClient.HttpClient>,
  tracing = true
): Contender => {
  const runtime = ManagedRuntime.make(
    RfqCancelClient.layer({
      credentials: benchAccount,
      baseUrl: sim.url,
      userId: benchAccount.userId,
      serverTime: { fixedOffsetMillis: 0 },
      // the venue is unlimited here: raise the lane so only the client's own costs are measured
      lanes: { limits: { "/api/v5/rfq/cancel-quote": { limit: 1_000_000, window: "2 seconds" } } }
    }).pipe(Layer.provide(transport))
  )
  const run: Run = (ids, concurrency, latencies) =>
    runtime.runPromise(
      Effect.flatMap(RfqCancelClient.RfqCancelClient, (client) =>
        Effect.forEach(
          ids,
          (id) =>
            Effect.suspend(() => {
              const start = performance.now()
              return client.cancelQuote({ quoteId: id }).pipe(
                Effect.map((result) => {
                  latencies.push(performance.now() - start)
                  const outcome = result.items[0]?.outcome
                  expectCancelled(name, result.code, outcome?._tag === "Cancelled" ? outcome.sCode : outcome?._tag)
                })
              )
            }),
          { concurrency, discard: true }
        )
      ).pipe(Effect.withTracerEnabled(tracing))
    )
  return { name, run, close: () => runtime.dispose() }
}

const okxApi = (sim: SimulatorProcess): Contender => {
  const client = new RestClient(
    {
      apiKey: benchAccount.apiKey,
      apiSecret: benchAccount.secretKey,
      apiPass: benchAccount.passphrase,
      baseUrl: sim.url
    },
    { httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 32 }) }
  )
  return {
    name: "okx-api 3.2.3 (axios, keep-alive)",
    run: promiseWorkers(async (id) => {
      const data = (await client.cancelBlockQuote({ quoteId: id })) as unknown as Array<{ sCode: string }>
      expectCancelled("okx-api", "0", data[0]?.sCode)
    }),
    close: async () => {}
  }
}

const ccxtOkx = (sim: SimulatorProcess): Contender => {
  const client = new ccxt.okx({
    apiKey: benchAccount.apiKey,
    secret: benchAccount.secretKey,
    password: benchAccount.passphrase,
    enableRateLimit: false
  }) as InstanceType<typeof ccxt.okx> & Record<string, (params: Record<string, unknown>) => Promise<unknown>>
  client.urls.api = { rest: sim.url }
  return {
    name: `ccxt ${ccxt.version} (okx, rate limiter off)`,
    run: promiseWorkers(async (id) => {
      const envelope = (await client.privatePostRfqCancelQuote!({ quoteId: id })) as {
        code: string
        data: Array<{ sCode: string }>
      }
      expectCancelled("ccxt", envelope.code, envelope.data[0]?.sCode)
    }),
    close: () => client.close()
  }
}

interface Sample {
  readonly contender: string
  readonly concurrency: number
  readonly calls: number
  readonly p50Millis: number
  readonly p99Millis: number
  readonly callsPerSecond: number
  readonly cpuMicrosPerCall: number
}

const measure = async (sim: SimulatorProcess, contender: Contender, concurrency: number, calls: number) => {
  const ids = await sim.createQuotes(calls)
  const latencies: Array<number> = []
  if (global.gc !== undefined) global.gc()
  const cpu = process.cpuUsage()
  const start = performance.now()
  await contender.run(ids, concurrency, latencies)
  const wall = performance.now() - start
  const used = process.cpuUsage(cpu)
  if (latencies.length !== calls) throw new Error(`${contender.name}: ${latencies.length} of ${calls} calls timed`)
  return {
    contender: contender.name,
    concurrency,
    calls,
    p50Millis: quantile(latencies, 0.5),
    p99Millis: quantile(latencies, 0.99),
    callsPerSecond: (calls * 1000) / wall,
    cpuMicrosPerCall: (used.user + used.system) / calls
  } satisfies Sample
}

const main = async () => {
  const sim = await startSimulator(["--unlimited"])
  const contenders = [
    raw(sim),
    effectRaw(sim),
    ours(sim, "@okx-rfq/rfq-cancel + UndiciHttpClient", UndiciHttpClient.layer),
    ours(sim, "@okx-rfq/rfq-cancel + UndiciHttpClient, tracer off", UndiciHttpClient.layer, false),
    ours(sim, "@okx-rfq/rfq-cancel + NodeHttpClient.layerUndici", NodeHttpClient.layerUndici),
    okxApi(sim),
    ccxtOkx(sim)
  ]
  try {
    console.log(`client overhead: ${rounds} rounds, ${callsAt[1]} calls at concurrency 1, ${callsAt[32]} at 32`)
    for (const contender of contenders) {
      for (const c of concurrencies) await measure(sim, contender, c, 200) // warm-up: JIT, connections
    }
    const samples: Array<Sample> = []
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < contenders.length; i++) {
        const contender = contenders[(i + round) % contenders.length]!
        for (const c of concurrencies) samples.push(await measure(sim, contender, c, callsAt[c]!))
      }
      console.log(`round ${round + 1}/${rounds} done`)
    }
    const rows = concurrencies.flatMap((c) => {
      const of = (name: string) => samples.filter((s) => s.contender === name && s.concurrency === c)
      const summary = (name: string) => {
        const xs = of(name)
        return {
          p50: median(xs.map((s) => s.p50Millis)),
          p99: median(xs.map((s) => s.p99Millis)),
          throughput: median(xs.map((s) => s.callsPerSecond)),
          cpu: median(xs.map((s) => s.cpuMicrosPerCall))
        }
      }
      const base = summary(contenders[0]!.name)
      return contenders.map((contender) => {
        const s = summary(contender.name)
        return {
          client: contender.name,
          concurrency: c,
          "p50 ms": s.p50.toFixed(3),
          "p50 − raw ms": (s.p50 - base.p50).toFixed(3),
          "p99 ms": s.p99.toFixed(2),
          "calls/s": Math.round(s.throughput),
          "× raw throughput": (s.throughput / base.throughput).toFixed(2),
          "CPU µs/call": Math.round(s.cpu),
          "× raw CPU": (s.cpu / base.cpu).toFixed(2)
        }
      })
    })
    const table = markdownTable(rows)
    console.log(`\n${table}\n`)
    writeResults(fileURLToPath(new URL("results", import.meta.url)), "client", {
      title: "Client overhead: cancel-quote against okx-rfq-sim in its own process",
      setup: {
        rounds,
        callsAt,
        versions: { ccxt: ccxt.version, "okx-api": "3.2.3", undici: "7" }
      },
      tables: { "medians over rounds": table },
      data: { rows, samples }
    })
  } finally {
    for (const contender of contenders) await contender.close()
    await sim.stop()
  }
}

await main()
