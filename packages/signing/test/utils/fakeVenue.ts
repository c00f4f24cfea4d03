import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Effect, Layer, Ref, TestClock, Tracer } from "effect"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"

/** A fake transport: `respond` sees each request and may move the TestClock; the requests are recorded. */
export const fakeClient = (
  respond: (request: HttpClientRequest.HttpClientRequest, url: URL) => Effect.Effect<Response>
) =>
  Effect.gen(function* () {
    const seen = yield* Ref.make<ReadonlyArray<HttpClientRequest.HttpClientRequest>>([])
    const client = HttpClient.make((request, url) =>
      Ref.update(seen, (all) => [...all, request]).pipe(
        Effect.zipRight(respond(request, url)),
        Effect.map((response) => HttpClientResponse.fromWeb(request, response))
      )
    )
    return { client, layer: Layer.succeed(HttpClient.HttpClient, client), seen: Ref.get(seen) }
  })

/**
 * `GET /api/v5/public/time` of a venue whose clock is ours plus `offset`, answering at the middle of `rtt`.
 * A non-zero `rtt` moves the TestClock, which only the test's own fiber should do.
 */
export const timeAnswer = (offset: number, rtt = 0) =>
  Effect.gen(function* () {
    if (rtt > 0) yield* TestClock.adjust(rtt / 2)
    const now = yield* TestClock.currentTimeMillis
    if (rtt > 0) yield* TestClock.adjust(rtt / 2)
    return Response.json({ code: "0", msg: "", data: [{ ts: String(now + offset) }] })
  })

/** A tracer that keeps every span it makes, delegating to the native tracer. */
export const recordingTracer = Effect.gen(function* () {
  const base = yield* Effect.tracer
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = base.span(...args)
      spans.push(span)
      return span
    },
    context: (f, fiber) => base.context(f, fiber)
  })
  return { tracer, spans }
})

/** Lets real I/O (such as reading a fake response's body) finish: polls `done` between event-loop turns. */
export const until = (done: Effect.Effect<boolean>, turns = 1000): Effect.Effect<void, Error> =>
  Effect.gen(function* () {
    for (let i = 0; i < turns; i++) {
      if (yield* done) return
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
    }
    return yield* Effect.fail(new Error("condition not reached"))
  })
