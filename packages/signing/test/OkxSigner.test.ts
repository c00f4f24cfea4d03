import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { assert, describe, it } from "@effect/vitest"
import ccxt from "ccxt"
import { Effect, Either, Ref, Schedule, TestClock } from "effect"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"
import * as OkxCredentials from "../src/OkxCredentials.js"
import { formatTimestamp, sign, timestampPattern } from "../src/OkxSignature.js"
import * as OkxSigner from "../src/OkxSigner.js"
import * as ServerTime from "../src/ServerTime.js"
import { fakeClient, recordingTracer } from "./utils/fakeVenue.js"

const secret = "22582BD0CFF14C41EDBF1AB98506286D"
const passphrase = "Pa55-phrase!"
const credentials = OkxCredentials.make({ apiKey: "api-key-1", secretKey: secret, passphrase })
const signer = (options: OkxSigner.Options = {}) =>
  OkxSigner.makeWith(credentials, ServerTime.makeFixed(0).timestamp, options)
const base = "https://venue.test"

/** A verifier written from the OKX spec with an independent HMAC: what the venue would compute. */
const expectedSignature = (timestamp: string, method: string, requestPath: string, body: string) =>
  Buffer.from(
    hmac(sha256, new TextEncoder().encode(secret), new TextEncoder().encode(timestamp + method + requestPath + body))
  ).toString("base64")

const bodyText = (request: HttpClientRequest.HttpClientRequest) =>
  request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""

const ok = () => Effect.succeed(Response.json({ code: "0", msg: "", data: [] }))

describe("OkxSigner", () => {
  it.effect("a POST without parameters sends and signs {}", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1607418537715)
      const venue = yield* fakeClient(ok)
      const client = OkxSigner.signedClient(venue.client, signer())
      yield* client.execute(HttpClientRequest.post(`${base}/api/v5/rfq/cancel-all-quotes`))
      const [sent] = yield* venue.seen
      assert.strictEqual(bodyText(sent!), "{}")
      const { b3: _b3, traceparent: _tp, ...headers }: Record<string, string> = { ...sent!.headers }
      assert.deepStrictEqual(headers, {
        "ok-access-key": "api-key-1",
        "ok-access-sign": expectedSignature("2020-12-08T09:08:57.715Z", "POST", "/api/v5/rfq/cancel-all-quotes", "{}"),
        "ok-access-timestamp": "2020-12-08T09:08:57.715Z",
        "ok-access-passphrase": passphrase,
        "content-type": "application/json",
        "content-length": "2"
      })
    })
  )

  it.effect("signs the exact body bytes and the path with the query string as sent", () =>
    Effect.gen(function* () {
      const venue = yield* fakeClient(ok)
      const client = OkxSigner.signedClient(venue.client, signer())
      const body = '{"quoteId":"007","clQuoteId":"Bond007"}'
      yield* client.execute(
        HttpClientRequest.post(`${base}/api/v5/rfq/cancel-quote`).pipe(HttpClientRequest.bodyText(body))
      )
      yield* client.execute(
        HttpClientRequest.get(`${base}/api/v5/rfq/quotes?rfqId=1`).pipe(
          HttpClientRequest.setUrlParams({ state: "active", clQuoteId: "a b" })
        )
      )
      const [post, get] = yield* venue.seen
      const ts = post!.headers["ok-access-timestamp"]!
      assert.match(ts, timestampPattern)
      assert.strictEqual(bodyText(post!), body)
      assert.strictEqual(
        post!.headers["ok-access-sign"],
        expectedSignature(ts, "POST", "/api/v5/rfq/cancel-quote", body)
      )
      assert.strictEqual(
        get!.headers["ok-access-sign"],
        expectedSignature(ts, "GET", "/api/v5/rfq/quotes?rfqId=1&state=active&clQuoteId=a+b", "")
      )
    })
  )

  it.effect("adds x-simulated-trading: 1 in demo mode only", () =>
    Effect.gen(function* () {
      const venue = yield* fakeClient(ok)
      yield* OkxSigner.signedClient(venue.client, signer({ demo: true })).execute(HttpClientRequest.post(`${base}/x`))
      yield* OkxSigner.signedClient(venue.client, signer()).execute(HttpClientRequest.post(`${base}/x`))
      const [demo, live] = yield* venue.seen
      assert.strictEqual(demo!.headers["x-simulated-trading"], "1")
      assert.isUndefined(live!.headers["x-simulated-trading"])
    })
  )

  it.effect("re-signs every retry with a fresh timestamp", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const venue = yield* fakeClient(() =>
        Effect.gen(function* () {
          const n = yield* Ref.getAndUpdate(attempts, (k) => k + 1)
          yield* TestClock.adjust("1 second")
          return n < 2 ? new Response("busy", { status: 503 }) : Response.json({ code: "0" })
        })
      )
      const client = OkxSigner.signedClient(venue.client, signer()).pipe(
        HttpClient.filterStatusOk,
        HttpClient.retry(Schedule.recurs(3))
      )
      yield* client.execute(
        HttpClientRequest.post(`${base}/api/v5/rfq/cancel-quote`).pipe(HttpClientRequest.bodyText("{}"))
      )
      const seen = yield* venue.seen
      const stamps = seen.map((r) => r.headers["ok-access-timestamp"]!)
      assert.deepStrictEqual(stamps, [formatTimestamp(0), formatTimestamp(1000), formatTimestamp(2000)])
      for (const r of seen) {
        const ts = r.headers["ok-access-timestamp"]!
        assert.strictEqual(r.headers["ok-access-sign"], expectedSignature(ts, "POST", "/api/v5/rfq/cancel-quote", "{}"))
      }
    })
  )

  it.effect("keeps the passphrase and signature out of spans and transport errors", () =>
    Effect.gen(function* () {
      const { spans, tracer } = yield* recordingTracer
      const venue = yield* fakeClient(ok)
      yield* OkxSigner.signedClient(venue.client, signer())
        .execute(HttpClientRequest.post(`${base}/api/v5/rfq/cancel-all-quotes`))
        .pipe(Effect.withTracer(tracer))
      const attributes = spans.flatMap((span) => [...span.attributes.values()].map((v) => inspect(v)))
      assert.isTrue(attributes.length > 0)
      const sign = (yield* venue.seen)[0]!.headers["ok-access-sign"]!
      for (const text of attributes) {
        assert.notInclude(text, passphrase)
        assert.notInclude(text, sign)
      }

      const unreachable = OkxSigner.signedClient(yield* HttpClient.HttpClient, signer())
      const error = yield* Effect.either(unreachable.execute(HttpClientRequest.post("http://127.0.0.1:1/x")))
      assert.isTrue(Either.isLeft(error))
      if (Either.isLeft(error)) {
        // rendered outside any fiber, where the platform's own redaction does not apply
        for (const text of [String(error.left), JSON.stringify(error.left), inspect(error.left, { depth: 10 })]) {
          assert.notInclude(text, passphrase)
        }
      }
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("responses, and the errors made from them later, carry no signing header", () =>
    Effect.gen(function* () {
      const venue = yield* fakeClient(() => Effect.succeed(new Response("<html>no</html>", { status: 401 })))
      const client = OkxSigner.signedClient(venue.client, signer())
      const request = HttpClientRequest.post(`${base}/api/v5/rfq/cancel-all-quotes`)
      const response = yield* client.execute(request)
      // a status check outside the signed client, and a body that does not decode, both made from the response
      const errors = [
        yield* Effect.flip(HttpClient.filterStatusOk(client).execute(request)),
        yield* Effect.flip(response.json),
        yield* Effect.flip(
          HttpClient.filterStatusOk(venue.client)
            .pipe((c) => OkxSigner.signedClient(c, signer()))
            .execute(request)
        )
      ]
      const sign = (yield* venue.seen)[0]!.headers["ok-access-sign"]!
      for (const [i, value] of [response, ...errors].entries()) {
        for (const text of [String(value), JSON.stringify(value), inspect(value, { depth: 10 })]) {
          assert.notInclude(text, passphrase, `${i}: ${text.slice(0, 600)}`)
          assert.notInclude(text, sign)
        }
      }
      // the response still reads as the original
      assert.strictEqual(response.status, 401)
      assert.strictEqual(yield* response.text, "<html>no</html>")
    })
  )

  it.effect("signs a byte body as sent: a BOM is kept; bytes that are not UTF-8 are refused, not signed as text", () =>
    Effect.gen(function* () {
      const venue = yield* fakeClient(ok)
      const client = OkxSigner.signedClient(venue.client, signer())
      const path = "/api/v5/rfq/cancel-quote"
      const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"quoteId":"1"}')])
      yield* client.execute(HttpClientRequest.post(`${base}${path}`).pipe(HttpClientRequest.bodyUint8Array(bom)))
      const sent = (yield* venue.seen)[0]!
      const ts = sent.headers["ok-access-timestamp"]!
      assert.strictEqual(sent.headers["ok-access-sign"], expectedSignature(ts, "POST", path, '\ufeff{"quoteId":"1"}'))
      const invalid = new Uint8Array([0x7b, 0xff, 0x7d])
      const refused = yield* Effect.flip(
        client.execute(HttpClientRequest.post(`${base}${path}`).pipe(HttpClientRequest.bodyUint8Array(invalid)))
      )
      assert.include(refused.message, "not UTF-8")
      assert.lengthOf(yield* venue.seen, 1)
    })
  )

  it.live("a verifier written from the OKX spec accepts what it sends over a real socket", () =>
    Effect.gen(function* () {
      const verdicts: Array<string> = []
      const verify = (req: IncomingMessage, body: string): string => {
        const h = req.headers
        const ts = String(h["ok-access-timestamp"] ?? "")
        if (!timestampPattern.test(ts)) return "50112"
        if (h["ok-access-key"] !== "api-key-1") return "50111"
        if (h["ok-access-passphrase"] !== passphrase) return "50105"
        if (req.method === "POST" && body.length === 0) return "50000"
        if (h["ok-access-sign"] !== expectedSignature(ts, req.method!, req.url!, body)) return "50113"
        return "0"
      }
      const server = createServer((req, res) => {
        let body = ""
        req.on("data", (chunk) => (body += chunk))
        req.on("end", () => {
          const code = verify(req, body)
          verdicts.push(code)
          res.writeHead(code === "0" ? 200 : 401, { "content-type": "application/json" })
          res.end(JSON.stringify({ code, msg: "", data: [] }))
        })
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          server.listen(0, "127.0.0.1", () => resume(Effect.void))
        }),
        () => Effect.sync(() => void server.close())
      )
      const port = (server.address() as AddressInfo).port
      const client = OkxSigner.signedClient(yield* HttpClient.HttpClient, signer())
      const url = `http://127.0.0.1:${port}`
      const requests = [
        HttpClientRequest.post(`${url}/api/v5/rfq/cancel-all-quotes`),
        HttpClientRequest.post(`${url}/api/v5/rfq/cancel-quote`).pipe(
          HttpClientRequest.bodyText(JSON.stringify({ quoteId: "007", clQuoteId: "Bond007" }))
        ),
        HttpClientRequest.get(`${url}/api/v5/rfq/quotes`).pipe(HttpClientRequest.setUrlParams({ state: "active" })),
        HttpClientRequest.post(`${url}/api/v5/rfq/cancel-all-after`).pipe(
          HttpClientRequest.bodyText(JSON.stringify({ timeOut: "60" }))
        )
      ]
      for (const request of requests) {
        const response = yield* client.execute(request)
        assert.strictEqual(response.status, 200)
      }
      assert.deepStrictEqual(verdicts, ["0", "0", "0", "0"])
      // and the same verifier does reject a wrong secret
      const wrong = OkxSigner.makeWith(
        OkxCredentials.make({ apiKey: "api-key-1", secretKey: "not-the-secret", passphrase }),
        ServerTime.makeFixed(0).timestamp
      )
      const rejected = yield* OkxSigner.signedClient(yield* HttpClient.HttpClient, wrong).execute(requests[0]!)
      assert.strictEqual(rejected.status, 401)
      assert.strictEqual(verdicts.at(-1), "50113")
    }).pipe(Effect.provide(FetchHttpClient.layer), Effect.scoped)
  )
})

describe("interop with ccxt's OKX signer", () => {
  const exchange = new ccxt.okx({ apiKey: "api-key-1", secret, password: passphrase })
  const cases = [
    { path: "rfq/cancel-quote", method: "POST", params: { quoteId: "007", clQuoteId: "Bond007" } },
    { path: "rfq/cancel-batch-quotes", method: "POST", params: { quoteIds: ["1", "2", "3"] } },
    { path: "rfq/cancel-all-after", method: "POST", params: { timeOut: "60" } },
    { path: "rfq/quotes", method: "GET", params: { rfqId: "123", state: "active" } }
  ] as const

  for (const c of cases) {
    it.effect(`produces the same signature and headers as ccxt for ${c.method} ${c.path}`, () =>
      Effect.gen(function* () {
        const epoch = 1_700_000_123_456
        exchange.nonce = () => epoch
        const theirs = exchange.sign(c.path, "private", c.method, { ...c.params }) as {
          url: string
          body?: string
          headers: Record<string, string>
        }
        yield* TestClock.setTime(epoch)
        const venue = yield* fakeClient(ok)
        const url = new URL(theirs.url)
        const request =
          c.method === "GET"
            ? HttpClientRequest.get(`${base}${url.pathname}${url.search}`)
            : HttpClientRequest.post(`${base}${url.pathname}`).pipe(HttpClientRequest.bodyText(theirs.body!))
        yield* OkxSigner.signedClient(venue.client, signer()).execute(request)
        const ours = (yield* venue.seen)[0]!.headers
        for (const name of ["OK-ACCESS-KEY", "OK-ACCESS-SIGN", "OK-ACCESS-TIMESTAMP", "OK-ACCESS-PASSPHRASE"]) {
          assert.strictEqual(ours[name.toLowerCase()], theirs.headers[name], name)
        }
        if (c.method === "POST") assert.strictEqual(ours["content-type"], theirs.headers["Content-Type"])
        const pure = sign({
          secretKey: secret,
          timestamp: formatTimestamp(epoch),
          method: c.method,
          requestPath: url.pathname + url.search,
          body: theirs.body
        })
        assert.strictEqual(pure, theirs.headers["OK-ACCESS-SIGN"])
      })
    )
  }
})
