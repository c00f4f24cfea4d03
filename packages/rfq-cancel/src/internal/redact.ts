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

/** `value` with `secret` replaced in every string it holds (a parsed JSON body: arrays, objects, keys too). */
const scrub = (value: unknown, secret: string): unknown => {
  if (typeof value === "string") return value.includes(secret) ? value.replaceAll(secret, redacted) : value
  if (Array.isArray(value)) {
    const items = value.map((item) => scrub(item, secret))
    return items.some((item, i) => item !== value[i]) ? items : value
  }
  if (typeof value !== "object" || value === null) return value
  const entries = Object.entries(value)
  const scrubbed = entries.map(([key, item]) => [scrub(key, secret) as string, scrub(item, secret)] as const)
  return scrubbed.some(([key, item], i) => key !== entries[i]![0] || item !== entries[i]![1])
    ? Object.fromEntries(scrubbed)
    : value
}

/**
 * `error` without the `passphrase` in the venue's text it carries (`msg`, `detail`, `body`): a proxy or gateway whose
 * error page prints the request's headers echoes the passphrase, and an error is printed, logged and put on spans.
 * The same error when none of it holds the passphrase (the secret key is never sent, so it cannot be echoed).
 *
 * @internal
 */
export const withoutEcho = <E extends { readonly _tag: string }>(error: E, passphrase: string | undefined): E => {
  if (passphrase === undefined || passphrase === "") return error
  const fields = error as unknown as Record<string, unknown>
  const changed: Record<string, unknown> = {}
  for (const key of ["msg", "detail", "body"]) {
    if (!(key in fields)) continue
    const value = scrub(fields[key], passphrase)
    if (value !== fields[key]) changed[key] = value
  }
  if (Object.keys(changed).length === 0) return error
  const { _tag, ...rest } = fields
  return new (error.constructor as new (fields: Record<string, unknown>) => E)({ ...rest, ...changed })
}
