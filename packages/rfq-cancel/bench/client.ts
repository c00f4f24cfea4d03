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
 * Each contender runs in its own process (its own heap and JIT: a big library loaded beside another must not slow
 * it down), warmed up first; then each round runs every contender once per concurrency, in an order that rotates
 * between rounds, and figures are the medians over rounds. CPU is the contender process's user+system time (the
 * server's is not counted). Run: `pnpm bench`.
 *
 * The library is measured as users run it: the compiled packages (`dist`, built by `pnpm bench` first), not the
 * TypeScript sources through tsx, whose transform wraps every function expression in a `__name` call (about 5 %
 * more CPU per call in a side-by-side run).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { RfqCancelClient, UndiciHttpClient } from "@okx-rfq/rfq-cancel"
import { OkxCredentials, OkxSigner, ServerTime } from "@okx-rfq/signing"
import { benchAccount, markdownTable, median, quantile, startSimulator, writeResults } from "@okx-rfq/bench-kit"
import ccxt from "ccxt"
import { Effect, Layer, ManagedRuntime } from "effect"
import { fork } from "node:child_process"
import { createHmac } from "node:crypto"
import { Agent as HttpAgent } from "node:http"
import { RestClient } from "okx-api"
import { Pool } from "undici"
import { fileURLToPath } from "node:url"

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const callsAt: Record<number, number> = {
  1: Number(process.env.BENCH_CALLS_1 ?? 800),
  32: Number(process.env.BENCH_CALLS_32 ?? 4000)
}
const concurrencies = [1, 32] as const
const warmup = Number(process.env.BENCH_WARMUP ?? 3000)

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

const rawCall = (base: string) => {
  const url = new URL(base)
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

const raw = (url: string): Contender => {
  const { call, close } = rawCall(url)
  return { name: "raw undici Pool + createHmac", run: promiseWorkers(call), close }
}

const effectRaw = (url: string): Contender => {
  const { call, close } = rawCall(url)
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

const ours = (url: string, name: string, transport: Layer.Layer<HttpClient.HttpClient>, tracing = true): Contender => {
  const runtime = ManagedRuntime.make(
    RfqCancelClient.layer({
      credentials: benchAccount,
      baseUrl: url,
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
                Effect.andThen((result) => {
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

/** Where the cost goes: the lean transport alone (signed with the library's signer), without the client around it. */
const transportOnly = (url: string): Contender => {
  const signer = OkxSigner.makeWith(OkxCredentials.make(benchAccount), ServerTime.makeFixed(0).timestamp)
  const runtime = ManagedRuntime.make(UndiciHttpClient.layer)
  const path = "/api/v5/rfq/cancel-quote"
  const run: Run = (ids, concurrency, latencies) =>
    runtime.runPromise(
      Effect.flatMap(HttpClient.HttpClient, (http) => {
        const client = http.pipe(
          HttpClient.withTracerPropagation(false),
          HttpClient.withTracerDisabledWhen(() => true)
        )
        return Effect.forEach(
          ids,
          (id) =>
            Effect.suspend(() => {
              const start = performance.now()
              const body = JSON.stringify({ quoteId: id })
              return signer.headersFor({ method: "POST", requestPath: path, body }).pipe(
                Effect.flatMap((headers) =>
                  client.execute(
                    HttpClientRequest.post(url + path, { headers, body: HttpBody.text(body, "application/json") })
                  )
                ),
                Effect.flatMap((response) => response.text),
                Effect.andThen((text) => {
                  latencies.push(performance.now() - start)
                  const json = JSON.parse(text) as { code: string; data: Array<{ sCode: string }> }
                  expectCancelled("transport only", json.code, json.data[0]?.sCode)
                })
              )
            }),
          { concurrency, discard: true }
        )
      })
    )
  return { name: "UndiciHttpClient + OkxSigner only (no client)", run, close: () => runtime.dispose() }
}

const okxApi = (url: string): Contender => {
  const client = new RestClient(
    {
      apiKey: benchAccount.apiKey,
      apiSecret: benchAccount.secretKey,
      apiPass: benchAccount.passphrase,
      baseUrl: url
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

const ccxtOkx = (url: string): Contender => {
  const client = new ccxt.okx({
    apiKey: benchAccount.apiKey,
    secret: benchAccount.secretKey,
    password: benchAccount.passphrase,
    enableRateLimit: false
  }) as InstanceType<typeof ccxt.okx> & Record<string, (params: Record<string, unknown>) => Promise<unknown>>
  client.urls.api = { rest: url }
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

const factories: Record<string, (url: string) => Contender> = {
  raw,
  effectRaw,
  transportOnly,
  ours: (url) => ours(url, "@okx-rfq/rfq-cancel + UndiciHttpClient", UndiciHttpClient.layer),
  oursTracerOff: (url) =>
    ours(url, "@okx-rfq/rfq-cancel + UndiciHttpClient, tracer off", UndiciHttpClient.layer, false),
  oursPlatform: (url) => ours(url, "@okx-rfq/rfq-cancel + NodeHttpClient.layerUndici", NodeHttpClient.layerUndici),
  okxApi,
  ccxt: ccxtOkx
}

interface Job {
  readonly ids: ReadonlyArray<string>
  readonly concurrency: number
}

/** A contender's own process: builds it, then runs each job the parent sends and answers with its sample. */
const child = async (key: string, url: string) => {
  const contender = factories[key]!(url)
  process.on("message", async (job: Job | "close") => {
    if (job === "close") {
      await contender.close()
      process.exit(0)
    }
    const latencies: Array<number> = []
    global.gc?.()
    const cpu = process.cpuUsage()
    const start = performance.now()
    await contender.run(job.ids, job.concurrency, latencies)
    const wall = performance.now() - start
    const used = process.cpuUsage(cpu)
    const calls = job.ids.length
    if (latencies.length !== calls) throw new Error(`${contender.name}: ${latencies.length} of ${calls} calls timed`)
    process.send!({
      contender: contender.name,
      concurrency: job.concurrency,
      calls,
      p50Millis: quantile(latencies, 0.5),
      p99Millis: quantile(latencies, 0.99),
      callsPerSecond: (calls * 1000) / wall,
      cpuMicrosPerCall: (used.user + used.system) / calls
    } satisfies Sample)
  })
  process.send!("ready")
}

/** The parent: the simulator, one process per contender, rounds alternating between them. */
const parent = async () => {
  const sim = await startSimulator(["--unlimited"])
  const workers = Object.keys(factories).map((key) => {
    const worker = fork(fileURLToPath(import.meta.url), ["--contender", key, sim.url], {
      execArgv: [...process.execArgv, "--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    const ready = new Promise<void>((resolve) => worker.once("message", () => resolve()))
    const exec = (job: Job) =>
      new Promise<Sample>((resolve, reject) => {
        const exited = (code: number | null) => reject(new Error(`${key} exited with ${code}`))
        worker.once("exit", exited)
        worker.once("message", (sample: Sample) => {
          worker.off("exit", exited)
          resolve(sample)
        })
        worker.send(job)
      })
    return { key, worker, ready, exec }
  })
  const measure = async (w: (typeof workers)[number], concurrency: number, calls: number) =>
    w.exec({ ids: await sim.createQuotes(calls), concurrency })
  try {
    await Promise.all(workers.map((w) => w.ready))
    console.log(`client overhead: ${rounds} rounds, ${callsAt[1]} calls at concurrency 1, ${callsAt[32]} at 32`)
    for (const w of workers) for (const c of concurrencies) await measure(w, c, warmup) // JIT, connections
    const samples: Array<Sample> = []
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < workers.length; i++) {
        const w = workers[(i + round) % workers.length]!
        for (const c of concurrencies) samples.push(await measure(w, c, callsAt[c]!))
      }
      console.log(`round ${round + 1}/${rounds} done`)
    }
    const names = [...new Set(samples.map((s) => s.contender))]
    const rows = concurrencies.flatMap((c) => {
      const summary = (name: string) => {
        const xs = samples.filter((s) => s.contender === name && s.concurrency === c)
        return {
          p50: median(xs.map((s) => s.p50Millis)),
          p99: median(xs.map((s) => s.p99Millis)),
          throughput: median(xs.map((s) => s.callsPerSecond)),
          cpu: median(xs.map((s) => s.cpuMicrosPerCall))
        }
      }
      const base = summary(names.find((n) => n.startsWith("raw"))!)
      return names.map((name) => {
        const s = summary(name)
        return {
          client: name,
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
        warmup,
        method:
          "each client in its own process, rounds alternating; CPU is the client process's own; this library from its compiled dist",
        versions: { ccxt: ccxt.version, "okx-api": "3.2.3", undici: "7" }
      },
      tables: { "medians over rounds": table },
      data: { rows, samples }
    })
  } finally {
    for (const w of workers) w.worker.send("close")
    await sim.stop()
  }
}

if (process.argv[2] === "--contender") await child(process.argv[3]!, process.argv[4]!)
else await parent()
