/**
 * The live suite against OKX demo trading. It runs only when `OKX_DEMO_API_KEY`, `OKX_DEMO_SECRET_KEY` and
 * `OKX_DEMO_PASSPHRASE` are set (a demo-trading API key of an account enabled for block trading); otherwise it is
 * skipped. `OKX_DEMO_BASE_URL` (default `https://www.okx.com`) and `OKX_DEMO_USER_ID` (the lane key) are optional.
 * Run it alone with `pnpm test:live`.
 */
import { describe } from "@effect/vitest"
import { liveSuite } from "./liveSuite.js"

const env = process.env
const apiKey = env.OKX_DEMO_API_KEY
const secretKey = env.OKX_DEMO_SECRET_KEY
const passphrase = env.OKX_DEMO_PASSPHRASE

describe.skipIf(apiKey === undefined || secretKey === undefined || passphrase === undefined)("OKX demo trading", () => {
  liveSuite("live suite", () => ({
    baseUrl: env.OKX_DEMO_BASE_URL ?? "https://www.okx.com",
    apiKey: apiKey!,
    secretKey: secretKey!,
    passphrase: passphrase!,
    userId: env.OKX_DEMO_USER_ID
  }))
})
