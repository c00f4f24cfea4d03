import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { SteadyTime } from "@okx-rfq/rate-limit"
import type { Endpoints } from "@okx-rfq/schema"
import { RfqCancel } from "@okx-rfq/schema"
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
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { stripVTControlCharacters } from "node:util"
import * as DeadMansSwitch from "../DeadMansSwitch.js"
import * as RfqCancelClient from "../RfqCancelClient.js"
import type { BatchIncomplete, RfqCancelError } from "../RfqCancelError.js"
import * as UndiciHttpClient from "../UndiciHttpClient.js"
import { mayHaveActed, mergeItems } from "./batches.js"
import { runDemo } from "./demo.js"
import { baseUrlRule, isHttpBaseUrl } from "./options.js"

/**
 * `text` safe for a terminal: control characters (C0 but the tab, DEL, C1) are shown as `\uXXXX`, never
 * interpreted. The venue's free text (an `sMsg`, a `msg`, an unreadable answer's start) and its ids reach the output,
 * and an escape sequence or a line break in them could rewrite what was printed ("cancelled" over a refusal), forge a
 * line, or set the window's title. Every line the program prints is one line: none of its own holds a line break.
 * A JSON line stays valid and reads the same: JSON.stringify escapes C0 itself, and DEL and C1 occur only in strings.
 */
const printable = (text: string): string =>
  text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
  )

/** A line on stdout, terminal-safe (`printable`). */
const say = (text: string) => Console.log(printable(text))

/** A line on stderr, terminal-safe (`printable`). */
const warn = (text: string) => Console.error(printable(text))

/** A log's message and annotations, terminal-safe (`printable`). */
const printableLog = (value: unknown): unknown =>
  typeof value === "string" ? printable(value) : Array.isArray(value) ? value.map(printableLog) : value

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
        isHttpBaseUrl(url)
          ? Either.right(url)
          : Either.left(
              ConfigError.InvalidData(
                [],
                `--base-url (or OKX_BASE_URL) must be ${baseUrlRule(RfqCancelClient.defaultBaseUrl, url)}`
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
    : `${item.outcome._tag} (${[item.outcome.sCode && `sCode ${item.outcome.sCode}`, item.outcome.sMsg].filter(Boolean).join(": ")})`

/** The ids a cancel command sent, and whether by client id: the items it reports are matched against them. */
interface Asked {
  readonly byClientId: boolean
  readonly ids: ReadonlyArray<string>
}

/** Asked by the venue's ids when any were given (OKX goes by them when both are sent), else by client ids. */
const asked = (venueIds: ReadonlyArray<string>, clientIds: ReadonlyArray<string>): Asked =>
  venueIds.length > 0 ? { byClientId: false, ids: venueIds } : { byClientId: true, ids: clientIds }

/** An item's venue id and client id (a quote's or an RFQ's). */
const itemIds = (item: Readonly<Record<string, unknown>>): readonly [string, string] => [
  String(item.quoteId ?? item.rfqId ?? ""),
  String(item.clQuoteId ?? item.clRfqId ?? "")
]

/** What a result answered after an attempt whose answer was lost says of what it finds inactive. */
const earlierAttempt = "an earlier attempt of this command, whose answer was lost, may have cancelled"

/**
 * Prints a result; fails with exit code 1 if any item was not cancelled. With `sent`, an item whose id the command
 * did not send (the venue answered for another id, or for none) is marked so, and does not decide the exit code:
 * every id sent has an item of its own (`Endpoints.accountForQuotes`). After an attempt that may have acted
 * (`earlierAttemptMayHaveActed`), an item found inactive says it may be this command's cancel; it still decides the
 * exit code, since `AlreadyInactive` may as well be a fill.
 */
const report = (o: Common, result: unknown, sent?: Asked): Effect.Effect<void, ExitWith> =>
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
    // an attempt whose answer was lost may have cancelled what a later answer finds inactive
    const earlier = r.earlierAttemptMayHaveActed === true
    if (r._tag === "Items" && r.items !== undefined) {
      for (const item of r.items) {
        const [id, cl] = itemIds(item)
        const stray = sent !== undefined && !sent.ids.includes(sent.byClientId ? cl : id)
        const inactive = item.outcome._tag === "AlreadyInactive" || item.outcome._tag === "NotFound"
        yield* say(
          `${id || "-"} ${cl ? `(${cl}) ` : ""}${describeOutcome(item)}${stray ? " [not sent by this command: the venue answered for an id it was not asked]" : ""}${earlier && inactive && !stray ? ` [${earlierAttempt} it]` : ""}`
        )
        if (item.outcome._tag !== "Cancelled" && !stray) failed = true
      }
      if (r.items.length === 0) {
        yield* say(`no items (code ${r.code ?? "?"})`)
        failed = r.code !== "0"
      }
    } else if (r._tag === "AllCancelled") {
      yield* say("every active one cancelled")
    } else if (r._tag === "NothingToCancel") {
      yield* say(`nothing active to cancel${earlier ? ` (${earlierAttempt} them)` : ""}`)
    } else if (r.triggerTime !== undefined) {
      const t = r.triggerTime as DateTime.Utc | { readonly _tag: "Disabled" }
      yield* say(
        t._tag === "Disabled"
          ? "cancel-all-after disabled"
          : `cancel-all-after armed: triggers at ${DateTime.formatIso(t as DateTime.Utc)}`
      )
    }
    if (o.json) yield* say(JSON.stringify(result, jsonReplacer))
    if (failed) return yield* new ExitWith({ code: 1 })
  })

const isLocalInvalid = (error: { readonly _tag: string; readonly code?: string | undefined }) =>
  error._tag === "InvalidRequest" && error.code === undefined

/** An error as JSON: its fields, its message, and its cause's (a split batch's or a shutdown's failure). */
const errorJson = (error: { readonly message: string }): unknown => {
  const cause = (error as { readonly cause?: unknown }).cause
  const tag = (error as { readonly _tag?: unknown })._tag
  // a call's error says whether the venue may have acted, whichever way the error knows it (a field, a getter such
  // as Unavailable's, or its kind); the shutdown's and a split batch's errors say it of their step and cause
  const call = typeof tag === "string" && tag !== "ShutdownFailed" && tag !== "BatchIncomplete"
  return {
    ...error,
    message: error.message,
    ...(call ? { mayHaveActed: mayHaveActed(error as typeof error & { readonly _tag: string }) } : {}),
    ...(cause instanceof Error ? { cause: errorJson(cause) } : {})
  }
}

/**
 * Prints an error (as `text`, by default its message; then `more` lines, the items a split batch completed, and with
 * `--json` the error as JSON on the last line) and fails with its exit code: 2 for input rejected before the wire,
 * else 1.
 */
const failWith = (
  o: Common,
  error: RfqCancelError | DeadMansSwitch.ShutdownFailed | BatchIncomplete<unknown>,
  more: ReadonlyArray<string> = [],
  text: string = error.message
): Effect.Effect<never, ExitWith> =>
  Effect.gen(function* () {
    yield* warn(`error: ${text}`)
    for (const line of more) yield* warn(`error: ${line}`)
    if (error._tag === "BatchIncomplete") {
      yield* report(o, error.completed).pipe(Effect.ignore)
      for (const id of error.remaining) yield* say(`${id} not answered (its request failed or was not sent)`)
    }
    if (o.json) yield* say(JSON.stringify({ error: errorJson(error) }, jsonReplacer))
    return yield* new ExitWith({ code: isLocalInvalid(error) ? 2 : 1 })
  })

/** A configuration error's own words: each failing setting's message, not the `ConfigError` structure. */
const configMessage = (error: ConfigError.ConfigError): string => {
  switch (error._op) {
    case "And":
    case "Or":
      return `${configMessage(error.left)}; ${configMessage(error.right)}`
    default:
      return error.message
  }
}

/**
 * Exits 2 on a setting the flags and the environment do not provide (or provide invalid), naming it; with `--json`
 * the error is also the last line of stdout.
 */
const exitOnConfigError =
  (o: { readonly json: boolean }) =>
  <A, E, R>(
    self: Effect.Effect<A, E | ConfigError.ConfigError, R>
  ): Effect.Effect<A, Exclude<E, ConfigError.ConfigError> | ExitWith, R> =>
    Effect.catchIf(self, ConfigError.isConfigError, (error) =>
      Effect.gen(function* () {
        const message = configMessage(error)
        yield* warn(`error: ${message}`)
        if (o.json) yield* say(JSON.stringify({ error: { _tag: "InvalidConfiguration", message } }))
        return yield* new ExitWith({ code: 2 })
      })
    )

/** Prints cancel-all-after's result; fails with exit code 1 (the answer on stderr) if the countdown is not as asked. */
const reportCountdown = (
  o: Common,
  seconds: number,
  result: RfqCancel.CancelAllAfterData
): Effect.Effect<void, ExitWith> => {
  const problem = RfqCancel.countdownProblem(seconds * 1000, result)
  return problem === undefined
    ? report(o, result)
    : Effect.gen(function* () {
        yield* warn(`error: cancel-all-after --timeout ${seconds} ${problem}`)
        if (o.json) yield* say(JSON.stringify(result, jsonReplacer))
        return yield* new ExitWith({ code: 1 })
      })
}

/**
 * What is unknown after a call the venue may have acted on: what a cancel was to cancel, or the countdown a
 * cancel-all-after was to set. `failed` follows a failure (a timeout, a dropped connection, an unreadable answer),
 * `interrupted` a signal.
 */
interface Stakes {
  readonly failed: string
  readonly interrupted: string
}

const cancelStakes: Stakes = {
  failed: "what it was to cancel may or may not be cancelled; run it again (a cancel is idempotent)",
  interrupted: "what it was to cancel may still be live"
}

const countdownStakes: Stakes = {
  failed: "the countdown may or may not be set as asked; run it again (setting it again is safe)",
  interrupted: "the countdown may or may not be set as asked"
}

/** What a batch split into several requests had answered when a signal stopped it. */
interface Answered {
  readonly completed: Endpoints.ItemsResult<unknown>
  readonly remaining: ReadonlyArray<string>
}

/**
 * Says that a signal stopped a call before it finished, and makes the program exit 1: the request may or may not have
 * taken effect, so the quotes it was to cancel may still be live. A batch whose first requests were answered prints
 * their items, as a batch that failed half-way does, and the ids not answered. The code travels as a defect, which an
 * interrupted fiber keeps in its cause (bin/okx-rfq.ts reads it).
 */
const interrupted = (o: Common, answered?: Answered, stakes: Stakes = cancelStakes) =>
  Effect.gen(function* () {
    const message =
      answered === undefined
        ? `interrupted (SIGINT/SIGTERM) before the call finished: its outcome is unknown, ${stakes.interrupted}`
        : `interrupted (SIGINT/SIGTERM) before the batch finished: ${answered.completed.items.length} items answered, ${answered.remaining.length} ids not answered, whose outcome is unknown: they may still be live`
    yield* warn(`error: ${message}`)
    if (answered !== undefined) {
      yield* report(o, answered.completed).pipe(Effect.ignore)
      for (const id of answered.remaining) yield* say(`${id} not answered (interrupted: outcome unknown)`)
    }
    if (o.json) yield* say(JSON.stringify({ error: { _tag: "Interrupted", message, ...answered } }, jsonReplacer))
    return yield* Effect.die(new ExitWith({ code: 1 }))
  })

/**
 * Runs one client call: prints the result (with `show`) or the error, and maps failures to exit codes. Once the call
 * has its result, a signal changes nothing: the result is printed whole (uninterruptibly), and the program ends as
 * the result says, not as "interrupted, outcome unknown".
 */
const runCall = <A>(
  o: Common,
  call: (client: RfqCancelClient.Service) => Effect.Effect<A, RfqCancelError | BatchIncomplete<unknown>>,
  show: (result: A) => Effect.Effect<void, ExitWith> = (result) => report(o, result),
  stakes: Stakes = cancelStakes,
  whenInterrupted: () => Effect.Effect<never> = () => interrupted(o, undefined, stakes)
) =>
  Effect.suspend(() => {
    let known = false
    return Effect.gen(function* () {
      const client = yield* RfqCancelClient.RfqCancelClient
      const result = yield* call(client)
      known = true
      yield* Effect.uninterruptible(show(result))
    }).pipe(
      Effect.catchAll((error) =>
        error._tag === "ExitWith"
          ? Effect.fail(error)
          : failWith(
              o,
              error,
              mayHaveActed(error) ? [`the venue may have acted on it before it failed: ${stakes.failed}`] : []
            )
      ),
      Effect.provide(clientLayer(o)),
      exitOnConfigError(o),
      // outermost: a signal while the client is being built counts too
      Effect.onInterrupt(() => (known ? Effect.void : whenInterrupted()))
    )
  })

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

/**
 * A number of seconds to the millisecond (`1.5`), as a `Duration`: `--interval`. No exponent, sign or more than 3
 * decimals, so that what is given is exactly what is used; the range (at least `DeadMansSwitch.minimumInterval`,
 * 1.5 s, and below half the timeout) is the switch's to check, and its message says why.
 */
const decimalSeconds = (name: string, description: string) =>
  Options.text(name).pipe(
    Options.withPseudoName("seconds"),
    Options.mapEffect((text) => {
      const match = /^([0-9]+)(?:\.([0-9]{1,3}))?$/.exec(text)
      const millis = match === null ? Number.NaN : Number(match[1]) * 1000 + Number((match[2] ?? "").padEnd(3, "0"))
      return Number.isSafeInteger(millis)
        ? Effect.succeed(Duration.millis(millis))
        : Effect.fail(
            ValidationError.invalidValue(
              HelpDoc.p(
                `--${name} must be a number of seconds with at most 3 decimals (such as 2 or 1.5), got ${JSON.stringify(text)}`
              )
            )
          )
    }),
    Options.withDescription(description)
  )

const defined = <K extends string>(entries: ReadonlyArray<readonly [K, Option.Option<string>]>) =>
  Object.fromEntries(entries.flatMap(([k, v]) => (Option.isSome(v) ? [[k, v.value]] : []))) as Partial<
    Record<K, string>
  >

const nonEmptyList = <K extends string>(entries: ReadonlyArray<readonly [K, ReadonlyArray<string>]>) =>
  Object.fromEntries(entries.filter(([, v]) => v.length > 0)) as Partial<Record<K, ReadonlyArray<string>>>

/**
 * A batch command: the ids given (the venue's, or the client's), sent, and reported against what was sent. A signal
 * while a batch of more than 100 ids is on its way prints the items of its requests already answered, and the ids
 * not answered.
 */
const runBatch = <V extends string, C extends string, Item extends Readonly<Record<string, unknown>>>(
  o: Common,
  venueIds: readonly [V, ReadonlyArray<string>],
  clientIds: readonly [C, ReadonlyArray<string>],
  call: (
    client: RfqCancelClient.Service,
    input: Partial<Record<V | C, ReadonlyArray<string>>>,
    options: RfqCancelClient.BatchOptions<Item>
  ) => Effect.Effect<Endpoints.ItemsResult<Item>, RfqCancelError | BatchIncomplete<unknown>>
) =>
  Effect.suspend(() => {
    const sent = asked(venueIds[1], clientIds[1])
    // the latest result of each request: a re-send of refused items replaces its request's result
    const latest: Array<Endpoints.ItemsResult<Item>> = []
    const onAnswered = (result: Endpoints.ItemsResult<Item>, index: number) =>
      Effect.sync(() => {
        latest[index] = result
      })
    const whenInterrupted = () => {
      const answered = latest.filter((result) => result !== undefined)
      if (answered.length === 0) return interrupted(o)
      const done = new Set(answered.flatMap((r) => r.items.map((item) => itemIds(item)[sent.byClientId ? 1 : 0])))
      return interrupted(o, { completed: mergeItems(answered), remaining: sent.ids.filter((id) => !done.has(id)) })
    }
    return runCall(
      o,
      (c) => call(c, nonEmptyList<V | C>([venueIds, clientIds]), { onAnswered }),
      (result) => report(o, result, sent),
      cancelStakes,
      whenInterrupted
    )
  })

const cancelQuote = Command.make(
  "cancel-quote",
  {
    ...common,
    quoteId: one("quote-id", "quote id"),
    clQuoteId: one("cl-quote-id", "client quote id"),
    rfqId: one("rfq-id", "RFQ id (optional)")
  },
  (o) =>
    runCall(
      o,
      (c) =>
        c.cancelQuote(
          defined([
            ["quoteId", o.quoteId],
            ["clQuoteId", o.clQuoteId],
            ["rfqId", o.rfqId]
          ])
        ),
      (result) => report(o, result, asked(Option.toArray(o.quoteId), Option.toArray(o.clQuoteId)))
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
    runBatch(o, ["quoteIds", o.quoteIds], ["clQuoteIds", o.clQuoteIds], (c, input, options) =>
      c.cancelBatchQuotes(input, options)
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
    runCall(
      o,
      (c) =>
        c.cancelRfq(
          defined([
            ["rfqId", o.rfqId],
            ["clRfqId", o.clRfqId]
          ])
        ),
      (result) => report(o, result, asked(Option.toArray(o.rfqId), Option.toArray(o.clRfqId)))
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
    runBatch(o, ["rfqIds", o.rfqIds], ["clRfqIds", o.clRfqIds], (c, input, options) =>
      c.cancelBatchRfqs(input, options)
    )
).pipe(Command.withDescription(`Cancel many RFQs.${example("okx-rfq cancel-batch-rfqs --rfq-id 1 --rfq-id 2")}`))

const cancelAllRfqs = Command.make("cancel-all-rfqs", common, (o) => runCall(o, (c) => c.cancelAllRfqs)).pipe(
  Command.withDescription(`Cancel every active RFQ.${example("okx-rfq cancel-all-rfqs --json")}`)
)

const cancelAllAfter = Command.make(
  "cancel-all-after",
  { ...common, timeout: seconds("timeout", "seconds: 0 disables, else 10-120") },
  (o) =>
    runCall(
      o,
      (c) => c.cancelAllAfter(Duration.seconds(o.timeout)),
      (result) => reportCountdown(o, o.timeout, result),
      countdownStakes
    )
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
      `EXPIRED at ${DateTime.formatIso(s.deadline)}: the venue may be cancelling every quote${s.lastError === undefined ? "" : ` · ${s.lastError}`}`,
    Failed: (s) =>
      `FAILED: the venue refused to arm the countdown; ${s.mayBeArmed ? "an earlier arm went unanswered and may have armed it" : "nothing is armed"} · ${s.error.message}`,
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
      const line = printable(statusLine(status, yield* SteadyTime.forwardMillis))
      yield* tty ? Effect.sync(() => process.stdout.write(`\r\x1b[K${line}`)) : say(line)
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

/** How far `guard`'s shutdown got: cancel-all-quotes succeeded; the disarm was sent. */
interface Progress {
  readonly cancelled: boolean
  readonly disarming: boolean
}

/** The client, recording in `progress` how far the shutdown got (the switch calls these two only to shut down). */
const tracking = (client: RfqCancelClient.Service, progress: Ref.Ref<Progress>): RfqCancelClient.Service => ({
  ...client,
  cancelAllQuotes: Effect.tap(client.cancelAllQuotes, () => Ref.update(progress, (p) => ({ ...p, cancelled: true }))),
  disarm: Effect.zipRight(
    Ref.update(progress, (p) => ({ ...p, disarming: true })),
    client.disarm
  )
})

const deadlineOf = (status: DeadMansSwitch.Status): DateTime.Utc | undefined =>
  status._tag === "Armed" || status._tag === "AtRisk" || status._tag === "Expired" ? status.deadline : undefined

/**
 * Where the countdown stands by the switch's last status (the re-arms have stopped): armed until its deadline, lapsed,
 * or never acknowledged. `disarming`: a disarm was sent, and may have reached the venue.
 */
const countdownNote = (
  status: DeadMansSwitch.Status,
  now: number,
  disarming: boolean,
  /** The disarm failed after it may have reached the venue (its answer lost): the AtRisk is its doing. */
  disarmUnknown = false
): string => {
  if (status._tag === "Disarmed") return "the countdown is disabled"
  const deadline = deadlineOf(status)
  if (deadline === undefined) {
    return status._tag === "AtRisk"
      ? `the venue acknowledged no arm of the countdown from this run as asked, but one may be armed (${status.lastError})`
      : "the venue acknowledged no arm of the countdown from this run"
  }
  const at = DateTime.formatIso(deadline)
  const left = DateTime.toEpochMillis(deadline) - now
  if (left <= 0) return `the countdown lapsed at ${at}: the venue may be cancelling every quote`
  return disarmUnknown
    ? `the countdown may be disabled, or still armed: then it lapses at ${at} (in ${(left / 1000).toFixed(1)} s, by the last acknowledgement) and the venue cancels every quote`
    : `${disarming ? "unless the disarm reached the venue, " : ""}the countdown is still armed: it lapses at ${at} (in ${(left / 1000).toFixed(1)} s, by the last acknowledgement) and the venue then cancels every quote${status._tag === "AtRisk" ? `; a re-arm left unanswered since may have moved it later (${status.lastError})` : ""}`
}

const shutdownPlans: Record<DeadMansSwitch.ShutdownPolicy, string> = {
  "cancel-then-disarm": "cancel-all-quotes, then disable the countdown",
  "disarm-only": "disable the countdown, leave the quotes",
  "leave-armed": "leave the countdown armed"
}

/** What the shutdown is doing now. */
const inFlight = (policy: DeadMansSwitch.ShutdownPolicy, progress: Progress) =>
  policy === "cancel-then-disarm" && progress.cancelled
    ? "every quote cancelled; disabling the countdown"
    : shutdownPlans[policy]

/** What an abandoned shutdown left undone. */
const leftUndone = (policy: DeadMansSwitch.ShutdownPolicy, progress: Progress, countdown: string) =>
  policy === "cancel-then-disarm" && !progress.cancelled
    ? `cancel-all-quotes did not complete: quotes may still be live; ${countdown}`
    : policy === "leave-armed"
      ? countdown
      : `${progress.cancelled ? "every quote was cancelled, but " : ""}the disarm did not complete; ${countdown}`

/** The code `guard` exits with when a signal abandons its shutdown. */
const abandonedCode = 3

/**
 * The SIGINT/SIGTERM signals the process gets while the scope lives. `NodeRuntime.runMain` interrupts the program on
 * the first and then removes its listeners; without this one, Node's default (exit at once, 130 for SIGINT) would
 * end `guard`'s shutdown silently on the second.
 */
const listenToSignals = Effect.gen(function* () {
  const signals = yield* Queue.unbounded<NodeJS.Signals>()
  const onSignal = (signal: NodeJS.Signals) => {
    Queue.unsafeOffer(signals, signal)
  }
  yield* Effect.acquireRelease(
    Effect.sync(() => {
      process.on("SIGINT", onSignal)
      process.on("SIGTERM", onSignal)
    }),
    () =>
      Effect.sync(() => {
        process.off("SIGINT", onSignal)
        process.off("SIGTERM", onSignal)
      })
  )
  return signals
})

/**
 * A status as JSON: its fields, durations in milliseconds (`Duration`'s own `toJSON` runs before `jsonReplacer`
 * sees it), its error's as `errorJson` gives them.
 */
const statusJson = (status: DeadMansSwitch.Status): unknown =>
  Object.fromEntries(
    Object.entries(status).map(([key, value]) => [
      key,
      Duration.isDuration(value)
        ? Duration.toMillis(value)
        : key === "error" && value instanceof Error
          ? errorJson(value)
          : value
    ])
  )

const guard = Command.make(
  "guard",
  {
    ...common,
    timeout: seconds("timeout", "the countdown in seconds, 10-120"),
    interval: decimalSeconds(
      "interval",
      "re-arm every N seconds, to the millisecond (at least 1.5, below half the timeout; default: the smaller of timeout / 4 and 3)"
    ).pipe(Options.optional),
    onExit: Options.choice("on-exit", DeadMansSwitch.shutdownPolicies).pipe(
      Options.withDefault("cancel-then-disarm" as const),
      Options.withDescription("what to do on SIGINT/SIGTERM (default cancel-then-disarm)")
    )
  },
  (o) =>
    // SIGINT/SIGTERM interrupt only the status display (`restore`): the shutdown then runs here, before the scope
    // closes, so that its outcome sets the exit code. A signal during the shutdown is answered on stderr; the next
    // one abandons it (exit 3), saying what was left undone.
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        const signals = yield* listenToSignals
        const progress = yield* Ref.make<Progress>({ cancelled: false, disarming: false })
        const client = yield* RfqCancelClient.RfqCancelClient
        const dms = yield* DeadMansSwitch.makeWith(tracking(client, progress), {
          timeout: Duration.seconds(o.timeout),
          interval: Option.getOrUndefined(o.interval),
          onExit: o.onExit
        })
        const now = SteadyTime.forwardMillis
        const countdown = (disarmUnknown = false) =>
          Effect.gen(function* () {
            return countdownNote(yield* dms.status, yield* now, (yield* Ref.get(progress)).disarming, disarmUnknown)
          })
        yield* say(
          `guarding: timeout ${o.timeout} s, re-arm every ${Duration.format(dms.settings.interval)}, on exit ${o.onExit} (Ctrl-C to stop)`
        )
        const watched = yield* Effect.exit(restore(watchStatus(dms)))
        yield* say(`shutting down: ${shutdownPlans[o.onExit]}…`)
        // the signal that stopped the display (if one did) is not one during the shutdown
        yield* Queue.takeAll(signals)
        yield* Effect.gen(function* () {
          yield* Queue.take(signals)
          yield* warn(
            `shutdown in progress: ${inFlight(o.onExit, yield* Ref.get(progress))}; another SIGINT/SIGTERM (Ctrl-C) abandons it and exits ${abandonedCode}`
          )
          yield* Queue.take(signals)
          const message = `shutdown abandoned: ${leftUndone(o.onExit, yield* Ref.get(progress), yield* countdown())}`
          yield* warn(message)
          if (o.json) yield* say(JSON.stringify({ error: { _tag: "ShutdownAbandoned", message } }))
          return yield* Effect.sync(() => process.exit(abandonedCode))
        }).pipe(Effect.interruptible, Effect.forkScoped)
        const shutdown = yield* Effect.either(dms.shutdown)
        // a signal may interrupt this fiber at any point; a failure is then dropped on its way out (only defects
        // and the interruption stay in its cause): the exit code travels as a defect (bin/okx-rfq.ts reads both)
        const refused = Exit.isFailure(watched) ? Cause.failureOption(watched.cause) : Option.none()
        if (Option.isSome(refused)) {
          return yield* Effect.orDie(failWith(o, refused.value, Either.isLeft(shutdown) ? [shutdown.left.message] : []))
        }
        if (Either.isLeft(shutdown)) {
          // a disarm answered with a countdown: the venue's own answer (in the error) says when it lapses, not the
          // switch's last acknowledgement
          const note =
            shutdown.left.cause._tag === "CountdownMismatch"
              ? "the venue answered the disarm with a countdown still armed (above): it cancels every quote when that one lapses"
              : yield* countdown(shutdown.left.step === "disarm" && mayHaveActed(shutdown.left.cause))
          return yield* Effect.orDie(failWith(o, shutdown.left, [note]))
        }
        if (Exit.isFailure(watched) && !Cause.isInterruptedOnly(watched.cause)) {
          return yield* Effect.failCause(watched.cause)
        }
        const status = yield* dms.status
        yield* say(
          `shutdown complete: ${
            o.onExit === "cancel-then-disarm"
              ? "every quote cancelled, then the countdown disabled"
              : o.onExit === "disarm-only"
                ? "the countdown disabled, the quotes left alone"
                : `nothing sent (leave-armed); ${yield* countdown()}`
          }`
        )
        if (o.json) {
          yield* say(
            JSON.stringify({ shutdown: "completed", policy: o.onExit, status: statusJson(status) }, jsonReplacer)
          )
        }
      })
    ).pipe(
      // the switch's own check of --timeout and --interval (its `msg` starts with the field): named as the flag
      Effect.catchTag("InvalidRequest", (error) =>
        failWith(
          o,
          error,
          [],
          error.field === "timeout" || error.field === "interval" ? `--${error.msg}` : error.message
        )
      ),
      Effect.scoped,
      Effect.provide(clientLayer(o)),
      exitOnConfigError(o)
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
  Command.withDescription(
    "Cancel quotes safely on OKX's block-trading (RFQ) venue. Anywhere on the command line, --log-level LEVEL (or OKX_LOG_LEVEL) sets the minimum log level: all, trace, debug, info (the default), warning, error, fatal or none."
  ),
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
      return yield* usageError(
        `--log-level (or OKX_LOG_LEVEL) must be one of ${logLevelNames.join(", ")}, got ${JSON.stringify(name)}`
      )
    }
    return { rest, level }
  })

const idFlags = ["--quote-id", "--cl-quote-id", "--rfq-id", "--cl-rfq-id"]

/**
 * Rejects an id flag without a value, an empty id, or one with white space around it, before @effect/cli sees them:
 * a repeated option silently drops a missing or empty value and trims the others, so `--rfq-id ""` in a batch would
 * cancel fewer ids than given. A value that is a flag (`--quote-id --json`) is a missing value too: @effect/cli
 * would take `--json` as the id and send it (no id of OKX's starts with "-").
 */
const checkIds = (args: ReadonlyArray<string>) => {
  const at = args.findIndex((arg, i) => {
    if (!idFlags.includes(arg)) return false
    const value = args[i + 1]
    return value === undefined || value === "" || value !== value.trim() || value.startsWith("-")
  })
  if (at < 0) return Effect.void
  const value = args[at + 1]
  return usageError(
    value === undefined
      ? `${args[at]} needs a value`
      : value.startsWith("-")
        ? `${args[at]} needs a value, got the flag ${JSON.stringify(value)}`
        : `${args[at]} must be a non-empty id without surrounding white space, got ${JSON.stringify(value)}`
  )
}

/** Flags that take no value (the program's and @effect/cli's built-in ones). */
const valuelessFlags = ["--json", "--demo", "--help", "-h", "--version", "--wizard"]

/** The values @effect/cli accepts after a boolean flag. */
const booleanWords = ["true", "1", "y", "yes", "on", "false", "0", "n", "no", "off"]

/**
 * Rejects an argument that is neither the command's name, a flag, nor a flag's value, without showing it:
 * @effect/cli would echo it ("Received unknown argument: '…'"), and a value typed without its flag
 * (`--api-key KEY SECRET`) is often a secret that would then sit in a terminal's scrollback or a CI log. Flag names
 * are matched without regard to case, as @effect/cli does; everything after `--` is an argument of its own.
 */
const checkStray = (args: ReadonlyArray<string>) => {
  const stray = (i: number) =>
    usageError(
      `unexpected argument at position ${i - 1} (not shown, in case it is a secret): every flag takes one value, as in --quote-id 123`
    )
  let command = false
  // process.argv: the node executable and the script come first
  for (let i = 2; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") return i + 1 < args.length ? stray(i + 1) : Effect.void
    if (arg.startsWith("-")) {
      // a flag's value is the next argument, unless written as --flag=value or the flag takes none (a boolean flag
      // may still be given a value such as true or no)
      const next = args[i + 1]?.toLowerCase()
      const valueless = valuelessFlags.includes(arg.toLowerCase())
      if (!arg.includes("=") && (!valueless || (next !== undefined && booleanWords.includes(next)))) i++
    } else if (!command) {
      command = true
    } else {
      return stray(i)
    }
  }
  return Effect.void
}

/**
 * A usage error found before @effect/cli parses the arguments: printed as @effect/cli prints its own (on stderr), and
 * failed with the same `ValidationError`, so that `run` reports both alike and the program exits 2.
 */
const usageError = (message: string): Effect.Effect<never, ValidationError.ValidationError> =>
  Effect.zipRight(warn(`error: ${message}`), Effect.fail(ValidationError.invalidValue(HelpDoc.p(message))))

/** A usage error's words, as @effect/cli printed them, without terminal colours. */
const usageMessage = (error: ValidationError.ValidationError): string =>
  stripVTControlCharacters(HelpDoc.toAnsiText(error.error)).trim()

/**
 * Sends Effect's logs to stderr (stdout carries the results, the status lines and `--json`), formatted as
 * `NodeRuntime.runMain` formats them on stdout (which replaces the default logger with its pretty one).
 */
const logToStderr = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const stderr = Logger.prettyLogger({ stderr: true, colors: process.stderr.isTTY === true }).pipe(
      Logger.mapInputOptions((options) => ({
        ...options,
        message: printableLog(options.message),
        annotations: HashMap.map(options.annotations, printableLog)
      }))
    )
    return Effect.locallyWith(self, FiberRef.currentLoggers, (loggers) =>
      loggers.pipe(
        HashSet.remove(Logger.defaultLogger),
        HashSet.remove(Logger.prettyLoggerDefault),
        HashSet.add(stderr)
      )
    )
  })

/** @internal */
export const run = (args: ReadonlyArray<string>): Effect.Effect<void, unknown, CliApp.CliApp.Environment> =>
  Effect.flatMap(takeLogLevel(args), ({ level, rest }) =>
    Effect.zipRight(
      Effect.zipRight(checkIds(rest), checkStray(args)),
      level === undefined ? cli(rest) : cli(rest).pipe(Logger.withMinimumLogLevel(level))
    )
  ).pipe(
    // with --json a usage error (an unknown flag, a missing or malformed value) is also the last line of stdout
    Effect.tapError((error) =>
      args.includes("--json") && ValidationError.isValidationError(error)
        ? say(JSON.stringify({ error: { _tag: "InvalidArguments", message: usageMessage(error) } }))
        : Effect.void
    ),
    logToStderr
  )
