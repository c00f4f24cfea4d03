/**
 * @since 0.1.0
 */

/**
 * The endpoint table (path, method, request schema, `data[]` item schema) for the seven RFQ cancellation endpoints,
 * `GET /api/v5/public/time` and `GET /api/v5/rfq/quotes`, and `interpret`: one total function from an HTTP response
 * to a typed result or a typed `OkxError`.
 *
 * @since 0.1.0
 */
export * as Endpoints from "./Endpoints.js"

/**
 * The `{ code, msg, data }` envelope every OKX v5 REST response is wrapped in.
 *
 * @since 0.1.0
 */
export * as OkxEnvelope from "./OkxEnvelope.js"

/**
 * The typed error taxonomy over OKX envelope codes and HTTP statuses, each error carrying a machine-readable retry
 * rule. Every decision is made on `code` (or HTTP status), never on `msg` text.
 *
 * @since 0.1.0
 */
export * as OkxError from "./OkxError.js"

/**
 * Request and response schemas for the OKX RFQ cancellation family (`/api/v5/rfq/cancel-*`), plus
 * `GET /api/v5/public/time` and `GET /api/v5/rfq/quotes`.
 *
 * @since 0.1.0
 */
export * as RfqCancel from "./RfqCancel.js"
