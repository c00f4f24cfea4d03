/**
 * The live suite: the client against a real venue over the network, with real credentials. It sends only what is
 * safe on a demo account: cancellations of ids that do not exist, cancel-all calls, and cancel-all-after armed for
 * 60 s and disabled again. It asserts what the OKX spec makes certain, whatever the account holds: the signature and
 * timestamp are accepted, every answer decodes into a typed outcome, the lanes keep the venue from answering 50011,
 * a skewed clock is corrected by one resync, a wrong secret is a typed error that never shows the secret.
 *
 * `okxDemo.test.ts` runs it against OKX demo trading when `OKX_DEMO_API_KEY`, `OKX_DEMO_SECRET_KEY` and
 * `OKX_DEMO_PASSPHRASE` are set; `simulatorDemo.test.ts` runs it in CI against the simulator in its own process,
 * with a demo key, so the suite itself stays working.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { OkxRateLimiter } from "@okx-rfq/rate-limit"
import { OkxError } from "@okx-rfq/schema"
import { Cause, DateTime, Duration, Effect, Exit, Layer, Logger, LogLevel, ManagedRuntime, Redacted } from "effect"
import { inspect } from "node:util"
import * as DeadMansSwitch from "../../src/DeadMansSwitch.js"
import * as RfqCancelClient from "../../src/RfqCancelClient.js"
import * as UndiciHttpClient from "../../src/UndiciHttpClient.js"
import { runCli } from "../utils/cliProcess.js"
import { assertTypedExit } from "../utils/simulatorClient.js"

/** Where the suite runs and as whom. */
export interface LiveTarget {
  readonly baseUrl: string
  readonly apiKey: string
  readonly secretKey: string
  readonly passphrase: string
  /** The lane key: the account's User ID (default the API key). */
  readonly userId?: string | undefined
}

/** Errors that must never come back from a venue that accepts our signature and speaks OKX's schema. */
const neverTags = ["AuthenticationFailed", "TimestampExpired", "DecodeError", "RateLimited", "UnknownCode"]

/** Ids that no account holds: cancelling them must be answered, item by item, without touching anything. */
const unknownId = (n: number) => String(9_000_000_000_000_000 + n)

const clientLayer = (target: LiveTarget, http: Layer.Layer<HttpClient.HttpClient> = UndiciHttpClient.layer) =>
  RfqCancelClient.layer({
    credentials: {
      apiKey: target.apiKey,
      secretKey: Redacted.make(target.secretKey),
      passphrase: Redacted.make(target.passphrase)
    },
    baseUrl: target.baseUrl,
    demo: true,
    ...(target.userId === undefined ? {} : { userId: target.userId })
  }).pipe(Layer.provide(http))

/** The call's exit is a typed success or one typed error, and not one of `neverTags`. */
const assertAccepted = (exit: Exit.Exit<unknown, unknown>, label: string) => {
  assertTypedExit(exit, label)
  if (Exit.isFailure(exit) && Cause.isFailType(exit.cause)) {
    const error = exit.cause.error as { readonly _tag: string; readonly message?: string }
    assert.notInclude(neverTags, error._tag, `${label}: ${error._tag}: ${error.message ?? ""}`)
  }
}

/**
 * An `HttpClient` whose answers from the venue's time endpoint say the venue is `skewMillis` ahead while `skewing()`
 * holds: the client then signs with a timestamp that far off until it resyncs.
 */
const skewedTime = (skewMillis: number, skewing: () => boolean) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (http) =>
      http.pipe(
        HttpClient.transformResponse(
          Effect.flatMap((response) => {
            if (!skewing() || !response.request.url.endsWith("/api/v5/public/time")) return Effect.succeed(response)
            return Effect.map(response.json, (body) => {
              const answer = body as { data: Array<{ ts: string }> }
              const data = answer.data.map((d) => ({ ts: String(Number(d.ts) + skewMillis) }))
              return HttpClientResponse.fromWeb(
                response.request,
                new Response(JSON.stringify({ ...answer, data }), { status: response.status })
              )
            })
          })
        )
      )
    )
  ).pipe(Layer.provide(UndiciHttpClient.layer))

/**
 * A client of its own (other credentials, a skewed clock, the program) has lanes of its own, which know nothing of
 * the suite's client: it waits out the longest window first, as would a second process of the same user.
 */
const clearOfTheSharedLanes = Effect.sleep(
  Duration.sum(
    OkxRateLimiter.defaultMargin,
    Object.values(OkxRateLimiter.okxRfqLimits)
      .map((rule) => Duration.decode(rule.window))
      .reduce((longest, window) => Duration.max(longest, window))
  )
)

/** Each test talks to a venue over the network: a generous bound, never a timing assertion. */
const testTimeout = 60_000

/**
 * Defines the live suite's tests for `target` (read when the tests run, so it may be started in `beforeAll`). The
 * tests share one client, as an application does: its lanes then space every request of the suite, and the venue
 * sees one User ID within its limits.
 */
export const liveSuite = (name: string, target: () => LiveTarget) =>
  describe(name, () => {
    let runtime: ManagedRuntime.ManagedRuntime<RfqCancelClient.RfqCancelClient, OkxError.InvalidRequest> | undefined
    const shared = () => (runtime ??= ManagedRuntime.make(clientLayer(target())))
    afterAll(() => runtime?.dispose())
    /** A test on the suite's shared client. */
    const onSharedClient = (title: string, body: Effect.Effect<void, unknown, RfqCancelClient.RfqCancelClient>) =>
      it.live(title, () => body.pipe(Effect.provide(shared())), testTimeout)

    onSharedClient(
      "every cancellation endpoint: the signature accepted, the answer decoded into a typed outcome",
      Effect.gen(function* () {
        const client = yield* RfqCancelClient.RfqCancelClient
        const calls: ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown>]> = [
          ["cancel-quote", client.cancelQuote({ quoteId: unknownId(1) })],
          ["cancel-batch-quotes", client.cancelBatchQuotes({ quoteIds: [unknownId(2), unknownId(3)] })],
          ["cancel-all-quotes", client.cancelAllQuotes],
          ["cancel-rfq", client.cancelRfq({ rfqId: unknownId(4) })],
          ["cancel-batch-rfqs", client.cancelBatchRfqs({ rfqIds: [unknownId(5), unknownId(6)] })],
          ["cancel-all-rfqs", client.cancelAllRfqs]
        ]
        for (const [label, call] of calls) {
          const exit = yield* Effect.exit(call)
          assertAccepted(exit, label)
          if (Exit.isSuccess(exit) && (exit.value as { _tag?: string })._tag === "Items") {
            const { items } = exit.value as { items: ReadonlyArray<{ outcome: { _tag: string } }> }
            assert.isAbove(items.length, 0, `${label}: every item is answered`)
            // an id nobody holds is never reported cancelled
            for (const item of items) assert.notStrictEqual(item.outcome._tag, "Cancelled", label)
          }
        }
      })
    )

    onSharedClient(
      "cancel-all-after: armed for 60 s at the venue's time, then disabled",
      Effect.gen(function* () {
        const client = yield* RfqCancelClient.RfqCancelClient
        const before = yield* client.serverTime.currentTimeMillis
        const armed = yield* client.cancelAllAfter("60 seconds")
        const after = yield* client.serverTime.currentTimeMillis
        assert.isTrue(DateTime.isDateTime(armed.triggerTime), inspect(armed))
        if (DateTime.isDateTime(armed.triggerTime)) {
          const trigger = DateTime.toEpochMillis(armed.triggerTime)
          // the venue's clock, the offset's error and OKX's whole-second triggerTime: a few seconds either way
          assert.isAtLeast(trigger, before + 60_000 - 5_000, "triggerTime")
          assert.isAtMost(trigger, after + 60_000 + 5_000, "triggerTime")
        }
        const disarmed = yield* client.disarm
        assert.strictEqual(disarmed.triggerTime._tag, "Disabled", inspect(disarmed))
      })
    )

    onSharedClient(
      "the dead-man's switch: armed for a few beats, then disarmed on shutdown",
      Effect.gen(function* () {
        const statuses = yield* Effect.scoped(
          Effect.gen(function* () {
            const dms = yield* DeadMansSwitch.make({
              timeout: "10 seconds",
              interval: DeadMansSwitch.minimumInterval,
              onExit: "disarm-only"
            })
            const first = yield* dms.awaitArmed
            yield* Effect.sleep(Duration.times(DeadMansSwitch.minimumInterval, 3))
            const later = yield* dms.status
            // the disarm, here rather than in the scope's close, so that a failed one fails the test
            yield* dms.shutdown
            return [first, later] as const
          })
        )
        const [first, later] = statuses
        assert.strictEqual(later._tag, "Armed", inspect(later))
        if (later._tag === "Armed") {
          assert.isAbove(DateTime.toEpochMillis(later.lastAck), DateTime.toEpochMillis(first.lastAck), "re-armed")
        }
      })
    )

    onSharedClient(
      "a burst of 60 cancel-quotes through one client: every one answered, none with 50011",
      Effect.gen(function* () {
        const client = yield* RfqCancelClient.RfqCancelClient
        const exits = yield* Effect.forEach(
          Array.from({ length: 60 }, (_, i) => unknownId(100 + i)),
          (quoteId) => Effect.exit(client.cancelQuote({ quoteId })),
          { concurrency: "unbounded" }
        )
        exits.forEach((exit, i) => {
          assertAccepted(exit, `cancel-quote #${i}`)
        })
      })
    )

    it.live(
      "a clock 40 s ahead of the venue: refused once, resynced, then accepted",
      () => {
        let skewing = true
        return Effect.gen(function* () {
          const client = yield* RfqCancelClient.RfqCancelClient
          // the layer's first sync read the skewed time; from now on the time endpoint tells the truth
          assert.isAbove(yield* client.serverTime.offsetMillis, 30_000, "the first sync is skewed")
          skewing = false
          const exit = yield* Effect.exit(client.cancelAllQuotes)
          assertAccepted(exit, "cancel-all-quotes")
          assert.isBelow(Math.abs(yield* client.serverTime.offsetMillis), 30_000, "resynced")
        }).pipe(
          Effect.provide(
            clientLayer(
              target(),
              skewedTime(40_000, () => skewing)
            )
          ),
          (test) => Effect.zipRight(clearOfTheSharedLanes, test)
        )
      },
      testTimeout
    )

    it.live(
      "a wrong secret: AuthenticationFailed, typed, and the secret is in neither the error nor the debug logs",
      () =>
        Effect.gen(function* () {
          const wrongSecret = "WrOnG-3b8e51d0-secret"
          const logs: Array<string> = []
          const capture = Logger.replace(
            Logger.defaultLogger,
            Logger.make((entry) => logs.push(inspect(entry, { depth: 6 })))
          )
          yield* clearOfTheSharedLanes
          const exit = yield* RfqCancelClient.cancelAllQuotes.pipe(
            Effect.exit,
            Effect.provide(clientLayer({ ...target(), secretKey: wrongSecret })),
            Effect.provide(capture),
            Logger.withMinimumLogLevel(LogLevel.Debug)
          )
          assert.isTrue(Exit.isFailure(exit) && Cause.isFailType(exit.cause), inspect(exit))
          if (Exit.isFailure(exit) && Cause.isFailType(exit.cause)) {
            assert.isTrue(OkxError.isOkxError(exit.cause.error), inspect(exit.cause.error))
            assert.strictEqual(exit.cause.error._tag, "AuthenticationFailed")
          }
          const text = `${inspect(exit, { depth: null, showHidden: true })}\n${logs.join("\n")}`
          for (const secret of ["3b8e51d0", target().passphrase])
            assert.notInclude(text.toLowerCase(), secret.toLowerCase())
        }),
      testTimeout
    )

    it(
      "okx-rfq with a wrong secret and debug logging: exit 1, and neither secret nor passphrase printed",
      async () => {
        const { baseUrl, apiKey, passphrase, userId } = target()
        await Effect.runPromise(clearOfTheSharedLanes)
        const run = await runCli(["cancel-all-quotes", "--demo", "--json", "--log-level", "debug"], {
          OKX_API_KEY: apiKey,
          OKX_SECRET_KEY: "WrOnG-7c1f9e24-secret",
          OKX_PASSPHRASE: passphrase,
          OKX_BASE_URL: baseUrl,
          ...(userId === undefined ? {} : { OKX_USER_ID: userId })
        })
        const output = `${run.stdout}\n${run.stderr}`
        assert.strictEqual(run.code, 1, output)
        assert.include(output, "code=50113", "OKX's code for a wrong signature")
        assert.include(output, "DEBUG", "the debug logs are shown")
        for (const secret of ["7c1f9e24", passphrase]) assert.notInclude(output.toLowerCase(), secret.toLowerCase())
      },
      testTimeout
    )
  })
