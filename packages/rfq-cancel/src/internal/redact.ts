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

const htmlEscapes: ReadonlyArray<Readonly<Record<string, string>>> = [
  { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" },
  { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" }
]

/**
 * The ways a secret can appear in a text that echoes it: as it is, HTML-escaped (an error page), percent-encoded (a
 * URL or form body), and JSON-escaped (an unparsed JSON text), the longest first; each once.
 */
const echoForms = (secret: string): ReadonlyArray<string> => {
  const forms = new Set([
    secret,
    ...htmlEscapes.map((escapes) => secret.replace(/[&<>"']/g, (c) => escapes[c]!)),
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1)
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
