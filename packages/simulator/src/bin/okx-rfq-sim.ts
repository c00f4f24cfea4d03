#!/usr/bin/env node
/**
 * `okx-rfq-sim`: the OKX RFQ simulator as a program. Its first line of output is
 * `listening on http://127.0.0.1:PORT`; SIGINT or SIGTERM stop it with exit code 0.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as OkxSimulator from "../OkxSimulator.js"

const port = Options.integer("port").pipe(Options.withDefault(0), Options.withDescription("TCP port (0: a free one)"))
const host = Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("address to bind"))
const apiKey = Options.text("api-key").pipe(Options.withDescription("the account's API key"))
const secretKey = Options.text("secret-key").pipe(Options.withDescription("the account's secret key"))
const passphrase = Options.text("passphrase").pipe(Options.withDescription("the account's passphrase"))
const userId = Options.text("user-id").pipe(Options.withDefault("1"), Options.withDescription("the account's User ID"))
const demo = Options.boolean("demo").pipe(Options.withDescription("a demo-trading key (x-simulated-trading: 1)"))
const seedQuotes = Options.integer("seed-quotes").pipe(
  Options.withDefault(0),
  Options.withDescription("active quotes created at start")
)
const countdownPaceMs = Options.integer("countdown-pace-ms").pipe(
  Options.optional,
  Options.withDescription("pause between two cancellations when the countdown lapses (default 100)")
)
const unlimited = Options.boolean("unlimited").pipe(
  Options.withDescription("no per-User-ID limits (for throughput benchmarks; OKX always limits)")
)
const countRejected = Options.boolean("count-rejected").pipe(
  Options.withDescription("a request rejected with 50011 takes a place in its window too (stricter than OKX documents)")
)
const seed = Options.integer("seed").pipe(Options.optional, Options.withDescription("seed of the fault draws"))

const unlimitedLimits = Object.fromEntries(
  Object.entries(OkxSimulator.defaultLimits).map(([path, limit]) => [
    path,
    { ...limit, requests: Number.POSITIVE_INFINITY }
  ])
)

const command = Command.make(
  "okx-rfq-sim",
  {
    port,
    host,
    apiKey,
    secretKey,
    passphrase,
    userId,
    demo,
    seedQuotes,
    countdownPaceMs,
    seed,
    unlimited,
    countRejected
  },
  (args) =>
    Effect.scoped(
      Effect.gen(function* () {
        const sim = yield* OkxSimulator.make({
          port: args.port,
          host: args.host,
          accounts: [
            {
              apiKey: args.apiKey,
              secretKey: args.secretKey,
              passphrase: args.passphrase,
              userId: args.userId,
              demo: args.demo
            }
          ],
          seedQuotes: args.seedQuotes,
          countdownPaceMs: Option.getOrUndefined(args.countdownPaceMs),
          seed: Option.getOrUndefined(args.seed),
          countRejected: args.countRejected,
          ...(args.unlimited ? { limits: unlimitedLimits } : {})
        })
        yield* Console.log(`listening on ${sim.url}`)
        return yield* Effect.never
      })
    )
)

const cli = Command.run(command, { name: "okx-rfq-sim", version: "0.1.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain({ disableErrorReporting: false }))
