/** @internal */
export const messages: Record<string, string> = {
  "0": "",
  "1": "Operation failed.",
  "2": "Bulk operation partially succeeded.",
  "404": "Not Found",
  "405": "Method Not Allowed",
  "413": "Request Entity Too Large",
  "50000": "Body for POST request cannot be empty.",
  "50001": "Service temporarily unavailable. Try again later",
  "50002": "JSON syntax error",
  "50004":
    "API endpoint request timeout (does not mean that the request was successful or failed, please check the request result).",
  "50006": 'Invalid Content_Type, please use "application/json" format',
  "50011": "Rate limit reached. Please refer to API documentation and throttle requests accordingly.",
  "50013": "Systems are busy. Please try again later.",
  "50014": "Parameter {param0} can not be empty.",
  "50015": "Either parameter {param0} or {param1} is required.",
  "50025": "Parameter {param0} count exceeds the limit {param1}.",
  "50026": "System error. Try again later",
  "50101": "APIKey does not match current environment.",
  "50102": "Timestamp request expired.",
  "50103": "Request header OK-ACCESS-KEY cannot be empty.",
  "50104": "Request header OK-ACCESS-PASSPHRASE cannot be empty.",
  "50105": "Request header OK-ACCESS-PASSPHRASE incorrect.",
  "50106": "Request header OK-ACCESS-SIGN cannot be empty.",
  "50107": "Request header OK-ACCESS-TIMESTAMP cannot be empty.",
  "50111": "Invalid OK-ACCESS-KEY.",
  "50112": "Invalid OK-ACCESS-TIMESTAMP.",
  "50113": "Invalid Sign.",
  "51000": "Parameter {param0} error",
  "70000": "RFQ does not exist.",
  "70001": "Quote does not exist.",
  "70008": "Operation failed under MMP status.",
  "70200": "The RFQ with {rfqState} status cannot be canceled",
  "70203": "Cancellation failed as you have exceeded the maximum number of RFQs that can be canceled at once.",
  "70207": "Cancellation failed as you do not have any active RFQs.",
  "70208": "Cancellation failed as service is unavailable now, please try again later.",
  "70400": "Cancellation failed as quote is not in cancellable state.",
  "70408": "Cancellation failed as you have exceeded the maximum number of quotes that can be canceled at once.",
  "70409": "Cancellation failed as you do not have any active quotes."
}

/** @internal */
export const messageOf = (code: string, params: ReadonlyArray<string> = []): string => {
  const template = messages[code] ?? `Error ${code}`
  // a placeholder without a value (an injected error names no parameter) leaves no double space behind
  return template
    .replace(/\{(?:param(\d)|rfqState)\}/g, (_, index: string | undefined) =>
      index === undefined ? (params[0] ?? "") : (params[Number(index)] ?? "")
    )
    .replace(/ {2,}/g, " ")
    .replace(/ ([.,])/g, "$1")
}

/** @internal */
export const httpStatusOf = (code: string): number => {
  switch (code) {
    case "404":
      return 404
    case "405":
      return 405
    case "413":
      return 413
    case "50000":
    case "50002":
    case "50006":
    case "50004":
    case "50014":
    case "50015":
      return 400
    case "50001":
      return 503
    case "50011":
    case "50013":
      return 429
    case "50026":
      return 500
    default: {
      const n = Number(code)
      return n >= 50100 && n <= 50119 ? 401 : 200
    }
  }
}

/** @internal */
export interface Reply {
  readonly httpStatus: number
  readonly code: string
  readonly body: string
}

/** @internal */
export const envelope = (
  code: string,
  data: ReadonlyArray<unknown> = [],
  msg: string = messageOf(code),
  httpStatus: number = httpStatusOf(code)
): Reply => ({ httpStatus, code, body: JSON.stringify({ code, msg, data }) })

/** @internal */
export const error = (code: string, ...params: ReadonlyArray<string>): Reply =>
  envelope(code, [], messageOf(code, params))

/**
 * Schema drift on an answer: `"extra"` adds an unknown field to the envelope and to every object in `data`;
 * `"missing"` removes the first field of every object in `data` (cancel-quote: `quoteId`, cancel-all-*: `ts`,
 * cancel-all-after: `triggerTime`).
 *
 * @internal
 */
export const drift = (reply: Reply, kind: "extra" | "missing"): Reply => {
  const envelope = JSON.parse(reply.body) as { readonly data: ReadonlyArray<unknown> }
  const data = envelope.data.map((item) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return item
    if (kind === "extra") return { ...item, simDrift: "extra" }
    return Object.fromEntries(Object.entries(item).slice(1))
  })
  const body = kind === "extra" ? { ...envelope, data, simDrift: "extra" } : { ...envelope, data }
  return { ...reply, body: JSON.stringify(body) }
}
