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
 * The ways a secret can appear in a text that echoes it: as it is, HTML-escaped (an error page), percent-encoded (a
 * URL or form body), and JSON-escaped (an unparsed JSON text), the longest first; each once.
 */
const echoForms = (secret: string): ReadonlyArray<string> => {
  const forms = new Set([
    secret,
    ...htmlEscapes.map((entity) => secret.replace(/[&<>"']/g, entity)),
    ...percentForms(secret),
    ...jsonForms(secret)
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
 * `error` without the `passphrase` in the venue's text it carries (`msg`, `detail`, `body`): a proxy or gateway whose
 * error page prints the request's headers echoes the passphrase, and an error is printed, logged and put on spans.
 * The passphrase is looked for as sent and as an echo may have escaped it (HTML, percent-encoding, JSON).
 * The same error when none of it holds the passphrase (the secret key is never sent, so it cannot be echoed).
 *
 * @internal
 */
export const withoutEcho = <E extends { readonly _tag: string }>(error: E, passphrase: string | undefined): E => {
  if (passphrase === undefined || passphrase === "") return error
  const fields = error as unknown as Record<string, unknown>
  const changed: Record<string, unknown> = {}
  const forms = echoForms(passphrase)
  for (const key of ["msg", "detail", "body"]) {
    if (!(key in fields)) continue
    const value = scrub(fields[key], forms)
    if (value !== fields[key]) changed[key] = value
  }
  if (Object.keys(changed).length === 0) return error
  const { _tag, ...rest } = fields
  return new (error.constructor as new (fields: Record<string, unknown>) => E)({ ...rest, ...changed })
}
