#!/usr/bin/env node
/**
 * The `okx-rfq` program. Interim: `demo` signs a cancel-quote request and shows the headers OKX would receive.
 *
 * @since 0.1.0
 */
import { OkxCredentials, OkxSigner, ServerTime } from "@okx-rfq/signing"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"

const program = Effect.gen(function* () {
  const credentials = OkxCredentials.make({ apiKey: "demo-key", secretKey: "demo-secret", passphrase: "demo-pass" })
  const signer = OkxSigner.makeWith(credentials, ServerTime.makeFixed(0).timestamp)
  const request = yield* signer.signRequest(
    HttpClientRequest.post("https://www.okx.com/api/v5/rfq/cancel-quote").pipe(
      HttpClientRequest.bodyText(JSON.stringify({ quoteId: "007", clQuoteId: "Bond007" }))
    )
  )
  console.log("POST /api/v5/rfq/cancel-quote, signed:")
  for (const [name, value] of Object.entries(request.headers)) {
    console.log(`  ${name}: ${name === "ok-access-passphrase" ? "<redacted>" : value}`)
  }
})

if (process.argv[2] === "demo") Effect.runPromise(program)
else console.log("usage: okx-rfq demo")
