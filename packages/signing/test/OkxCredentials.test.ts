import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Logger, Redacted } from "effect"
import { inspect } from "node:util"
import * as OkxCredentials from "../src/OkxCredentials.js"

const env = { OKX_API_KEY: "key-1", OKX_SECRET_KEY: "s3cr3t-VALUE", OKX_PASSPHRASE: "pa55-PHRASE" }
const read = (map: Record<string, string>) =>
  OkxCredentials.OkxCredentials.pipe(
    Effect.provide(OkxCredentials.layerConfig),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(map))))
  )

describe("OkxCredentials", () => {
  it.effect("reads the three variables, secrets as Redacted, trimming white space", () =>
    Effect.gen(function* () {
      const creds = yield* read({ ...env, OKX_PASSPHRASE: " pa55-PHRASE\n" })
      assert.strictEqual(creds.apiKey, "key-1")
      assert.isTrue(Redacted.isRedacted(creds.secretKey))
      assert.strictEqual(Redacted.value(creds.secretKey), "s3cr3t-VALUE")
      assert.strictEqual(Redacted.value(creds.passphrase), "pa55-PHRASE")
    })
  )

  for (const name of ["OKX_API_KEY", "OKX_SECRET_KEY", "OKX_PASSPHRASE"] as const) {
    it.effect(`names ${name} when it is missing or empty`, () =>
      Effect.gen(function* () {
        const { [name]: _, ...rest } = env
        const missing = yield* Effect.either(read(rest))
        assert.isTrue(Either.isLeft(missing))
        if (Either.isLeft(missing)) {
          assert.strictEqual(missing.left._op, "MissingData")
          assert.include(String(missing.left), name)
        }
        const empty = yield* Effect.either(read({ ...env, [name]: "  " }))
        assert.isTrue(Either.isLeft(empty))
        if (Either.isLeft(empty)) {
          assert.strictEqual(empty.left._op, "InvalidData")
          assert.include(String(empty.left), name)
          assert.notInclude(String(empty.left), "s3cr3t")
        }
      })
    )
  }

  it.effect("never shows a secret in String, JSON, inspection or logs", () =>
    Effect.gen(function* () {
      const creds = yield* read(env)
      const logs: Array<string> = []
      const logger = Logger.make(({ message }) => logs.push(inspect(message, { depth: 10 })))
      yield* Effect.log("credentials", creds, creds.secretKey).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      const renderings = [String(creds.secretKey), JSON.stringify(creds), inspect(creds, { depth: 10 }), ...logs]
      for (const text of renderings) {
        assert.notInclude(text, "s3cr3t-VALUE")
        assert.notInclude(text, "pa55-PHRASE")
      }
      assert.include(JSON.stringify(creds), "key-1")
    })
  )

  it("problem names the first empty or padded field given in code, never its value", () => {
    const ok = { apiKey: "key-1", secretKey: "s3cr3t-VALUE", passphrase: Redacted.make("pa55-PHRASE") }
    assert.isUndefined(OkxCredentials.problem(ok))
    const cases = [
      [{ ...ok, apiKey: "" }, "apiKey", "must not be empty"],
      [{ ...ok, secretKey: " \t" }, "secretKey", "must not be empty"],
      [{ ...ok, secretKey: Redacted.make("s3cr3t-VALUE\n") }, "secretKey", "white space"],
      [{ ...ok, passphrase: Redacted.make("") }, "passphrase", "must not be empty"],
      [{ ...ok, passphrase: 42 as unknown as string }, "passphrase", "must be a string"]
    ] as const
    for (const [input, field, says] of cases) {
      const problem = OkxCredentials.problem(input)
      assert.strictEqual(problem?.field, field)
      assert.include(problem?.message, says)
      assert.notInclude(problem?.message, "s3cr3t")
    }
  })
})
