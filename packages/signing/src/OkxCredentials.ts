/**
 * OKX API credentials: the key, and the secret key and passphrase held as `Redacted` from the moment they
 * are read until the HMAC call, so printing, logging, inspecting or JSON-encoding them never shows a secret.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

/**
 * @since 0.1.0
 * @category models
 */
export interface Credentials {
  /** The API key (`OK-ACCESS-KEY`); an identifier, not a secret. */
  readonly apiKey: string
  /** The secret key the HMAC is keyed with. */
  readonly secretKey: Redacted.Redacted<string>
  /** The passphrase chosen when the key was created (`OK-ACCESS-PASSPHRASE`). */
  readonly passphrase: Redacted.Redacted<string>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class OkxCredentials extends Context.Tag("@okx-rfq/signing/OkxCredentials")<OkxCredentials, Credentials>() {}

/**
 * The plain inputs of {@link make}: secrets may be given plain or already `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Input {
  readonly apiKey: string
  readonly secretKey: string | Redacted.Redacted<string>
  readonly passphrase: string | Redacted.Redacted<string>
}

const redact = (value: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.isRedacted(value) ? value : Redacted.make(value)

/**
 * What is wrong with credentials given in code, if anything: the first field that is empty or has white space
 * around it (a pasted newline would only show as an authentication failure at the venue). The message names the
 * field and never contains its value. `RfqCancelClient.layer` refuses credentials with a problem; {@link make}
 * does not check.
 *
 * @example
 * ```ts
 * import { OkxCredentials } from "@okx-rfq/signing"
 *
 * OkxCredentials.problem({ apiKey: "k", secretKey: "", passphrase: "p" })
 * // { field: "secretKey", message: "must not be empty" }
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const problem = (input: Input): { readonly field: keyof Input; readonly message: string } | undefined => {
  for (const field of ["apiKey", "secretKey", "passphrase"] as const) {
    const raw: unknown = input[field]
    const value = Redacted.isRedacted(raw) ? Redacted.value(raw) : raw
    if (typeof value !== "string") return { field, message: `must be a string, got ${typeof value}` }
    if (value.trim() === "") return { field, message: "must not be empty" }
    if (value !== value.trim()) return { field, message: "must not have white space around it" }
  }
  return undefined
}

/**
 * Builds credentials, wrapping plain secrets in `Redacted`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: Input): Credentials => ({
  apiKey: input.apiKey,
  secretKey: redact(input.secretKey),
  passphrase: redact(input.passphrase)
})

/**
 * One credential variable: read, trimmed, and rejected (naming the variable) when empty.
 *
 * @since 0.1.0
 * @category config
 */
export const nonEmpty = (name: string): Config.Config<string> =>
  Config.string(name).pipe(
    Config.map((value) => value.trim()),
    Config.validate({ message: `${name} must not be empty`, validation: (value) => value.length > 0 })
  )

/**
 * Reads `OKX_API_KEY`, `OKX_SECRET_KEY` and `OKX_PASSPHRASE` (surrounding white space trimmed). A missing or
 * empty one fails with a `ConfigError` that names the variable and never contains its value.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Credentials> = Config.all({
  apiKey: nonEmpty("OKX_API_KEY"),
  secretKey: Config.map(nonEmpty("OKX_SECRET_KEY"), Redacted.make),
  passphrase: Config.map(nonEmpty("OKX_PASSPHRASE"), Redacted.make)
})

/**
 * Credentials given in code.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (input: Input): Layer.Layer<OkxCredentials> => Layer.succeed(OkxCredentials, make(input))

/**
 * Credentials from the environment (see {@link config}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig: Layer.Layer<OkxCredentials, ConfigError.ConfigError> = Layer.effect(OkxCredentials, config)
