import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import type { OkxError } from "@okx-rfq/schema"
import { OkxCredentials } from "@okx-rfq/signing"
import { OkxSimulator } from "@okx-rfq/simulator"
import {
  Cause,
  Context,
  Data,
  Effect,
  Exit,
  HashMap,
  Layer,
  List,
  Logger,
  LogLevel,
  Option,
  Redacted,
  type Scope,
  Tracer
} from "effect"
import { inspect } from "node:util"
import * as RfqCancelClient from "../../src/RfqCancelClient.js"
import * as UndiciHttpClient from "../../src/UndiciHttpClient.js"
import { finish, inParallel, useSimulator, waitFor } from "../utils/cliProcess.js"

// Distinctive secrets; the test looks for their middle parts, so a truncated or re-cased copy is caught as well.
const wrongSecret = "SeCrEt-9f4e1c2b-wrong"
const passphrase = "PaSs-7d3a0b91-phrase"
const venueSecret = "VeNuE-5c2e8f7a-secret"
const cores = ["9f4e1c2b", "7d3a0b91", "5c2e8f7a"]
const account = { apiKey: "secrets-key", secretKey: venueSecret, passphrase, userId: "6006" }

/** The first secret found in `text` (case-insensitive), if any. */
const leaked = (text: string) => cores.find((core) => text.toLowerCase().includes(core))

const assertNoSecret = (text: string, label: string) => {
  assert.isAbove(text.length, 0, `${label}: nothing captured`)
  const found = leaked(text)
  const at = found === undefined ? 0 : text.toLowerCase().indexOf(found)
  assert.isUndefined(
    found,
    `${label}: a secret (…${found}…) was printed:\n${text.slice(Math.max(0, at - 1500), at + 300)}`
  )
}

const show = (value: unknown) => inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true })

describe("okx-rfq with a wrong secret and debug logging (real processes)", () => {
  const { run, start, state } = useSimulator({ accounts: [account] })
  const wrong = { OKX_SECRET_KEY: wrongSecret }

  it("every one-shot command: refused with 50113, exit 1, the debug logs shown, no secret printed", async () => {
    // half pass the secrets as flags with --log-level at the end, half in the environment with OKX_LOG_LEVEL
    const lines = [
      ["cancel-quote", "--quote-id", "1"],
      ["cancel-batch-quotes", "--cl-quote-id", "c1", "--cl-quote-id", "c2", "--json"],
      ["cancel-all-quotes", "--json"],
      ["cancel-rfq", "--cl-rfq-id", "r1"],
      ["cancel-batch-rfqs", "--rfq-id", "1", "--rfq-id", "2", "--json"],
      ["cancel-all-rfqs"],
      ["cancel-all-after", "--timeout", "30", "--json"]
    ]
    const results = await inParallel(
      lines.map(
        (args, i) => () =>
          i % 2 === 0
            ? run([...args, "--secret-key", wrongSecret, "--passphrase", passphrase, "--log-level", "all"], {
                OKX_SECRET_KEY: undefined,
                OKX_PASSPHRASE: undefined
              })
            : run(args, { ...wrong, OKX_LOG_LEVEL: "debug" })
      )
    )
    lines.forEach((args, i) => {
      const result = results[i]!
      const output = result.stdout + result.stderr
      assert.strictEqual(result.code, 1, `${args[0]}: ${output}`)
      assert.include(output, "code=50113", args[0])
      assert.include(output, "DEBUG", `${args[0]}: debug logging is off`)
      assert.include(output, "server time synced", args[0])
      assertNoSecret(output, args[0]!)
    })
  })

  it("guard: the failed re-arms and the failed shutdown are logged, no secret printed", async () => {
    const before = (await state()).requests.length
    const child = start(["guard", "--timeout", "10", "--log-level", "debug"], wrong)
    const done = finish(child)
    const refused = async () =>
      (await state()).requests
        .slice(before)
        .some((r) => r.path === "/api/v5/rfq/cancel-all-after" && r.code === "50113")
    assert.isTrue(await waitFor(refused))
    child.kill("SIGTERM")
    const result = await done
    const output = result.stdout + result.stderr
    assert.include(output, "re-arming the countdown failed")
    assert.include(output, "code=50113")
    assert.include(output, "shutdown: cancel-all-quotes failed")
    assertNoSecret(output, "guard")
    // the exit code is not asserted: the guard exits 0 after SIGTERM even though its shutdown failed (reported)
  })
})

// -----------------------------------------------------------------------------
// the library: every log line and every span, at every level, with tracing on
// -----------------------------------------------------------------------------

/** A span that keeps everything it is told. */
class CapturedSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId: string
  readonly traceId: string
  readonly sampled = true
  readonly attributes = new Map<string, unknown>()
  readonly events: Array<{ readonly name: string; readonly attributes: Record<string, unknown> | undefined }> = []
  readonly links: Array<Tracer.SpanLink>
  status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind,
    id: number
  ) {
    this.spanId = `span${id}`
    this.traceId = Option.match(parent, { onNone: () => `trace${id}`, onSome: (p) => p.traceId })
    this.links = [...links]
    this.status = { _tag: "Started", startTime }
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute(key: string, value: unknown) {
    this.attributes.set(key, value)
  }
  event(name: string, _startTime: bigint, attributes?: Record<string, unknown>) {
    this.events.push({ name, attributes })
  }
  addLinks(links: ReadonlyArray<Tracer.SpanLink>) {
    this.links.push(...links)
  }
  /**
   * What a tracer exports: name, kind, attributes, events, links, and for a failure its cause (a success's value is
   * not exported; a successful HTTP span's value is the response, whose request holds the raw headers).
   */
  render() {
    const exit = this.status._tag === "Ended" ? this.status.exit : undefined
    const failure = exit !== undefined && Exit.isFailure(exit) ? exit.cause : undefined
    return [
      `${this.name} (${this.kind})`,
      show(Object.fromEntries(this.attributes)),
      show(this.events),
      show(this.links.map((link) => link.attributes)),
      failure === undefined ? "" : `${show(failure)}\n${Cause.pretty(failure)}`
    ].join("\n")
  }
}

/** Captures every log entry (at every level) and every span in the effect, as the standard formatters print them. */
const capturing = <A, E, R>(self: Effect.Effect<A, E, R>) => {
  const logs: Array<string> = []
  const spans: Array<CapturedSpan> = []
  const logger = Logger.make<unknown, void>((entry) => {
    logs.push(
      [
        Logger.stringLogger.log(entry),
        Logger.logfmtLogger.log(entry),
        Logger.jsonLogger.log(entry),
        show(Logger.structuredLogger.log(entry)),
        show(entry.message),
        show(HashMap.toEntries(entry.annotations)),
        show(List.toArray(entry.spans)),
        Cause.pretty(entry.cause)
      ].join("\n")
    )
  })
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const span = new CapturedSpan(name, parent, context, links, startTime, kind, spans.length + 1)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  const run = self.pipe(
    Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
    Logger.withMinimumLogLevel(LogLevel.All),
    Effect.withTracer(tracer),
    Effect.withTracerEnabled(true)
  )
  return { run, logs, spans }
}

/** The real client over real sockets to the simulator, its server time synced there (which logs at debug). */
const clientFor = (
  sim: OkxSimulator.Service,
  secretKey: string,
  extra: Partial<RfqCancelClient.Options> & Record<string, unknown> = {}
): Effect.Effect<RfqCancelClient.Service, OkxError.InvalidRequest, Scope.Scope> => {
  const options = {
    baseUrl: sim.url,
    credentials: { apiKey: account.apiKey, secretKey, passphrase },
    serverTime: { samples: 2, initialSync: "lazy" as const },
    ...extra
  }
  return Effect.map(
    Layer.build(RfqCancelClient.layer(options).pipe(Layer.provide(NodeHttpClient.layerUndici))),
    Context.get(RfqCancelClient.RfqCancelClient)
  )
}

/** Every way an error is commonly printed. */
const renderError = (error: unknown) =>
  [String(error), JSON.stringify(error), show(error), Cause.pretty(Cause.fail(error))].join("\n")

describe("RfqCancelClient with a wrong secret: logs, spans and errors (tracing on, every log level)", () => {
  it.scopedLive("every method is refused with 50113, and no secret is in any log line, span or error", () =>
    Effect.gen(function* () {
      const canary = "canary-0a1b2c3d"
      // the venue runs outside the capture: its own server spans show the headers it received
      const sim = yield* Effect.orDie(OkxSimulator.make({ accounts: [account] }))
      const { logs, run, spans } = capturing(
        Effect.gen(function* () {
          // HTTP spans: on by default in the platform client, and asked for explicitly where they are opt-in
          const client = yield* clientFor(sim, wrongSecret, { httpSpans: true })
          const ids = Array.from({ length: 150 }, (_, i) => String(i + 1))
          const calls: ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown>]> = [
            ["cancelQuote", client.cancelQuote({ quoteId: "1", rfqId: "2" })],
            ["cancelBatchQuotes", client.cancelBatchQuotes({ clQuoteIds: ["a1", "b2"] })],
            ["cancelBatchQuotes (150 ids, split)", client.cancelBatchQuotes({ quoteIds: ids })],
            ["cancelAllQuotes", client.cancelAllQuotes],
            ["cancelRfq", client.cancelRfq({ clRfqId: "r1" })],
            ["cancelBatchRfqs", client.cancelBatchRfqs({ rfqIds: ["1", "2"] })],
            ["cancelAllRfqs", client.cancelAllRfqs],
            ["cancelAllAfter", client.cancelAllAfter("30 seconds")],
            ["disarm", client.disarm],
            ["cancelAllAfterOnce", client.cancelAllAfterOnce("30 seconds")],
            ["quotes", client.quotes({ state: "active" })]
          ]
          const errors: Array<string> = []
          for (const [name, call] of calls) {
            const exit = yield* Effect.exit(call)
            assert.isTrue(Exit.isFailure(exit), `${name} succeeded with a wrong secret`)
            if (Exit.isFailure(exit)) {
              const error = Cause.squash(exit.cause) as { _tag?: string; code?: string; cause?: { code?: string } }
              const code = error._tag === "BatchIncomplete" ? error.cause?.code : error.code
              assert.strictEqual(code, "50113", `${name}: ${Cause.pretty(exit.cause)}`)
              errors.push(renderError(error))
            }
          }
          // the capture itself: plain text in a log line or a span attribute is seen
          yield* Effect.logTrace("canary", canary).pipe(Effect.withSpan("canary", { attributes: { canary } }))
          return errors
        }).pipe(Effect.scoped)
      )
      const errors = yield* run
      const logText = logs.join("\n")
      const spanText = spans.map((s) => s.render()).join("\n")
      assert.include(logText, canary)
      assert.include(spanText, canary)
      assert.include(logText, "server time synced", "the debug log of the server-time sync")
      for (const name of ["cancelQuote", "cancelBatchQuotes", "cancelAllQuotes", "cancelRfq", "cancelAllAfter"]) {
        assert.isTrue(
          spans.some((s) => s.name === `RfqCancelClient.${name}`),
          `no span for ${name}`
        )
      }
      // the platform's HTTP spans were captured, with the signing headers as attributes, redacted
      const http = spans.filter((s) => s.name.startsWith("http.client"))
      assert.isAbove(http.length, 10)
      for (const span of http.filter((s) => s.attributes.get("url.path") !== "/api/v5/public/time")) {
        assert.strictEqual(span.attributes.get("http.request.header.ok-access-passphrase"), "<redacted>")
        assert.strictEqual(span.attributes.get("http.request.header.ok-access-sign"), "<redacted>")
      }
      assertNoSecret(logText, "logs")
      assertNoSecret(spanText, "spans")
      for (const [i, text] of errors.entries()) assertNoSecret(text, `error ${i}`)
    })
  )

  it.scopedLive("a venue that cannot be reached, HTTP spans on: the failed spans' causes hold no secret", () =>
    Effect.gen(function* () {
      const { logs, run, spans } = capturing(
        Effect.gen(function* () {
          // this library's transport, through the platform's execute path (HTTP spans on): nothing listens on port 9
          const client = yield* Effect.map(
            Layer.build(
              RfqCancelClient.layer({
                baseUrl: "http://127.0.0.1:9",
                credentials: { apiKey: account.apiKey, secretKey: venueSecret, passphrase },
                serverTime: { fixedOffsetMillis: 0 },
                httpSpans: true,
                retry: { maxAttempts: 2, baseDelay: "10 millis" }
              }).pipe(Layer.provide(UndiciHttpClient.layer))
            ),
            Context.get(RfqCancelClient.RfqCancelClient)
          )
          const error = yield* Effect.flip(client.cancelAllQuotes)
          assert.strictEqual(error._tag, "TransportError")
          return renderError(error)
        }).pipe(Effect.scoped)
      )
      const printed = yield* run
      const failed = spans.filter((s) => s.name.startsWith("http.client") && s.render().includes("RequestError"))
      assert.isAbove(failed.length, 0, "no failed HTTP span was captured")
      assertNoSecret(spans.map((s) => s.render()).join("\n"), "spans")
      assertNoSecret(logs.join("\n"), "logs")
      assertNoSecret(printed, "error")
    })
  )

  it.scopedLive("with the right secret, retries logged at debug and spans on success: no secret either", () =>
    Effect.gen(function* () {
      const sim = yield* Effect.orDie(OkxSimulator.make({ accounts: [account] }))
      const { logs, run, spans } = capturing(
        Effect.gen(function* () {
          yield* sim.setFaults({ endpoints: { "/api/v5/rfq/cancel-all-rfqs": { error: { code: "50001" } } } })
          const client = yield* clientFor(sim, venueSecret, { retry: { maxAttempts: 3, baseDelay: "10 millis" } })
          yield* Effect.orDie(sim.createRfqs({ count: 2 }))
          const [rfq] = (yield* sim.state).rfqs
          const cancelled = yield* client.cancelRfq({ rfqId: rfq!.rfqId })
          assert.strictEqual(cancelled.items[0]!.outcome._tag, "Cancelled")
          const unavailable = yield* Effect.flip(client.cancelAllRfqs)
          assert.strictEqual(unavailable._tag, "Unavailable")
          return renderError(unavailable) + show(cancelled)
        }).pipe(Effect.scoped)
      )
      const printed = yield* run
      const logText = logs.join("\n")
      assert.include(logText, "retrying")
      assert.include(logText, "cancel-all-rfqs")
      assert.isTrue(spans.some((s) => s.name === "RfqCancelClient.cancelRfq"))
      assertNoSecret(logText, "logs")
      assertNoSecret(spans.map((s) => s.render()).join("\n"), "spans")
      assertNoSecret(printed, "results and errors")
    })
  )
})

describe("Redacted values when printed", () => {
  it("String, JSON, inspect, Cause.pretty and the standard loggers never show them", () => {
    const credentials = OkxCredentials.make({ apiKey: account.apiKey, secretKey: wrongSecret, passphrase })
    class Failed extends Data.TaggedError("Failed")<{ readonly secret: Redacted.Redacted<string> }> {}
    const values: ReadonlyArray<unknown> = [
      Redacted.make(wrongSecret),
      Option.some(Redacted.make(passphrase)),
      { flags: { secretKey: Redacted.make(venueSecret) } },
      credentials,
      new Failed({ secret: Redacted.make(passphrase) }),
      [credentials.secretKey, credentials.passphrase]
    ]
    const texts: Array<string> = []
    for (const value of values) {
      texts.push(String(value), JSON.stringify(value), show(value), Cause.pretty(Cause.fail(value)), `${value}`)
    }
    const { logs, run } = capturing(Effect.logDebug("values", ...values))
    Effect.runSync(run)
    assert.lengthOf(logs, 1)
    for (const text of [...texts, ...logs]) assertNoSecret(text, text.slice(0, 80))
    assert.include(JSON.stringify(credentials), account.apiKey, "the API key is not a secret")
    assert.strictEqual(Redacted.value(credentials.secretKey), wrongSecret, "the value is still there to sign with")
  })
})
