/**
 * Shared benchmark tools: statistics, Markdown tables, SVG charts and the simulator as a child process.
 */
export * from "./process.js"
export * from "./results.js"
export * from "./stats.js"
export * from "./svg.js"
export * from "./table.js"
