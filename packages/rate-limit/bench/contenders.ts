/**
 * The limiters under test, each configured for "`limit` per `window` ms". Effect-based ones are built inside a
 * Scope and run on whatever Clock the caller provides; ccxt's and bottleneck's read Node's clock and timers, so
 * they are imported only after the virtual timers are installed (see timers.ts).
 */
import * as Experimental from "@effect/experimental/RateLimiter"
import { OkxRateLimiter } from "@okx-rfq/rate-limit"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as RateLimiter from "effect/RateLimiter"
import type * as Scope from "effect/Scope"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { install } from "./timers.js"

/** A permit taker: waits (or not) until the limiter lets one request start. */
export type Take = Effect.Effect<void>

/** A limiter on Effect's Clock. */
export interface EffectContender {
  readonly kind: "effect"
  readonly name: string
  /** Short name for chart panels. */
  readonly label: string
  readonly make: Effect.Effect<Take, never, Scope.Scope>
}

/** A limiter on Node's clock and timers: `take` resolves when the request may start. */
export interface NodeLimiter {
  readonly take: () => Promise<void>
  readonly close: () => Promise<void>
}

export interface NodeContender {
  readonly kind: "node"
  readonly name: string
  readonly label: string
  readonly make: () => NodeLimiter
}

export type Contender = EffectContender | NodeContender

const ours = (limit: number, window: number, margin: Duration.Duration): EffectContender => ({
  kind: "effect",
  name: `@okx-rfq/rate-limit (sliding window, margin ${Duration.format(margin)})`,
  label: `@okx-rfq/rate-limit, margin ${Duration.format(margin)}`,
  make: Effect.map(OkxRateLimiter.make({ limit, window, margin }), (limiter) => Effect.orDie(limiter.take()))
})

const algorithms = ["token-bucket", "fixed-window"] as const

const effectLimiters = (limit: number, window: number): ReadonlyArray<EffectContender> => [
  ...algorithms.map(
    (algorithm): EffectContender => ({
      kind: "effect",
      name: `effect RateLimiter ${algorithm}`,
      label: `effect ${algorithm}`,
      make: Effect.map(RateLimiter.make({ limit, interval: window, algorithm }), (take) => take(Effect.void))
    })
  ),
  ...algorithms.map(
    (algorithm): EffectContender => ({
      kind: "effect",
      name: `@effect/experimental RateLimiter ${algorithm} (delay, memory store)`,
      label: `@effect/experimental ${algorithm}`,
      make: Effect.map(
        Experimental.makeSleep.pipe(Effect.provide(Experimental.layer), Effect.provide(Experimental.layerStoreMemory)),
        (sleep) => Effect.orDie(sleep({ key: "k", limit, window, algorithm }))
      )
    })
  )
]

/** How ccxt's okx class throttles `POST rfq/cancel-quote`, read from a fresh instance. */
export interface CcxtConfig {
  /** ms per unit of cost (`exchange.rateLimit`). */
  readonly rateLimit: number
  /** The endpoint's cost, from `exchange.calculateRateLimiterCost` with the endpoint's entry in `exchange.api`. */
  readonly cost: number
  /** The Throttler's configuration (`exchange.tokenBucket`). */
  readonly tokenBucket: Readonly<Record<string, number | string>>
}

export interface Contenders {
  readonly all: ReadonlyArray<Contender>
  readonly ccxt: CcxtConfig
  readonly bottleneckMinTime: number
}

/**
 * Every contender: ours (margin 0 and the lanes' default 50 ms), effect's and @effect/experimental's
 * RateLimiter (token bucket and fixed window), ccxt's okx throttle for cancel-quote, and bottleneck twice: the
 * README's answer to "N per interval" (a reservoir refreshed every window) and the smooth alternative (minTime
 * of window / N).
 */
export const loadContenders = async (limit: number, window: number): Promise<Contenders> => {
  install()
  const { default: ccxt } = await import("ccxt")
  const { default: Bottleneck } = await import("bottleneck")
  // exactly what `exchange.privatePostRfqCancelQuote()` does before it sends: fetch2 awaits
  // `this.throttle(this.calculateRateLimiterCost("private", "POST", "rfq/cancel-quote", params, config))`
  const okx = () => {
    const exchange = new ccxt.okx()
    const endpoint: unknown = exchange.api.private?.post?.["rfq/cancel-quote"]
    if (typeof endpoint !== "object" || endpoint === null) {
      throw new Error("ccxt's okx has no private POST rfq/cancel-quote endpoint")
    }
    const cost: number = exchange.calculateRateLimiterCost("private", "POST", "rfq/cancel-quote", {}, endpoint)
    return { exchange, cost, rateLimit: Number(exchange.rateLimit) }
  }
  const probe = okx()
  const minTime = window / limit
  const bottleneck = (label: string, options: ConstructorParameters<typeof Bottleneck>[0]): NodeContender => ({
    kind: "node",
    name: `bottleneck ${label}`,
    label: `bottleneck ${label}`,
    make: () => {
      const limiter = new Bottleneck(options)
      return {
        // resolves when bottleneck launches the job, not when it has finished its bookkeeping afterwards
        take: () => new Promise<void>((resolve) => void limiter.schedule(async () => resolve())),
        close: () => limiter.disconnect()
      }
    }
  })
  const all: ReadonlyArray<Contender> = [
    ours(limit, window, Duration.zero),
    ours(limit, window, OkxRateLimiter.defaultMargin),
    ...effectLimiters(limit, window),
    {
      kind: "node",
      name: `ccxt okx throttle (POST rfq/cancel-quote: cost ${probe.cost}, rateLimit ${+probe.rateLimit.toFixed(3)} ms)`,
      label: "ccxt okx (cancel-quote)",
      make: () => {
        const { exchange, cost } = okx()
        return { take: () => exchange.throttle(cost), close: async () => {} }
      }
    },
    bottleneck("reservoir (refresh every window)", {
      reservoir: limit,
      reservoirRefreshAmount: limit,
      reservoirRefreshInterval: window
    }),
    bottleneck(`minTime ${minTime} ms`, { minTime })
  ]
  return {
    all,
    ccxt: { rateLimit: probe.rateLimit, cost: probe.cost, tokenBucket: { ...probe.exchange.tokenBucket } },
    bottleneckMinTime: minTime
  }
}

const here = dirname(fileURLToPath(import.meta.url))

/** Versions of this package and of the libraries compared, from their package.json. */
export const versions = (): Readonly<Record<string, string>> =>
  Object.fromEntries(
    ["@okx-rfq/rate-limit", "effect", "@effect/experimental", "ccxt", "bottleneck"].map((name) => {
      const dir = name === "@okx-rfq/rate-limit" ? join(here, "..") : join(here, "..", "node_modules", name)
      const json: unknown = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
      const version = typeof json === "object" && json !== null && "version" in json ? String(json.version) : "?"
      return [name, version]
    })
  )
