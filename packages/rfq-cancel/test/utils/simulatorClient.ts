import * as HttpClient from "@effect/platform/HttpClient"
import { OkxError } from "@okx-rfq/schema"
import { OkxSimulator } from "@okx-rfq/simulator"
import { Cause, Context, Effect, Exit, Fiber, Layer, type Scope, Supervisor, TestClock } from "effect"
import { afterAll, assert, beforeAll } from "vitest"
import * as Direct from "../../src/internal/direct.js"
import * as RfqCancelClient from "../../src/RfqCancelClient.js"
import * as UndiciHttpClient from "../../src/UndiciHttpClient.js"
import { DeadlineExceeded, TransportError } from "../../src/RfqCancelError.js"

/**
 * The transport of every end-to-end test, and the one place to switch them to another `HttpClient` layer: real
 * sockets to the simulator through the recommended lean `UndiciHttpClient` (a keep-alive undici Pool of 32
 * connections per origin). A capped pool matters: the thousands of requests the load test releases at once would
 * otherwise open as many sockets, overflow the simulator's listen backlog and wait seconds for SYN retransmissions.
 */
const transportOptions: UndiciHttpClient.Options = { connections: 32 }
export const transport: Layer.Layer<HttpClient.HttpClient> = UndiciHttpClient.layerWith(transportOptions)

/** The simulator's account and the client's credentials; `userId` is also the client's lane key. */
export const account = { apiKey: "e2e-key", secretKey: "e2e-secret", passphrase: "e2e-pass", userId: "4004" }

/** The client's options over the simulator; `credentials` default to `account`, the venue is the simulator. */
export type ClientOptions = Omit<RfqCancelClient.LayerOptions, "credentials" | "baseUrl"> & {
  readonly credentials?: RfqCancelClient.LayerOptions["credentials"] | undefined
}

/**
 * The real client (`RfqCancelClient.layer`: signer, lanes, server time) over `http` (default `transport`), pointed at
 * the simulator, with the account's User ID as its lane key. Server time is fixed at offset 0 unless
 * `options.serverTime` says otherwise (pass `{}` to sync against the simulator's `/api/v5/public/time`).
 */
export const clientLayer = (
  sim: OkxSimulator.Service,
  options: ClientOptions = {},
  http: Layer.Layer<HttpClient.HttpClient> = transport
): Layer.Layer<RfqCancelClient.RfqCancelClient, OkxError.InvalidRequest> =>
  RfqCancelClient.layer({
    userId: account.userId,
    serverTime: { fixedOffsetMillis: 0 },
    ...options,
    credentials: options.credentials ?? account,
    baseUrl: sim.url
  }).pipe(Layer.provide(http))

/**
 * Watches what a client hands to its transport: the requests sent, by path, and how many are in flight (from the
 * request until its answer, or its abort).
 *
 * - `via: "direct"` (default): the transport stays a plain `UndiciHttpClient`, so the client sends through its direct
 *   path, the one production runs; the wire wraps that path.
 * - `via: "execute"`: the transport is wrapped with an `HttpClient` combinator, which (like any middleware a user adds)
 *   turns the direct path off, so every request goes through `HttpClient.execute`.
 */
export const makeWire = (via: "direct" | "execute" = "direct") => {
  const byPath = new Map<string, number>()
  let inFlight = 0
  const sent = (path: string) => {
    byPath.set(path, (byPath.get(path) ?? 0) + 1)
    inFlight++
  }
  const watchDirect = (client: HttpClient.HttpClient): HttpClient.HttpClient => {
    const send = Direct.of(client)
    assert.isDefined(send, "a plain UndiciHttpClient has a direct path")
    Direct.register(client, (request, done, written) => {
      sent(request.path.split("?")[0]!)
      let open = true
      const settle = () => {
        if (open) inFlight--
        open = false
      }
      const abort = send!(
        request,
        (result) => {
          settle()
          done(result)
        },
        written
      )
      return () => {
        settle()
        abort()
      }
    })
    return client
  }
  const watchExecute = (client: HttpClient.HttpClient): HttpClient.HttpClient =>
    HttpClient.transform(client, (response, request) =>
      Effect.suspend(() => {
        sent(new URL(request.url).pathname)
        return response.pipe(
          Effect.tap((r) => Effect.ignore(r.text)),
          Effect.ensuring(
            Effect.sync(() => {
              inFlight--
            })
          )
        )
      })
    )
  const layer = Layer.scoped(
    HttpClient.HttpClient,
    Effect.map(UndiciHttpClient.make(transportOptions), (client) =>
      via === "direct" ? watchDirect(client) : watchExecute(client)
    )
  )
  return {
    layer,
    sent: (path: string) => byPath.get(path) ?? 0,
    sentInAll: () => Array.from(byPath.values()).reduce((a, b) => a + b, 0),
    inFlight: () => inFlight
  }
}

/** The wire a test watches. */
export type Wire = ReturnType<typeof makeWire>

/** Waits `millis` of real time (a `setTimeout`), whatever the Clock. */
export const realDelay = (millis = 1) =>
  Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/**
 * Runs `self` under the TestClock over real sockets. Time moves only when nothing can happen without it: no request on
 * the wire and nothing sent for a few real event-loop turns; then the clock jumps to the earliest sleeper. So a request
 * reaches the venue at the virtual instant its permit was granted, and the venue's window counts are exact.
 */
export const driveVirtualTime = <A, E>(self: Effect.Effect<A, E>, wire: Wire) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(self)
    let quiet = 0
    let sent = wire.sentInAll()
    while (fiber.unsafePoll() === null) {
      yield* realDelay()
      if (wire.inFlight() > 0 || wire.sentInAll() !== sent) {
        quiet = 0
        sent = wire.sentInAll()
        continue
      }
      if (++quiet < 3) continue
      const sleeps = yield* TestClock.sleeps()
      if (sleeps.length > 0) yield* TestClock.setTime(Math.min(...sleeps))
      quiet = 0
    }
    return yield* Fiber.join(fiber)
  })

/**
 * Cancels every quote of `quoteIds` at once through `client` (one `cancelQuote` each), in virtual time over `wire`.
 * Every call must end typed; the result is each call's item outcome (`"not cancelled"` for a failure).
 */
export const cancelAllConcurrently = (client: RfqCancelClient.Service, quoteIds: ReadonlyArray<string>, wire: Wire) =>
  driveVirtualTime(
    Effect.forEach(
      quoteIds,
      (quoteId) =>
        Effect.map(Effect.exit(client.cancelQuote({ quoteId })), (exit) => {
          assertTypedExit(exit)
          return Exit.isSuccess(exit) && exit.value.items[0]!.quoteId === quoteId
            ? exit.value.items[0]!.outcome._tag
            : "not cancelled"
        }),
      { concurrency: "unbounded" }
    ),
    wire
  )

/**
 * Asserts what the venue saw of `calls` cancel-quotes under a limit of `limit` per 2 s: one arrival per call, no
 * 50011, `limit` arrivals in the fullest 2 s window (never more, and the budget used), every quote cancelled.
 * Returns the cancel-quote log.
 */
export const assertWithinLimit = (sim: OkxSimulator.Service, calls: number, limit: number) =>
  Effect.map(sim.state, (state) => {
    const log = arrivals(state.requests, "/api/v5/rfq/cancel-quote")
    assert.strictEqual(log.length, calls, "one attempt per call")
    assert.deepStrictEqual(limitViolations(state.requests), [])
    assert.strictEqual(maxInWindow(log, 2000), limit, `at most ${limit} arrivals in any 2 s, and the budget is used`)
    assert.isTrue(state.quotes.every((q) => q.state === "canceled"))
    return log
  })

/** Builds the client in the current scope (its transport and server-time sync end with it). */
export const makeClient = (
  sim: OkxSimulator.Service,
  options?: ClientOptions,
  http?: Layer.Layer<HttpClient.HttpClient>
): Effect.Effect<RfqCancelClient.Service, OkxError.InvalidRequest, Scope.Scope> =>
  Effect.map(Layer.build(clientLayer(sim, options, http)), Context.get(RfqCancelClient.RfqCancelClient))

/** Starts a simulator with the test account in the current scope. */
export const makeSimulator = (options: Omit<OkxSimulator.Options, "accounts"> = {}) =>
  Effect.orDie(OkxSimulator.make({ accounts: [account], ...options }))

/** The request log's entries for one path. */
export const arrivals = (requests: ReadonlyArray<OkxSimulator.RequestLogEntry>, path: string) =>
  requests.filter((r) => r.path === path)

/** Entries the venue rejected for its limit: code 50011 or HTTP 429. */
export const limitViolations = (requests: ReadonlyArray<OkxSimulator.RequestLogEntry>) =>
  requests.filter((r) => r.code === "50011" || r.httpStatus === 429)

/** The most entries whose `at` lies in one window `(t - windowMs, t]` (the venue's own rule), over all `t`. */
export const maxInWindow = (requests: ReadonlyArray<OkxSimulator.RequestLogEntry>, windowMs: number) => {
  const times = requests.map((r) => r.at).sort((a, b) => a - b)
  let max = 0
  let from = 0
  for (let i = 0; i < times.length; i++) {
    while (times[from]! <= times[i]! - windowMs) from++
    max = Math.max(max, i - from + 1)
  }
  return max
}

/** True for the client's typed errors: every `OkxError`, `TransportError` and `DeadlineExceeded`. */
export const isTypedError = (u: unknown): boolean =>
  OkxError.isOkxError(u) || u instanceof TransportError || u instanceof DeadlineExceeded

/**
 * Asserts that a call ended in a typed success or exactly one typed failure: no defect, no interruption, nothing
 * else in the cause.
 */
export const assertTypedExit = (exit: Exit.Exit<unknown, unknown>, label = "the call") => {
  if (Exit.isSuccess(exit)) return
  assert.isTrue(
    Cause.isFailType(exit.cause),
    `${label} ended without a single typed failure:\n${Cause.pretty(exit.cause)}`
  )
  if (Cause.isFailType(exit.cause)) assert.isTrue(isTypedError(exit.cause.error), `${label}: untyped error`)
}

/**
 * Runs `self` in its own scope with every fiber it starts (and their children, daemons included) tracked, and
 * returns, after the scope closed, its exit and the fibers still running (waiting up to a second of real time for
 * interrupted ones to finish).
 */
export const tracked = <A, E, R>(self: Effect.Effect<A, E, R | Scope.Scope>) =>
  Effect.gen(function* () {
    const tracker = yield* Supervisor.track
    const exit = yield* self.pipe(Effect.scoped, Effect.supervised(tracker), Effect.exit)
    let alive = yield* tracker.value
    for (let i = 0; i < 100 && alive.length > 0; i++) {
      yield* realDelay(10)
      alive = yield* tracker.value
    }
    return { exit, alive }
  })

/**
 * Runs one scenario (`self`, in its own scope) and fails if it left a fiber running. Its own result or failure is
 * passed on.
 */
export const scenario = <A, E, R>(self: Effect.Effect<A, E, R | Scope.Scope>) =>
  Effect.gen(function* () {
    const { alive, exit } = yield* tracked(self)
    assert.strictEqual(alive.length, 0, `${alive.length} fibers left running after the scenario`)
    return yield* exit
  })

/**
 * Starts a simulator, then runs `body` over it as a `scenario`. The simulator is started outside the fiber check: the
 * check covers the client and everything the test starts, not the venue's own request fibers (the platform runs
 * them uninterruptibly, so a request the client gave up on during a latency or drop fault leaves one suspended).
 */
export const withSimulator = <A, E, R>(
  options: Omit<OkxSimulator.Options, "accounts">,
  body: (sim: OkxSimulator.Service) => Effect.Effect<A, E, R | Scope.Scope>
) => Effect.scoped(Effect.flatMap(makeSimulator(options), (sim) => scenario(body(sim))))

/**
 * Collects the process's unhandled promise rejections while the suite runs (from `beforeAll` to `afterAll`, where it
 * asserts there were none). `seen` lets a scenario check on the way.
 */
export const guardUnhandledRejections = () => {
  const seen: Array<unknown> = []
  const listener = (reason: unknown) => {
    seen.push(reason)
  }
  beforeAll(() => {
    process.on("unhandledRejection", listener)
  })
  afterAll(() => {
    process.off("unhandledRejection", listener)
    assert.deepStrictEqual(seen, [], "unhandled promise rejections")
  })
  return { seen: (): ReadonlyArray<unknown> => seen }
}
