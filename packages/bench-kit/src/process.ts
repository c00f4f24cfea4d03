/**
 * The simulator as a child process (the benchmarks' server in its own process), from source via tsx.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const simulatorDir = fileURLToPath(new URL("../../simulator/", import.meta.url))

/** A running `okx-rfq-sim`. */
export interface SimulatorProcess {
  readonly url: string
  readonly child: ChildProcess
  /** Creates `count` active quotes through the control API and returns their ids. */
  readonly createQuotes: (count: number, userId?: string) => Promise<ReadonlyArray<string>>
  /** The control API's state. */
  readonly state: () => Promise<SimulatorState>
  /** `POST /sim/reset`. */
  readonly reset: () => Promise<void>
  /** `POST /sim/faults`. */
  readonly setFaults: (faults: unknown) => Promise<void>
  /** SIGTERM, then waits for the exit. */
  readonly stop: () => Promise<void>
}

/** The parts of `GET /sim/state` the benchmarks read. */
export interface SimulatorState {
  readonly quotes: ReadonlyArray<{ readonly quoteId: string; readonly state: string }>
  readonly cancelAllAfter: unknown
  readonly requests: ReadonlyArray<{ readonly at: number; readonly path: string; readonly code: string }>
}

/** The account the benchmarks sign with. */
export const benchAccount = {
  apiKey: "bench-api-key",
  secretKey: "bench-secret-key",
  passphrase: "bench-passphrase",
  userId: "9001"
} as const

/**
 * Starts `okx-rfq-sim --port 0` for {@link benchAccount} with extra flags (e.g. `--unlimited`), and resolves once
 * it printed its listening line.
 */
export const startSimulator = async (flags: ReadonlyArray<string> = []): Promise<SimulatorProcess> => {
  const child = spawn(
    process.execPath,
    [
      "--conditions=source",
      "--import",
      "tsx",
      "src/bin/okx-rfq-sim.ts",
      "--port",
      "0",
      "--api-key",
      benchAccount.apiKey,
      "--secret-key",
      benchAccount.secretKey,
      "--passphrase",
      benchAccount.passphrase,
      "--user-id",
      benchAccount.userId,
      ...flags
    ],
    { cwd: simulatorDir, stdio: ["ignore", "pipe", "inherit"] }
  )
  const lines = createInterface({ input: child.stdout! })
  const [first] = (await once(lines, "line")) as [string]
  const match = /^listening on (http:\/\/\S+)$/.exec(first)
  if (match === null) {
    child.kill("SIGKILL")
    throw new Error(`okx-rfq-sim did not start: ${first}`)
  }
  const url = match[1]!
  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
    })
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`)
    return response.json()
  }
  return {
    url,
    child,
    createQuotes: async (count, userId = benchAccount.userId) => {
      const created = (await control("POST", "/sim/quotes", { count, userId })) as {
        quotes: ReadonlyArray<{ quoteId: string }>
      }
      return created.quotes.map((q) => q.quoteId)
    },
    state: async () => (await control("GET", "/sim/state")) as SimulatorState,
    reset: async () => {
      await control("POST", "/sim/reset", {})
    },
    setFaults: async (faults) => {
      await control("POST", "/sim/faults", faults)
    },
    stop: async () => {
      if (child.exitCode !== null) return
      child.kill("SIGTERM")
      await once(child, "exit")
    }
  }
}
