import { OkxSimulator } from "@okx-rfq/simulator"
import { SteadyTime } from "@okx-rfq/rate-limit"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as DeadMansSwitch from "../DeadMansSwitch.js"
import * as RfqCancelClient from "../RfqCancelClient.js"
import * as UndiciHttpClient from "../UndiciHttpClient.js"

const account = { apiKey: "demo-api-key", secretKey: "demo-secret-key", passphrase: "demo-passphrase", userId: "1001" }
const quotesPerRun = 5
const timeoutSeconds = 10

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

const activeQuotes = (sim: OkxSimulator.Service) =>
  Effect.map(sim.state, (state) => state.quotes.filter((q) => q.state === "active").length)

const heading = (n: number, text: string) => Console.log(`\n── ${n}. ${text}`)

/**
 * The demo: an embedded simulator, the dead-man's switch keeping the countdown armed, a stalled process whose quotes
 * the venue cancels when the countdown lapses, then a graceful shutdown that cancels first and disarms second.
 *
 * @internal
 */
export const runDemo: Effect.Effect<void, unknown> = Effect.gen(function* () {
  const sim = yield* OkxSimulator.OkxSimulator
  const client = yield* RfqCancelClient.RfqCancelClient
  const start = yield* SteadyTime.currentTimeMillis
  const elapsed = Effect.map(SteadyTime.currentTimeMillis, (now) => seconds(now - start))
  const rows: Array<readonly [string, string, string]> = []

  yield* Console.log(
    `okx-rfq demo: a local OKX RFQ venue at ${sim.url} (real HTTP, real signatures), no account needed`
  )

  yield* heading(1, `The market maker has ${quotesPerRun} quotes resting at the venue`)
  const first = yield* sim.createQuotes({ count: quotesPerRun, userId: account.userId })
  for (const q of first) yield* Console.log(`   quote ${q.quoteId} (${q.clQuoteId}) on RFQ ${q.rfqId}: ${q.state}`)

  yield* heading(2, `The guard arms cancel-all-after (${timeoutSeconds} s) and re-arms it every 2 s`)
  const guardScope = yield* Scope.make()
  const guard = yield* DeadMansSwitch.makeWith(client, {
    timeout: Duration.seconds(timeoutSeconds),
    interval: "2 seconds",
    onExit: "leave-armed"
  }).pipe(Scope.extend(guardScope))
  const printer = yield* guard.changes.pipe(
    Stream.filter((s) => s._tag === "Armed"),
    Stream.take(3),
    Stream.runForEach((s) =>
      s._tag === "Armed"
        ? Effect.flatMap(elapsed, (t) =>
            Console.log(
              `   [${t}] re-armed: the venue will cancel everything at ${DateTime.formatIso(s.deadline)} unless re-armed (round trip ${Duration.toMillis(s.roundTrip)} ms)`
            )
          )
        : Effect.void
    ),
    Effect.fork
  )
  yield* Fiber.join(printer)
  const armed = yield* sim.state
  rows.push([
    "guard re-arms on a fixed 2 s grid",
    "3 acknowledgements",
    `venue triggerTime ${armed.cancelAllAfter.triggerTime}`
  ])

  yield* heading(3, "The pricing process stalls: re-arming stops, nobody cancels anything")
  yield* Scope.close(guardScope, Exit.void)
  const stalledAt = yield* SteadyTime.currentTimeMillis
  let remaining = yield* activeQuotes(sim)
  while (remaining > 0) {
    yield* Effect.sleep("1 second")
    const state = yield* sim.state
    remaining = state.quotes.filter((q) => q.state === "active").length
    const trigger = Number(state.cancelAllAfter.triggerTime)
    const now = yield* sim.now
    yield* Console.log(
      `   [${yield* elapsed}] ${remaining} of ${quotesPerRun} quotes active; ${
        trigger > now
          ? `the countdown lapses in ${seconds(trigger - now)}`
          : "the countdown lapsed: the venue is cancelling one by one"
      }`
    )
    if ((yield* SteadyTime.currentTimeMillis) - stalledAt > (timeoutSeconds + 20) * 1000) break
  }
  const cancelledByVenue = (yield* sim.state).quotes.filter((q) => q.state === "canceled").length
  const tookMs = (yield* SteadyTime.currentTimeMillis) - stalledAt
  yield* Console.log(
    `   the venue cancelled ${cancelledByVenue} of ${quotesPerRun} quotes, ${seconds(tookMs)} after the stall`
  )
  rows.push([
    "process stalls (no shutdown at all)",
    `venue cancelled ${cancelledByVenue}/${quotesPerRun}`,
    `${seconds(tookMs)} after the stall`
  ])

  yield* heading(4, "A fresh run, shut down gracefully: cancel every quote first, then disarm")
  yield* sim.createQuotes({ count: quotesPerRun, userId: account.userId })
  const before = (yield* sim.state).requests.length
  const freshScope = yield* Scope.make()
  const fresh = yield* DeadMansSwitch.makeWith(client, {
    timeout: Duration.seconds(timeoutSeconds),
    interval: "2 seconds",
    onExit: "cancel-then-disarm"
  }).pipe(Scope.extend(freshScope))
  const ack = yield* fresh.awaitArmed
  yield* Console.log(
    `   [${yield* elapsed}] armed until ${DateTime.formatIso(ack.deadline)}; ${yield* activeQuotes(sim)} quotes active`
  )
  yield* Console.log(`   [${yield* elapsed}] shutting down…`)
  yield* Scope.close(freshScope, Exit.void)
  const after = yield* sim.state
  const shutdownCalls = after.requests
    .slice(before)
    .filter((r) => r.path !== "/api/v5/public/time")
    .map((r) => `${r.path.replace("/api/v5/rfq/", "")} → code ${r.code}`)
  for (const call of shutdownCalls.slice(-2)) yield* Console.log(`   venue saw: ${call}`)
  const stillActive = after.quotes.filter((q) => q.state === "active").length
  yield* Console.log(
    `   ${stillActive} quotes active; countdown ${after.cancelAllAfter.triggerTime === "0" ? "disabled" : `armed until ${after.cancelAllAfter.triggerTime}`}; status ${(yield* fresh.status)._tag}`
  )
  rows.push([
    "graceful shutdown (cancel-then-disarm)",
    `${quotesPerRun - stillActive}/${quotesPerRun} cancelled by us`,
    `then countdown ${after.cancelAllAfter.triggerTime === "0" ? "disabled" : "left armed"}`
  ])

  yield* Console.log("\n── Summary")
  const widths = [0, 1, 2].map((i) =>
    Math.max(...[["scenario", "quotes", "countdown"], ...rows].map((r) => r[i]!.length))
  )
  const line = (r: ReadonlyArray<string>) => `   ${r.map((c, i) => c.padEnd(widths[i]!)).join("  │  ")}`
  yield* Console.log(line(["scenario", "quotes", "countdown"]))
  yield* Console.log(`   ${widths.map((w) => "─".repeat(w)).join("──┼──")}`)
  for (const r of rows) yield* Console.log(line(r))
  yield* Console.log(`\n   finished in ${yield* elapsed}`)
}).pipe(
  Effect.provide(
    Layer.unwrapScoped(
      Effect.map(OkxSimulator.OkxSimulator, (sim) =>
        RfqCancelClient.layer({
          baseUrl: sim.url,
          credentials: account,
          serverTime: { samples: 3 }
        }).pipe(Layer.provide(UndiciHttpClient.layer), Layer.merge(Layer.succeed(OkxSimulator.OkxSimulator, sim)))
      )
    ).pipe(Layer.provide(OkxSimulator.layer({ accounts: [account], countdownPaceMs: 300 })))
  )
)
