import { assert, describe, it } from "@effect/vitest"
import { OkxError } from "@okx-rfq/schema"
import { Duration, Effect, FastCheck as fc } from "effect"
import type * as RfqCancelClient from "../../src/RfqCancelClient.js"
import { type Env, inParallel, useSimulator } from "../utils/cliProcess.js"
import { clientOver, makeFakeVenue } from "../utils/fakeVenue.js"

const seed = 20_250_521

// -----------------------------------------------------------------------------
// generated ids
// -----------------------------------------------------------------------------

const venueId = fc.stringMatching(/^[1-9][0-9]{0,18}$/)
const clientId = fc.stringMatching(/^[A-Za-z0-9]{1,32}$/)
const digits = fc.stringMatching(/^[0-9]{0,8}$/)

/** Not a venue id: empty, or holding white space. */
const badVenueId = fc.oneof(
  fc.constant(""),
  fc.tuple(digits, fc.constantFrom(" ", "\t", "\n", "\u00a0", "\u2003"), digits).map(([a, ws, b]) => a + ws + b)
)

/** Not a client id: empty, over 32 characters, or holding anything but ASCII letters and digits. */
const badClientId = fc.oneof(
  fc.constant(""),
  fc.stringMatching(/^[A-Za-z0-9]{33,80}$/),
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9]{1,10}$/),
      fc.constantFrom("-", "_", ".", "!", " ", "é", "#", "/"),
      fc.stringMatching(/^[A-Za-z0-9]{0,10}$/)
    )
    .map(([a, c, b]) => a + c + b)
)

/** A list of distinct valid ids with `bad` inserted somewhere, `bad`, and its index. */
const withBad = <A, B>(valid: fc.Arbitrary<A>, bad: fc.Arbitrary<B>, maxLength: number) =>
  fc.tuple(fc.uniqueArray(valid, { maxLength }), bad, fc.nat()).map(([ids, b, at]): [Array<A | B>, B, number] => {
    const i = at % (ids.length + 1)
    return [[...ids.slice(0, i), b, ...ids.slice(i)], b, i]
  })

/** A list of valid ids with one repeated. */
const withDuplicate = (valid: fc.Arbitrary<string>, minLength: number, maxLength: number) =>
  fc.tuple(fc.uniqueArray(valid, { minLength, maxLength }), fc.nat(), fc.nat()).map(([ids, from, to]) => {
    const at = to % (ids.length + 1)
    return [...ids.slice(0, at), ids[from % ids.length]!, ...ids.slice(at)]
  })

const kinds = {
  quote: { single: "cancel-quote", batch: "cancel-batch-quotes", id: "quote", field: "quoteId", cl: "clQuoteId" },
  rfq: { single: "cancel-rfq", batch: "cancel-batch-rfqs", id: "rfq", field: "rfqId", cl: "clRfqId" }
} as const
type Kind = (typeof kinds)[keyof typeof kinds]

// -----------------------------------------------------------------------------
// the program: exit 2, the field named, nothing sent
// -----------------------------------------------------------------------------

/** One invalid command line: `names` must appear in stderr. */
interface CliCase {
  readonly args: ReadonlyArray<string>
  readonly env?: Env
  readonly names: string
}

/** A case, shown short in a counterexample (a batch line has hundreds of arguments). */
const line = (args: ReadonlyArray<string>, names: string, env?: Env): CliCase => {
  const shown = args.slice(0, 8).map((a) => (/^[\w-]+$/.test(a) ? a : JSON.stringify(a)))
  const more = args.length > 8 ? ` … (${args.length} arguments)` : ""
  const text = `okx-rfq ${shown.join(" ")}${more}${env === undefined ? "" : ` with ${JSON.stringify(env)}`}`
  const c: CliCase = { args, names, ...(env === undefined ? {} : { env }) }
  return Object.assign(c, { [fc.toStringMethod]: () => text, toString: () => text })
}

/**
 * What stderr must name for a bad id given with `flag`: the flag itself for an empty value or one with white space
 * around it (rejected before parsing), else the request field the schema names.
 */
const named = (flag: string, field: string, value: string) => (value === "" || value !== value.trim() ? flag : field)

const repeat = (flag: string, ids: ReadonlyArray<string>) => ids.flatMap((id) => [flag, id])

const cliIdCases = (k: Kind): ReadonlyArray<fc.Arbitrary<CliCase>> => {
  const [id, cl] = [`--${k.id}-id`, `--cl-${k.id}-id`]
  const [ids, cls] = [`${k.field}s`, `${k.cl}s`]
  return [
    fc.constant(line([k.single], k.field)),
    badVenueId.map((bad) => line([k.single, id, bad], named(id, k.field, bad))),
    badClientId.map((bad) => line([k.single, cl, bad], named(cl, k.cl, bad))),
    fc.constant(line([k.batch], ids)),
    withBad(venueId, badVenueId, 5).map(([list, bad]) => line([k.batch, ...repeat(id, list)], named(id, ids, bad))),
    withBad(clientId, badClientId, 5).map(([list, bad]) => line([k.batch, ...repeat(cl, list)], named(cl, cls, bad))),
    withDuplicate(venueId, 1, 130).map((list) => line([k.batch, ...repeat(id, list)], ids)),
    // OKX goes by the venue's ids and would ignore the client ids: giving both is refused, however many
    fc
      .tuple(
        fc.uniqueArray(venueId, { minLength: 1, maxLength: 110 }),
        fc.uniqueArray(clientId, { minLength: 1, maxLength: 110 })
      )
      .map(([a, b]) => line([k.batch, ...repeat(id, a), ...repeat(cl, b)], cls))
  ]
}

/** Text that is not a whole number of seconds. */
const notSeconds = fc.oneof(
  fc.integer({ min: -10_000, max: -1 }).map(String),
  fc
    .double({ min: 0.001, max: 500, noNaN: true })
    .filter((x) => !Number.isInteger(x))
    .map(String),
  fc.stringMatching(/^[a-z]{1,6}$/),
  fc.constantFrom("", " 60", "1e2", "0x10", "+30", "60s")
)
const outOfRange = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 121, max: 1_000_000 }))

/** A valid command line of every command but `demo`. */
const validLines: Readonly<Record<string, ReadonlyArray<string>>> = {
  "cancel-quote": ["--quote-id", "1"],
  "cancel-batch-quotes": ["--cl-quote-id", "a1"],
  "cancel-all-quotes": [],
  "cancel-rfq": ["--rfq-id", "1"],
  "cancel-batch-rfqs": ["--rfq-id", "1", "--rfq-id", "2"],
  "cancel-all-rfqs": ["--json"],
  "cancel-all-after": ["--timeout", "30"],
  guard: ["--timeout", "30"]
}
const knownFlags = new Set(
  ["api-key", "secret-key", "passphrase", "base-url", "demo", "json", "quote-id", "cl-quote-id", "rfq-id"].concat([
    "cl-rfq-id",
    "timeout",
    "interval",
    "on-exit",
    "help",
    "version",
    "wizard",
    "completions",
    "log-level"
  ])
)
const logLevels = ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"]

/** Bad ids, for the four id commands. */
const idLine: fc.Arbitrary<CliCase> = fc.oneof(
  ...cliIdCases(kinds.quote),
  ...cliIdCases(kinds.rfq),
  fc
    .tuple(venueId, badVenueId)
    .map(([quoteId, rfqId]) =>
      line(["cancel-quote", "--quote-id", quoteId, "--rfq-id", rfqId], named("--rfq-id", "rfqId", rfqId))
    ),
  venueId.map((rfqId) => line(["cancel-quote", "--rfq-id", rfqId], "quoteId"))
)

/** Bad countdowns and intervals. */
const secondsLine: fc.Arbitrary<CliCase> = fc.oneof(
  outOfRange.map((s) => line(["cancel-all-after", "--timeout", String(s)], "timeOut")),
  notSeconds.map((s) => line(["cancel-all-after", "--timeout", s], "--timeout")),
  fc.constant(line(["cancel-all-after"], "--timeout")),
  fc.oneof(outOfRange, fc.constant(0)).map((s) => line(["guard", "--timeout", String(s)], "timeout: must be")),
  notSeconds.map((s) => line(["guard", "--timeout", s], "--timeout")),
  // --interval takes decimals to the millisecond (1.5): only other text is malformed
  notSeconds
    .filter((s) => !/^[0-9]+(\.[0-9]{1,3})?$/.test(s))
    .map((s) => line(["guard", "--timeout", "30", "--interval", s], "--interval")),
  // well formed, out of the switch's range (at least 1.5 s, below half of the 30 s timeout)
  fc
    .oneof(fc.integer({ min: 0, max: 1499 }), fc.integer({ min: 15_000, max: 1_000_000 }))
    .map((ms) => line(["guard", "--timeout", "30", "--interval", (ms / 1000).toFixed(3)], "--interval: must be"))
)

/** Unknown flags and commands, a value missing. */
const usageLine: fc.Arbitrary<CliCase> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...Object.keys(validLines)), fc.stringMatching(/^[a-z][a-z-]{1,12}$/))
    .filter(([, flag]) => !knownFlags.has(flag))
    .map(([command, flag]) => line([command, ...validLines[command]!, `--${flag}`], `--${flag}`)),
  fc
    .stringMatching(/^[a-z][a-z-]{2,15}$/)
    .filter((command) => validLines[command] === undefined && command !== "demo")
    .map((command) => line([command], "subcommand")),
  fc
    .constantFrom(
      ["cancel-quote", "--quote-id"],
      ["cancel-batch-quotes", "--cl-quote-id"],
      ["cancel-rfq", "--rfq-id"],
      ["cancel-batch-rfqs", "--rfq-id", "1", "--cl-rfq-id"],
      ["cancel-all-after", "--timeout"],
      ["cancel-all-quotes", "--base-url"]
    )
    .map((args) => line(args, args.at(-1)!))
)

/** Bad settings: credentials, base URL, log level. */
const settingsLine: fc.Arbitrary<CliCase> = fc.oneof(
  fc
    .tuple(fc.constantFrom("api-key", "secret-key", "passphrase"), fc.constantFrom("", " ", "\t \n"))
    .map(([flag, value]) => line(["cancel-all-quotes", `--${flag}`, value], `--${flag}`)),
  fc
    .tuple(fc.constantFrom("OKX_API_KEY", "OKX_SECRET_KEY", "OKX_PASSPHRASE"), fc.constantFrom(undefined, "", "  "))
    .map(([name, value]) => line(["cancel-all-rfqs"], name, { [name]: value })),
  fc
    .constantFrom(
      "",
      "okx.com",
      "www.okx.com:443",
      "ftp://www.okx.com",
      "://",
      "http//x",
      "https://www.okx.com?x=1",
      "https://www.okx.com?",
      "https://www.okx.com#",
      // a stray space from an env file: the URL parser would drop it, the server time's URL would not
      "https://www.okx.com ",
      " https://www.okx.com",
      "https://www.okx.com/api v5"
    )
    .map((url) => line(["cancel-all-quotes", "--base-url", url], "--base-url")),
  fc
    .stringMatching(/^[a-z]{2,8}$/)
    .filter((level) => !logLevels.includes(level))
    .map((level) => line(["cancel-all-quotes", "--log-level", level], "--log-level"))
)

/** One property run: five processes, at least one of each kind. */
const cliRun = fc.tuple(idLine, idLine, secondsLine, usageLine, settingsLine)

describe("bad input to okx-rfq (generated; real processes against the simulator)", () => {
  const account = {
    apiKey: "bad-input-key",
    secretKey: "bad-input-secret",
    passphrase: "bad-input-pass",
    userId: "5005"
  }
  const { requestCount, run } = useSimulator({ accounts: [account] })

  it("exits 2, names the field on stderr, and the venue sees no request at all (not even the server time)", async () => {
    const seen: Array<string> = []
    await fc.assert(
      fc.asyncProperty(cliRun, async (cases) => {
        const results = await inParallel(cases.map((c) => () => run(c.args, c.env)))
        cases.forEach((c, i) => {
          const label = String(c)
          seen.push(label)
          assert.strictEqual(results[i]!.code, 2, `${label}: ${results[i]!.stderr}`)
          assert.include(results[i]!.stderr, c.names, label)
          assert.strictEqual(results[i]!.stdout.trim(), "", label)
        })
        assert.strictEqual(await requestCount(), 0, `the venue saw a request after ${cases.length} invalid runs`)
      }),
      { seed, numRuns: 4, endOnFailure: true }
    )
    assert.lengthOf(seen, 20)
  }, 120_000)

  it("with --json a bad setting is also the last line of stdout, in its own words", async () => {
    const result = await run(["cancel-all-quotes", "--base-url", "ftp://x", "--json"])
    assert.strictEqual(result.code, 2, result.stderr)
    assert.include(result.stderr, "error: --base-url (or OKX_BASE_URL) must be an http(s) URL")
    assert.notInclude(result.stderr, "Invalid data")
    assert.deepStrictEqual(JSON.parse(result.stdout.trim().split("\n").at(-1)!).error._tag, "InvalidConfiguration")
  })

  it("with --json a usage error is also the last line of stdout, naming the flag", async () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [["cancel-quote", "--quote-id", "1", "--bogus"], "--bogus"],
      [["cancel-all-after", "--timeout"], "--timeout"],
      [["cancel-all-after", "--timeout", "ten"], "--timeout"],
      [["guard", "--timeout", "30", "--interval", "1e3"], "--interval"],
      [["cancel-batch-rfqs", "--rfq-id", ""], "--rfq-id"],
      // the value left out before another flag: that flag is not taken as the id (and sent)
      [["cancel-quote", "--quote-id"], "--quote-id"],
      [["cancel-batch-quotes", "--quote-id", "1", "--quote-id"], "--quote-id"],
      [["cancel-all-quotes", "--log-level", "loud"], "--log-level"]
    ]
    const results = await inParallel(
      cases.map(
        ([args]) =>
          () =>
            run([...args, "--json"])
      )
    )
    cases.forEach(([args, flag], i) => {
      const result = results[i]!
      assert.strictEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`)
      assert.include(result.stderr, flag, args.join(" "))
      const error = JSON.parse(result.stdout.trim().split("\n").at(-1)!).error
      assert.strictEqual(error._tag, "InvalidArguments", args.join(" "))
      assert.include(error.message, flag, args.join(" "))
    })
    assert.strictEqual(await requestCount(), 0)
  })

  it("a stray argument (a value typed without its flag) is refused by position, never shown", async () => {
    const secret = "Str4ySecretValue"
    const lines = [
      ["cancel-all-quotes", "--api-key", "k", secret],
      ["cancel-all-quotes", secret, "--json"],
      ["cancel-batch-quotes", "--quote-id", "1", "2", "--json"],
      ["guard", "--timeout", "30", secret],
      ["cancel-quote", "--quote-id=1", "--", secret],
      // counted on the command line as typed, --log-level included
      ["--log-level", "debug", "cancel-quote", "--quote-id", "1", secret],
      // a password in the base URL is masked
      ["cancel-all-quotes", "--base-url", `https://user:${secret}@www.okx.com`]
    ]
    const results = await inParallel(lines.map((args) => () => run(args)))
    results.forEach((result, i) => {
      const label = lines[i]!.join(" ")
      assert.strictEqual(result.code, 2, `${label}: ${result.stderr}`)
      assert.include(result.stderr, label.includes("base-url") ? "--base-url" : "unexpected argument", label)
      assert.notInclude(result.stderr + result.stdout, secret, label)
    })
    assert.include(results[5]!.stderr, "position 6")
    const json = JSON.parse(results[1]!.stdout.trim().split("\n").at(-1)!).error
    assert.deepStrictEqual([json._tag, json.message.includes("position 2")], ["InvalidArguments", true])
    assert.strictEqual(await requestCount(), 0)
  })

  it("control: a valid command line through the same simulator is seen by the venue", async () => {
    const result = await run(["cancel-rfq", "--rfq-id", "1"])
    assert.strictEqual(result.code, 1, result.stderr)
    assert.isAbove(await requestCount(), 0)
    // what @effect/cli accepts is not refused as a stray argument: a word after a boolean flag, a flag in capitals
    const before = await requestCount()
    const spelled = await run(["cancel-rfq", "--rfq-id", "1", "--demo", "no", "--JSON"])
    assert.strictEqual(spelled.code, 1, spelled.stderr)
    assert.isAbove(await requestCount(), before)
  })
})

// -----------------------------------------------------------------------------
// the library: a typed InvalidRequest naming the field, nothing on the wire
// -----------------------------------------------------------------------------

/** One invalid call of a client method; `field` must be the error's field. */
interface LibCase {
  readonly method: string
  readonly input: unknown
  readonly field: string
  /** What the message must also name, where more than the field: a bad id's index in the caller's list. */
  readonly names?: string
}

/** Values a JavaScript caller might pass where a string id belongs. */
const notAString = fc.constantFrom<unknown>(42, null, true, {}, [], ["1"])

const libIdCases = (k: Kind): ReadonlyArray<fc.Arbitrary<LibCase>> => {
  const single = k.single === "cancel-quote" ? "cancelQuote" : "cancelRfq"
  const batch = k.single === "cancel-quote" ? "cancelBatchQuotes" : "cancelBatchRfqs"
  const ids = `${k.field}s`
  const cls = `${k.cl}s`
  return [
    fc
      .constantFrom({}, { [k.field]: undefined }, { [k.cl]: undefined })
      .map((input) => ({ method: single, input, field: k.field })),
    fc.oneof(badVenueId, notAString).map((id) => ({ method: single, input: { [k.field]: id }, field: k.field })),
    fc.oneof(badClientId, notAString).map((id) => ({ method: single, input: { [k.cl]: id }, field: k.cl })),
    fc
      .tuple(venueId, fc.oneof(badClientId, notAString))
      .map(([id, cl]) => ({ method: single, input: { [k.field]: id, [k.cl]: cl }, field: k.cl })),
    fc
      .constantFrom({}, { [ids]: undefined }, { [cls]: undefined })
      .map((input) => ({ method: batch, input, field: ids })),
    fc
      .tuple(fc.constant([]), fc.option(fc.uniqueArray(clientId, { minLength: 1, maxLength: 3 }), { nil: undefined }))
      .map(([empty, other]) => ({ method: batch, input: { [ids]: empty, [cls]: other }, field: ids })),
    // past the first 100 ids the list is sent in several requests; the index is still the caller's
    withBad(venueId, fc.oneof(badVenueId, notAString), 250).map(([list, , at]) => ({
      method: batch,
      input: { [ids]: list },
      field: ids,
      names: `${ids}[${at}]`
    })),
    withBad(clientId, badClientId, 250).map(([list, , at]) => ({
      method: batch,
      input: { [cls]: list },
      field: cls,
      names: `${cls}[${at}]`
    })),
    withDuplicate(venueId, 1, 250).map((list) => ({ method: batch, input: { [ids]: list }, field: ids })),
    withDuplicate(clientId, 1, 250).map((list) => ({ method: batch, input: { [cls]: list }, field: cls })),
    fc
      .tuple(
        fc.uniqueArray(venueId, { minLength: 1, maxLength: 150 }),
        fc.uniqueArray(clientId, { minLength: 1, maxLength: 150 })
      )
      .map(([a, b]) => ({ method: batch, input: { [ids]: a, [cls]: b }, field: cls }))
  ]
}

/** Countdowns the venue does not accept: not 0 and not a whole number of seconds in [10, 120]. */
const badTimeout = fc.oneof(
  outOfRange.map((s) => Duration.seconds(s)),
  fc
    .integer({ min: 1, max: 200_000 })
    .filter((ms) => ms % 1000 !== 0)
    .map((ms) => Duration.millis(ms)),
  fc
    .bigInt({ min: 1n, max: 130_000_000_000n })
    .filter((ns) => ns % 1_000_000_000n !== 0n)
    .map((ns) => Duration.nanos(ns)),
  fc.constant(Duration.infinity)
)

const libCase: fc.Arbitrary<LibCase> = fc.oneof(
  ...libIdCases(kinds.quote),
  ...libIdCases(kinds.rfq),
  fc
    .tuple(venueId, fc.oneof(badVenueId, notAString))
    .map(([quoteId, rfqId]) => ({ method: "cancelQuote", input: { quoteId, rfqId }, field: "rfqId" })),
  badTimeout.map((timeout) => ({ method: "cancelAllAfter", input: timeout, field: "timeOut" })),
  badTimeout.map((timeout) => ({ method: "cancelAllAfterOnce", input: timeout, field: "timeOut" })),
  // a JavaScript caller's request that is not an object at all, or a countdown that is not a duration
  fc
    .tuple(
      fc.constantFrom("cancelQuote", "cancelBatchQuotes", "cancelRfq", "cancelBatchRfqs"),
      fc.constantFrom<unknown>(undefined, null, 42, "1", [], ["1"], true)
    )
    .map(([method, input]) => ({ method, input, field: "request" })),
  fc
    .tuple(
      fc.constantFrom("cancelAllAfter", "cancelAllAfterOnce"),
      fc.constantFrom<unknown>(undefined, null, [], {}, "", "soon", true)
    )
    .map(([method, input]) => ({ method, input, field: "timeOut" }))
)

const invoke = (client: RfqCancelClient.Service, c: LibCase): Effect.Effect<unknown, unknown> => {
  const input = c.input as never
  switch (c.method) {
    case "cancelQuote":
      return client.cancelQuote(input)
    case "cancelBatchQuotes":
      return client.cancelBatchQuotes(input)
    case "cancelRfq":
      return client.cancelRfq(input)
    case "cancelBatchRfqs":
      return client.cancelBatchRfqs(input)
    case "cancelAllAfter":
      return client.cancelAllAfter(input)
    default:
      return client.cancelAllAfterOnce(input)
  }
}

describe("bad input to RfqCancelClient (generated)", () => {
  it.effect.prop(
    "every method fails with InvalidRequest naming the field, and nothing reaches the transport",
    [libCase],
    ([c]) =>
      Effect.scoped(
        Effect.gen(function* () {
          const venue = yield* makeFakeVenue
          const { client } = yield* clientOver(venue)
          const error = yield* Effect.flip(invoke(client, c))
          const label = `${c.method}(${String(JSON.stringify(c.input))?.slice(0, 200)})`
          assert.instanceOf(error, OkxError.InvalidRequest, label)
          if (error instanceof OkxError.InvalidRequest) {
            assert.isUndefined(error.code, label)
            assert.strictEqual(error.field, c.field, `${label}: ${error.message}`)
            assert.include(error.message, c.names ?? c.field, label)
          }
          assert.deepStrictEqual(yield* venue.paths, [], label)
        })
      ),
    { fastCheck: { seed, numRuns: 400 } }
  )
})
