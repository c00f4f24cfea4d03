import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck, Redacted } from "effect"
import { formatTimestamp, prehash, sign, timestampPattern } from "../src/OkxSignature.js"

// The published vectors (reference §2), each reproduced there with an independent HMAC.
const vectors = [
  {
    secretKey: "chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO",
    timestamp: "2020-12-08T09:08:57.715Z",
    method: "GET",
    requestPath: "/api/v5/account/balance",
    body: "",
    signature: "PJ61e1nb2F2Qd7D8SPiaIcx2gjdELc+o0ygzre9z33k="
  },
  {
    secretKey: "22582BD0CFF14C41EDBF1AB98506286D",
    timestamp: "2020-12-08T09:08:57.715Z",
    method: "GET",
    requestPath: "/api/v5/account/balance?ccy=USDT",
    body: "",
    signature: "Ku79U+75wKPSP3i+t02ssUto76AYiAT/aws7hI3GZpg="
  },
  {
    secretKey: "22582BD0CFF14C41EDBF1AB98506286D",
    timestamp: "2020-12-08T09:08:57.715Z",
    method: "POST",
    requestPath: "/api/v5/trade/order",
    body: '{"instId":"MON-USDT-SWAP","sz":"20"}',
    signature: "D/l8rzAnDNHvrCyonnfOzknaxied4b3JiL3jEegP7PI="
  }
]

// An HMAC-SHA256 from a second, pure-JavaScript implementation (@noble/hashes), not node:crypto.
const independent = (secret: string, message: string): string =>
  Buffer.from(hmac(sha256, new TextEncoder().encode(secret), new TextEncoder().encode(message))).toString("base64")

describe("sign", () => {
  it("matches the published OKX vectors", () => {
    for (const v of vectors) {
      assert.strictEqual(sign(v), v.signature)
      assert.strictEqual(sign({ ...v, secretKey: Redacted.make(v.secretKey) }), v.signature)
    }
  })

  it("builds the prehash as timestamp + METHOD + requestPath + body, upper-casing the method", () => {
    assert.strictEqual(
      prehash({ timestamp: "T", method: "post", requestPath: "/api/v5/rfq/cancel-quote", body: "{}" }),
      "TPOST/api/v5/rfq/cancel-quote{}"
    )
    assert.strictEqual(prehash({ timestamp: "T", method: "GET", requestPath: "/p?a=1" }), "TGET/p?a=1")
  })

  it("agrees with an independent HMAC on 1000 generated requests", () => {
    const input = FastCheck.record({
      secretKey: FastCheck.string({ minLength: 1, maxLength: 64, unit: "binary" }),
      epoch: FastCheck.integer({ min: 0, max: 4_102_444_800_000 }),
      method: FastCheck.constantFrom("GET", "POST"),
      requestPath: FastCheck.webPath(),
      body: FastCheck.oneof(FastCheck.constant(""), FastCheck.json(), FastCheck.string({ unit: "binary" }))
    })
    FastCheck.assert(
      FastCheck.property(input, ({ body, epoch, method, requestPath, secretKey }) => {
        const timestamp = formatTimestamp(epoch)
        const ours = sign({ secretKey, timestamp, method, requestPath, body })
        assert.strictEqual(ours, independent(secretKey, `${timestamp}${method}${requestPath}${body}`))
      }),
      { numRuns: 1000 }
    )
  })
})

describe("formatTimestamp", () => {
  it("is ISO 8601 UTC with milliseconds and Z", () => {
    assert.strictEqual(formatTimestamp(1607418537715), "2020-12-08T09:08:57.715Z")
    assert.strictEqual(formatTimestamp(0), "1970-01-01T00:00:00.000Z")
    assert.match(formatTimestamp(1_700_000_000_000.9), timestampPattern)
  })
})
