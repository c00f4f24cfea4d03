/**
 * A local OKX RFQ venue over real HTTP: OKX v5 authentication, per-User-ID limits, quotes and RFQs, the
 * cancel-all-after countdown, fault injection, and a control API under `/sim/`.
 *
 * @since 0.1.0
 */
export * as OkxSimulator from "./OkxSimulator.js"
