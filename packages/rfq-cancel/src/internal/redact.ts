import { type Endpoints, OkxEnvelope, type RfqCancel } from "@okx-rfq/schema"
import * as Either from "effect/Either"

/**
 * The value of header `name` (any case) in `headers`.
 *
 * @internal
 */
export const headerValue = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  for (const key in headers) if (key.toLowerCase() === name) return headers[key]
  return undefined
}

const redacted = "<redacted>"

const code = (c: string, radix: 10 | 16) => c.codePointAt(0)!.toString(radix)

/** The entity spellings of `&<>"'` in use: named (with `'` as `&#39;` or `&#x27;`), decimal (Go's `&#34;`), hex. */
const htmlEscapes: ReadonlyArray<(c: string) => string> = [
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" })[c]!,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" })[c]!,
  (c) => `&#${code(c, 10)};`,
  (c) => `&#x${code(c, 16)};`,
  (c) => `&#x${code(c, 16).toUpperCase()};`
]

/** Percent-encodings: `encodeURIComponent`'s, RFC 3986's (`!'()*` too), and a form body's (space as `+`). */
const percentForms = (secret: string): ReadonlyArray<string> => {
  const component = encodeURIComponent(secret)
  const strict = component.replace(/[!'()*]/g, (c) => `%${code(c, 16).toUpperCase()}`)
  const form = new URLSearchParams({ x: secret }).toString().slice(2)
  // the same with lower-case hex digits, as some encoders write them
  const lower = (text: string) => text.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())
  return [component, strict, form, lower(component), lower(strict), lower(form)]
}

/** JSON string escapes: `JSON.stringify`'s, and with every non-ASCII character as `\uXXXX` (either case). */
const jsonForms = (secret: string): ReadonlyArray<string> => {
  const plain = JSON.stringify(secret).slice(1, -1)
  const ascii = plain.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  return [plain, ascii, ascii.replace(/\\u[0-9a-f]{4}/g, (e) => `\\u${e.slice(2).toUpperCase()}`)]
}

/**
 * The ways `passphrase` can appear in a text that echoes it: as it is, HTML-escaped (an error page), percent-encoded
 * (a URL or form body), and JSON-escaped (an unparsed JSON text), the longest first; each once. None when there is no
 * passphrase.
 *
 * @internal
 */
export const echoForms = (passphrase: string | undefined): ReadonlyArray<string> => {
  if (passphrase === undefined || passphrase === "") return []
  const forms = new Set([
    passphrase,
    ...htmlEscapes.map((entity) => passphrase.replace(/[&<>"']/g, entity)),
    ...percentForms(passphrase),
    ...jsonForms(passphrase)
  ])
  return [...forms].sort((a, b) => b.length - a.length)
}

/** `value` with each of `forms` replaced in every string it holds (a parsed JSON body: arrays, objects, keys too). */
const scrub = (value: unknown, forms: ReadonlyArray<string>): unknown => {
  if (typeof value === "string") {
    let text = value
    for (const form of forms) if (text.includes(form)) text = text.replaceAll(form, redacted)
    return text
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => scrub(item, forms))
    return items.some((item, i) => item !== value[i]) ? items : value
  }
  if (typeof value !== "object" || value === null) return value
  const entries = Object.entries(value)
  const scrubbed = entries.map(([key, item]) => [scrub(key, forms) as string, scrub(item, forms)] as const)
  return scrubbed.some(([key, item], i) => key !== entries[i]![0] || item !== entries[i]![1])
    ? Object.fromEntries(scrubbed)
    : value
}

/**
 * The body of a venue's answer as the client reads it: parsed JSON, or the text when it is not JSON or nests deeper
 * than `OkxEnvelope.maxDepth` (walking such a body to decode, format or scrub it overflows the stack). Parsed JSON is
 * kept as sent: its deciding fields are decoded first, and its free text scrubbed after (`withoutEcho`,
 * `resultWithoutEcho`). The text is kept without the passphrase's echoes (`forms`): what is made of it
 * (`JSON.parse`'s message quotes its first characters) must not carry a part of one. It is still what the venue
 * sent in what it decides: a text that would read as JSON once scrubbed (the echo of a passphrase with a `"` in it
 * was what broke it) is not shown at all, so that the client never acts on an answer the venue did not send.
 *
 * @internal
 */
export const readAnswer = (text: string, forms: ReadonlyArray<string>): unknown => {
  const parsed = OkxEnvelope.parseAnswer(text)
  if (Either.isRight(parsed)) return parsed.right
  if (forms.length === 0) return text
  const scrubbed = scrub(text, forms) as string
  return scrubbed === text || Either.isLeft(OkxEnvelope.parseAnswer(scrubbed))
    ? scrubbed
    : "(an answer that is not JSON, not shown: it echoes the passphrase)"
}

/**
 * Whether an answer's text may echo the passphrase (`forms`, from `echoForms`). Without an escape in the text, every
 * string of the parsed body is written in it as it is, so an echo in the body is in the text: most answers are
 * passed on without a walk.
 *
 * @internal
 */
export const mayEcho = (text: string, forms: ReadonlyArray<string>): boolean =>
  forms.length > 0 && (text.includes("\\") || forms.some((form) => text.includes(form)))

/**
 * `error` without the passphrase's echoes (`forms`) in the venue's text it carries (`msg`, `detail`, `body`): a proxy
 * or gateway whose error page prints the request's headers echoes the passphrase, and an error is printed, logged
 * and put on spans. The same error when none of it holds an echo.
 *
 * @internal
 */
export const withoutEcho = <E extends { readonly _tag: string }>(error: E, forms: ReadonlyArray<string>): E => {
  const fields = error as unknown as Record<string, unknown>
  const changed: Record<string, unknown> = {}
  for (const key of ["msg", "detail", "body"]) {
    if (!(key in fields)) continue
    const value = scrub(fields[key], forms)
    if (value !== fields[key]) changed[key] = value
  }
  if (Object.keys(changed).length === 0) return error
  const { _tag, ...rest } = fields
  return new (error.constructor as new (fields: Record<string, unknown>) => E)({ ...rest, ...changed })
}

/**
 * `result` without the passphrase's echoes (`forms`) in the venue's free text it carries: an items result's `msg`,
 * `topLevel.msg` and items' `sMsg`, a `NothingToCancel`'s `msg`. Only the free text: an id, a code or a time that
 * happens to contain the passphrase's characters (a passphrase `2024` in a `ts`) is the venue's answer, and decides.
 *
 * @internal
 */
export const resultWithoutEcho = <R>(result: R, forms: ReadonlyArray<string>): R => {
  const text = (value: string) => scrub(value, forms) as string
  const tagged = result as { readonly _tag?: unknown }
  if (tagged._tag === "NothingToCancel") {
    const nothing = result as Endpoints.NothingToCancel
    return { ...nothing, msg: text(nothing.msg) } as R
  }
  if (tagged._tag !== "Items") return result
  const items = result as Endpoints.ItemsResult<{ readonly outcome: RfqCancel.ItemOutcome }>
  return {
    ...items,
    msg: text(items.msg),
    ...(items.topLevel === undefined ? {} : { topLevel: { ...items.topLevel, msg: text(items.topLevel.msg) } }),
    items: items.items.map((item) => ({ ...item, outcome: { ...item.outcome, sMsg: text(item.outcome.sMsg) } }))
  } as R
}
