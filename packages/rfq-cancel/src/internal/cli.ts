import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import type { Endpoints } from "@okx-rfq/schema"
import { OkxCredentials } from "@okx-rfq/signing"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as DeadMansSwitch from "../DeadMansSwitch.js"
import * as RfqCancelClient from "../RfqCancelClient.js"
import type { RfqCancelError } from "../RfqCancelError.js"
import * as UndiciHttpClient from "../UndiciHttpClient.js"
import { runDemo } from "./demo.js"

/**
 * The process should exit with `code` (1: the venue refused or an item failed; 2: invalid input or usage).
 *
 * @internal
 */
export class ExitWith extends Data.TaggedError("ExitWith")<{ readonly code: 1 | 2 }> {}

/** @internal */
export const jsonReplacer = (_key: string, value: unknown): unknown => {
  if (DateTime.isDateTime(value)) return DateTime.formatIso(value)
  if (Duration.isDuration(value)) return Duration.toMillis(value)
  return value
}

const common = {
  apiKey: Options.text("api-key").pipe(Options.optional, Options.withDescription("API key (default $OKX_API_KEY)")),
  secretKey: Options.redacted("secret-key").pipe(
    Options.optional,
    Options.withDescription("secret key (default $OKX_SECRET_KEY)")
  ),
  passphrase: Options.redacted("passphrase").pipe(
    Options.optional,
    Options.withDescription("passphrase (default $OKX_PASSPHRASE)")
  ),
  baseUrl: Options.text("base-url").pipe(
    Options.optional,
    Options.withDescription("venue base URL (default $OKX_BASE_URL or https://www.okx.com)")
  ),
  demo: Options.boolean("demo").pipe(
    Options.withDescription("demo trading: send x-simulated-trading: 1 (or OKX_DEMO=1)")
  ),
  json: Options.boolean("json").pipe(
    Options.withDescription("print the decoded result as one JSON object on the last line")
  )
} as const

type Common = {
  readonly apiKey: Option.Option<string>
  readonly secretKey: Option.Option<Redacted.Redacted<string>>
  readonly passphrase: Option.Option<Redacted.Redacted<string>>
  readonly baseUrl: Option.Option<string>
  readonly demo: boolean
  readonly json: boolean
}

const fromFlagOrEnv = <A>(flag: Option.Option<A>, env: Config.Config<A>) =>
  Option.match(flag, { onNone: () => env, onSome: (value) => Config.succeed(value) })

const emptyFlag = (name: string) => `--${name} must not be empty`

/** A credential: its flag, trimmed and rejected (naming the flag) when empty, else its variable. */
const credential = (flag: Option.Option<string>, name: string, env: string) =>
  Option.match(flag, {
    onNone: () => OkxCredentials.nonEmpty(env),
    onSome: (value) =>
      Config.succeed(value.trim()).pipe(Config.validate({ message: emptyFlag(name), validation: (v) => v.length > 0 }))
  })

/** A secret credential, the same way, never leaving `Redacted`. */
const secret = (flag: Option.Option<Redacted.Redacted<string>>, name: string, env: string) =>
  Option.match(flag, {
    onNone: () => Config.map(OkxCredentials.nonEmpty(env), Redacted.make),
    onSome: (value) =>
      Config.succeed(Redacted.make(Redacted.value(value).trim())).pipe(
        Config.validate({ message: emptyFlag(name), validation: (v) => Redacted.value(v).length > 0 })
      )
  })

const isHttpUrl = (value: string) => {
  try {
    const url = new URL(value)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

/** The client's settings from flags, falling back to the environment. */
const settings = (o: Common) =>
  Config.all({
    apiKey: credential(o.apiKey, "api-key", "OKX_API_KEY"),
    secretKey: secret(o.secretKey, "secret-key", "OKX_SECRET_KEY"),
    passphrase: secret(o.passphrase, "passphrase", "OKX_PASSPHRASE"),
    baseUrl: fromFlagOrEnv(
      o.baseUrl,
      Config.string("OKX_BASE_URL").pipe(Config.withDefault(RfqCancelClient.defaultBaseUrl))
    ).pipe(
      Config.mapOrFail((url) =>
        isHttpUrl(url)
          ? Either.right(url)
          : Either.left(
              ConfigError.InvalidData(
                [],
                `--base-url (or OKX_BASE_URL) must be an http(s) URL such as ${RfqCancelClient.defaultBaseUrl}, got ${JSON.stringify(url)}`
              )
            )
      )
    ),
    demo: o.demo ? Config.succeed(true) : Config.boolean("OKX_DEMO").pipe(Config.withDefault(false))
  })

/** The client layer for a command (server time synced with the venue; the lean undici transport, keep-alive). */
const clientLayer = (o: Common) =>
  Layer.unwrapEffect(
    Effect.map(settings(o), ({ apiKey, baseUrl, demo, passphrase, secretKey }) =>
      RfqCancelClient.layer({
        baseUrl,
        demo,
        credentials: { apiKey, secretKey, passphrase },
        serverTime: { samples: 3, initialSync: "lazy" }
      })
    )
  ).pipe(Layer.provide(UndiciHttpClient.layer))

const describeOutcome = (item: {
  readonly outcome: { readonly _tag: string; readonly sCode: string; readonly sMsg: string }
}) =>
  item.outcome._tag === "Cancelled"
    ? "cancelled"
    : `${item.outcome._tag} (sCode ${item.outcome.sCode}${item.outcome.sMsg ? `: ${item.outcome.sMsg}` : ""})`

/** Prints a result; fails with exit code 1 if any item was not cancelled. */
const report = (o: Common, result: unknown): Effect.Effect<void, ExitWith> =>
  Effect.gen(function* () {
    let failed = false
    const r = result as Omit<
      Partial<
        Endpoints.ItemsResult<Record<string, string> & { outcome: { _tag: string; sCode: string; sMsg: string } }>
      >,
      "_tag"
    > & {
      readonly _tag?: string
      readonly triggerTime?: unknown
    }
    if (r._tag === "Items" && r.items !== undefined) {
      for (const item of r.items) {
        const id = item.quoteId ?? item.rfqId ?? ""
        const cl = item.clQuoteId ?? item.clRfqId ?? ""
        yield* Console.log(`${id || "-"} ${cl ? `(${cl}) ` : ""}${describeOutcome(item)}`)
        if (item.outcome._tag !== "Cancelled") failed = true
      }
      if (r.items.length === 0) {
        yield* Console.log(`no items (code ${r.code ?? "?"})`)
        failed = r.code !== "0"
      }
    } else if (r._tag === "AllCancelled") {
      yield* Console.log("every active one cancelled")
    } else if (r._tag === "NothingToCancel") {
      yield* Console.log("nothing active to cancel")
    } else if (r.triggerTime !== undefined) {
      const t = r.triggerTime as DateTime.Utc | { readonly _tag: "Disabled" }
      yield* Console.log(
        t._tag === "Disabled"
          ? "cancel-all-after disabled"
          : `cancel-all-after armed: triggers at ${DateTime.formatIso(t as DateTime.Utc)}`
      )
    }
    if (o.json) yield* Console.log(JSON.stringify(result, jsonReplacer))
    if (failed) return yield* new ExitWith({ code: 1 })
  })

const isLocalInvalid = (error: { readonly _tag: string; readonly code?: string | undefined }) =>
  error._tag === "InvalidRequest" && error.code === undefined

/** An error as JSON: its fields, its message, and its cause's (a split batch's or a shutdown's failure). */
const errorJson = (error: { readonly message: string }): unknown => {
  const cause = (error as { readonly cause?: unknown }).cause
  return {
    ...error,
    message: error.message,
    ...(cause instanceof Error ? { cause: errorJson(cause) } : {})
  }
}

/**
 * Prints an error (then `more` lines, the items a split batch completed, and with `--json` the error as JSON on the
 * last line) and fails with its exit code: 2 for input rejected before the wire, else 1.
 */
const failWith = (
  o: Common,
  error:
    | RfqCancelError
    | DeadMansSwitch.ShutdownFailed
    | { readonly _tag: "BatchIncomplete"; readonly message: string; readonly completed: unknown },
  more: ReadonlyArray<string> = []
): Effect.Effect<never, ExitWith> =>
  Effect.gen(function* () {
    yield* Console.error(`error: ${error.message}`)
    for (const line of more) yield* Console.error(`error: ${line}`)
    if (error._tag === "BatchIncomplete") yield* report(o, error.completed).pipe(Effect.ignore)
    if (o.json) yield* Console.log(JSON.stringify({ error: errorJson(error) }, jsonReplacer))
    return yield* new ExitWith({ code: isLocalInvalid(error) ? 2 : 1 })
  })

/** Exits 2 on a setting the flags and the environment do not provide (or provide invalid), naming it. */
const exitOnConfigError = <A, E, R>(
  self: Effect.Effect<A, E | ConfigError.ConfigError, R>
): Effect.Effect<A, Exclude<E, ConfigError.ConfigError> | ExitWith, R> =>
  Effect.catchIf(self, ConfigError.isConfigError, (error) =>
    Effect.zipRight(Console.error(`error: ${String(error)}`), new ExitWith({ code: 2 }))
  )

/** Runs one client call: prints the result or the error, and maps failures to exit codes. */
const runCall = <A>(
  o: Common,
  call: (
    client: RfqCancelClient.Service
  ) => Effect.Effect<
    A,
    RfqCancelError | { readonly _tag: "BatchIncomplete"; readonly message: string; readonly completed: unknown }
  >
) =>
  Effect.gen(function* () {
    const client = yield* RfqCancelClient.RfqCancelClient
    const result = yield* call(client)
    yield* report(o, result)
  }).pipe(
    Effect.catchAll((error) => (error._tag === "ExitWith" ? Effect.fail(error) : failWith(o, error))),
    Effect.provide(clientLayer(o)),
    exitOnConfigError
  )

const example = (text: string) => `\n\nExample:\n  ${text}`

const ids = (name: string, description: string) =>
  Options.text(name).pipe(Options.repeated, Options.withDescription(description))

const one = (name: string, description: string) =>
  Options.text(name).pipe(Options.optional, Options.withDescription(description))

/** A whole number of seconds (`Options.integer` would take -1, which a `Duration` turns into 0: disarmed). */
const seconds = (name: string, description: string) =>
  Options.text(name).pipe(
    Options.withPseudoName("seconds"),
    Options.mapEffect((text) =>
      /^[0-9]+$/.test(text)
        ? Effect.succeed(Number(text))
        : Effect.fail(
            ValidationError.invalidValue(
              HelpDoc.p(`--${name} must be a whole number of seconds, got ${JSON.stringify(text)}`)
            )
          )
    ),
    Options.withDescription(description)
  )

const defined = <K extends string>(entries: ReadonlyArray<readonly [K, Option.Option<string>]>) =>
  Object.fromEntries(entries.flatMap(([k, v]) => (Option.isSome(v) ? [[k, v.value]] : []))) as Partial<
    Record<K, string>
  >

const nonEmptyList = <K extends string>(entries: ReadonlyArray<readonly [K, ReadonlyArray<string>]>) =>
  Object.fromEntries(entries.filter(([, v]) => v.length > 0)) as Partial<Record<K, ReadonlyArray<string>>>

const cancelQuote = Command.make(
  "cancel-quote",
  {
    ...common,
    quoteId: one("quote-id", "quote id"),
    clQuoteId: one("cl-quote-id", "client quote id"),
    rfqId: one("rfq-id", "RFQ id (optional)")
  },
  (o) =>
    runCall(o, (c) =>
      c.cancelQuote(
        defined([
          ["quoteId", o.quoteId],
          ["clQuoteId", o.clQuoteId],
          ["rfqId", o.rfqId]
        ])
      )
    )
).pipe(Command.withDescription(`Cancel one quote.${example("okx-rfq cancel-quote --quote-id 12345 --json")}`))

const cancelBatchQuotes = Command.make(
  "cancel-batch-quotes",
  {
    ...common,
    quoteIds: ids("quote-id", "a quote id (repeatable)"),
    clQuoteIds: ids("cl-quote-id", "a client quote id (repeatable)")
  },
  (o) =>
    runCall(o, (c) =>
      c.cancelBatchQuotes(
        nonEmptyList([
          ["quoteIds", o.quoteIds],
          ["clQuoteIds", o.clQuoteIds]
        ])
      )
    )
).pipe(
  Command.withDescription(
    `Cancel many quotes (more than 100 are sent in batches of 100).${example("okx-rfq cancel-batch-quotes --quote-id 1 --quote-id 2")}`
  )
)

const cancelAllQuotes = Command.make("cancel-all-quotes", common, (o) => runCall(o, (c) => c.cancelAllQuotes)).pipe(
  Command.withDescription(`Cancel every active quote.${example("okx-rfq cancel-all-quotes --demo --json")}`)
)

const cancelRfq = Command.make(
  "cancel-rfq",
  { ...common, rfqId: one("rfq-id", "RFQ id"), clRfqId: one("cl-rfq-id", "client RFQ id") },
  (o) =>
    runCall(o, (c) =>
      c.cancelRfq(
        defined([
          ["rfqId", o.rfqId],
          ["clRfqId", o.clRfqId]
        ])
      )
    )
).pipe(Command.withDescription(`Cancel one RFQ.${example("okx-rfq cancel-rfq --rfq-id 2201")}`))

const cancelBatchRfqs = Command.make(
  "cancel-batch-rfqs",
  {
    ...common,
    rfqIds: ids("rfq-id", "an RFQ id (repeatable)"),
    clRfqIds: ids("cl-rfq-id", "a client RFQ id (repeatable)")
  },
  (o) =>
    runCall(o, (c) =>
      c.cancelBatchRfqs(
        nonEmptyList([
          ["rfqIds", o.rfqIds],
          ["clRfqIds", o.clRfqIds]
        ])
      )
    )
).pipe(Command.withDescription(`Cancel many RFQs.${example("okx-rfq cancel-batch-rfqs --rfq-id 1 --rfq-id 2")}`))

const cancelAllRfqs = Command.make("cancel-all-rfqs", common, (o) => runCall(o, (c) => c.cancelAllRfqs)).pipe(
  Command.withDescription(`Cancel every active RFQ.${example("okx-rfq cancel-all-rfqs --json")}`)
)

const cancelAllAfter = Command.make(
  "cancel-all-after",
  { ...common, timeout: seconds("timeout", "seconds: 0 disables, else 10-120") },
  (o) => runCall(o, (c) => c.cancelAllAfter(Duration.seconds(o.timeout)))
).pipe(
  Command.withDescription(
    `Arm (or disable, with 0) the venue's cancel-all-after countdown once.${example("okx-rfq cancel-all-after --timeout 60")}`
  )
)

const statusLine = (status: DeadMansSwitch.Status, now: number) =>
  DeadMansSwitch.Status.$match(status, {
    Arming: () => "arming…",
    Armed: (s) =>
      `armed · triggers in ${((DateTime.toEpochMillis(s.deadline) - now) / 1000).toFixed(1)} s · last ack ${DateTime.formatIso(s.lastAck)} · round trip ${Duration.toMillis(s.roundTrip)} ms`,
    AtRisk: (s) =>
      `AT RISK · ${s.failures} failed re-arms · ${s.slack === undefined ? "no deadline yet" : `${(Duration.toMillis(s.slack) / 1000).toFixed(1)} s of slack`} · ${s.lastError}`,
    Expired: (s) =>
      `EXPIRED at ${DateTime.formatIso(s.deadline)}: the venue is cancelling every quote${s.lastError === undefined ? "" : ` · ${s.lastError}`}`,
    Failed: (s) => `FAILED: the venue refused to arm the countdown; nothing is armed · ${s.error.message}`,
    Disarmed: () => "disarmed"
  })

/**
 * Shows the switch's status until interrupted: on a terminal one line rewritten every second, else a line per change.
 * Fails with the error once the status is `Failed` (the venue refused the first arm: nothing to guard).
 */
const watchStatus = (dms: DeadMansSwitch.Service): Effect.Effect<never, DeadMansSwitch.FinalError> => {
  const tty = process.stdout.isTTY === true
  const show = (status: DeadMansSwitch.Status) =>
    Effect.gen(function* () {
      const line = statusLine(status, yield* Effect.clockWith((c) => c.currentTimeMillis))
      yield* tty ? Effect.sync(() => process.stdout.write(`\r\x1b[K${line}`)) : Console.log(line)
      if (status._tag === "Failed") return yield* Effect.fail(status.error)
    })
  return tty
    ? Effect.flatMap(dms.status, show).pipe(
        Effect.repeat(Schedule.spaced("1 second")),
        Effect.zipRight(Effect.never),
        Effect.ensuring(Effect.sync(() => process.stdout.write("\n")))
      )
    : dms.changes.pipe(Stream.runForEach(show), Effect.zipRight(Effect.never))
}

const guard = Command.make(
  "guard",
  {
    ...common,
    timeout: seconds("timeout", "the countdown in seconds, 10-120"),
    interval: seconds("interval", "re-arm every N seconds").pipe(Options.optional),
    onExit: Options.choice("on-exit", DeadMansSwitch.shutdownPolicies).pipe(
      Options.withDefault("cancel-then-disarm" as const),
      Options.withDescription("what to do on SIGINT/SIGTERM")
    )
  },
  (o) =>
    // SIGINT/SIGTERM interrupt only the status display (`restore`): the shutdown then runs here, before the scope
    // closes, so that its outcome sets the exit code.
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        const dms = yield* DeadMansSwitch.make({
          timeout: Duration.seconds(o.timeout),
          interval: Option.map(o.interval, Duration.seconds).pipe(Option.getOrUndefined),
          onExit: o.onExit
        })
        yield* Console.log(
          `guarding: timeout ${o.timeout} s, re-arm every ${Duration.format(dms.settings.interval)}, on exit ${o.onExit} (Ctrl-C to stop)`
        )
        const watched = yield* Effect.exit(restore(watchStatus(dms)))
        const shutdown = yield* Effect.either(dms.shutdown)
        const refused = Exit.isFailure(watched) ? Cause.failureOption(watched.cause) : Option.none()
        if (Option.isSome(refused)) {
          return yield* failWith(o, refused.value, Either.isLeft(shutdown) ? [shutdown.left.message] : [])
        }
        if (Either.isLeft(shutdown)) {
          // once the fiber is interrupted, a failure is dropped on its way out (only defects and the interruption
          // stay in its cause): the exit code then travels as a defect (bin/okx-rfq.ts reads both)
          return yield* Exit.isInterrupted(watched)
            ? Effect.orDie(failWith(o, shutdown.left))
            : failWith(o, shutdown.left)
        }
        if (Exit.isFailure(watched) && !Cause.isInterruptedOnly(watched.cause)) {
          return yield* Effect.failCause(watched.cause)
        }
      })
    ).pipe(
      Effect.catchTag("InvalidRequest", (error) => failWith(o, error)),
      Effect.scoped,
      Effect.provide(clientLayer(o)),
      exitOnConfigError
    )
).pipe(
  Command.withDescription(
    `Keep the cancel-all-after countdown armed until SIGINT/SIGTERM, then run the shutdown policy.${example("okx-rfq guard --timeout 30 --interval 3 --on-exit cancel-then-disarm")}`
  )
)

const demo = Command.make("demo", {}, () => runDemo).pipe(
  Command.withDescription(
    `Run the whole story on an embedded simulator: arm, stall, the venue cancels; then a graceful shutdown.${example("okx-rfq demo")}`
  )
)

const command = Command.make("okx-rfq").pipe(
  Command.withDescription("Cancel quotes safely on OKX's block-trading (RFQ) venue."),
  Command.withSubcommands([
    cancelQuote,
    cancelBatchQuotes,
    cancelAllQuotes,
    cancelRfq,
    cancelBatchRfqs,
    cancelAllRfqs,
    cancelAllAfter,
    guard,
    demo
  ])
)

const cli = Command.run(command, { name: "okx-rfq", version: "0.1.0" })

const logLevelNames = LogLevel.allLevels.map((level) => level._tag.toLowerCase())

/**
 * Takes `--log-level LEVEL` (or `--log-level=LEVEL`) out of the arguments wherever it is: @effect/cli's own
 * built-in option is only recognised before a command's options. Falls back to `OKX_LOG_LEVEL`.
 */
const takeLogLevel = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const rest: Array<string> = []
    let name: string | undefined
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      if (arg === "--log-level" && i + 1 < args.length) name = args[++i]
      else if (arg.startsWith("--log-level=")) name = arg.slice("--log-level=".length)
      else rest.push(arg)
    }
    name ??= Option.getOrUndefined(yield* Config.option(Config.string("OKX_LOG_LEVEL")))
    if (name === undefined) return { rest, level: undefined }
    const level = LogLevel.allLevels.find((l) => l._tag.toLowerCase() === name.toLowerCase())
    if (level === undefined) {
      yield* Console.error(
        `error: --log-level (or OKX_LOG_LEVEL) must be one of ${logLevelNames.join(", ")}, got ${JSON.stringify(name)}`
      )
      return yield* new ExitWith({ code: 2 })
    }
    return { rest, level }
  })

const idFlags = ["--quote-id", "--cl-quote-id", "--rfq-id", "--cl-rfq-id"]

/**
 * Rejects an id flag without a value, an empty id, or one with white space around it, before @effect/cli sees them:
 * a repeated option silently drops a missing or empty value and trims the others, so `--rfq-id ""` in a batch would
 * cancel fewer ids than given.
 */
const checkIds = (args: ReadonlyArray<string>) => {
  const at = args.findIndex((arg, i) => {
    if (!idFlags.includes(arg)) return false
    const value = args[i + 1]
    return value === undefined || value === "" || value !== value.trim()
  })
  if (at < 0) return Effect.void
  const value = args[at + 1]
  return Effect.zipRight(
    Console.error(
      value === undefined
        ? `error: ${args[at]} needs a value`
        : `error: ${args[at]} must be a non-empty id without surrounding white space, got ${JSON.stringify(value)}`
    ),
    new ExitWith({ code: 2 })
  )
}

/** @internal */
export const run = (args: ReadonlyArray<string>): Effect.Effect<void, unknown, CliApp.CliApp.Environment> =>
  Effect.flatMap(takeLogLevel(args), ({ level, rest }) =>
    Effect.zipRight(checkIds(rest), level === undefined ? cli(rest) : cli(rest).pipe(Logger.withMinimumLogLevel(level)))
  )
