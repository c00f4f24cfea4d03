import { OkxRateLimiter } from "@okx-rfq/rate-limit"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { performance } from "node:perf_hooks"

const LIMIT = 50
const WINDOW_MILLIS = 200

/**
 * An independent server-side sliding-window counter: it answers 429 to any request that would make more than
 * LIMIT arrivals in the last WINDOW_MILLIS (measured on the server's own clock, performance.now()).
 */
const startServer = Effect.acquireRelease(
  Effect.async<{
    readonly url: string
    readonly server: Http.Server
    readonly counts: { ok: number; rejected: number }
  }>((resume) => {
    const accepted: Array<number> = []
    const counts = { ok: 0, rejected: 0 }
    const server = Http.createServer((req, res) => {
      const now = performance.now()
      let inWindow = 0
      for (let i = accepted.length - 1; i >= 0 && now - accepted[i] < WINDOW_MILLIS; i--) inWindow++
      req.resume()
      if (inWindow >= LIMIT) {
        counts.rejected++
        res.writeHead(429).end()
      } else {
        accepted.push(now)
        counts.ok++
        res.writeHead(200).end()
      }
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}/`, server, counts }))
    })
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

const send = (url: string) =>
  Effect.tryPromise(() => fetch(url, { method: "POST" }).then((res) => res.arrayBuffer().then(() => res.status)))

describe("real time over loopback", () => {
  it.live(
    "bursts through the limiter are never rejected by an independent sliding-window counter",
    () =>
      Effect.gen(function* () {
        const { counts, url } = yield* startServer
        // The control: the same server rejects an unlimited burst, so it does count.
        const control = yield* Effect.forEach(Array.from({ length: LIMIT + 20 }), () => send(url), {
          concurrency: "unbounded"
        })
        assert.isAtLeast(control.filter((status) => status === 429).length, 20)
        yield* Effect.sleep(WINDOW_MILLIS * 2)
        counts.ok = 0
        counts.rejected = 0
        // margin 0.5 = 100 ms of 200 ms. The limiter bounds starts; the server counts arrivals. Between the two
        // lie fetch's connection pool, socket setup, the loopback stack and the event loop that client and
        // server share here. One batch delayed by d ms and the next one not compresses their gap by d: a cold
        // batch of 50 new sockets was measured arriving 80 ms late with a 50 ms margin (and a rejection), on a
        // 2-core machine that also runs other test workers. 100 ms covers that with room to spare.
        const limiter = yield* OkxRateLimiter.make({ limit: LIMIT, window: WINDOW_MILLIS, margin: 0.5 })
        const burst = (n: number) =>
          Effect.forEach(Array.from({ length: n }), () => limiter.withPermit()(send(url)), { concurrency: "unbounded" })
        const first = yield* burst(500)
        yield* Effect.sleep(WINDOW_MILLIS * 1.5)
        const second = yield* burst(100)
        const statuses = [...first, ...second]
        assert.strictEqual(statuses.filter((status) => status !== 200).length, 0)
        assert.strictEqual(counts.rejected, 0)
        assert.strictEqual(counts.ok, 600)
        assert.strictEqual((yield* limiter.stats).permitsGranted, 600)
      }).pipe(Effect.scoped),
    20_000
  )
})
