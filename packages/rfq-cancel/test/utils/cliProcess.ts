import { OkxSimulator } from "@okx-rfq/simulator"
import { Effect, Exit, Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { stripVTControlCharacters } from "node:util"
import { afterAll, beforeAll } from "vitest"

const bin = fileURLToPath(new URL("../../src/bin/okx-rfq.ts", import.meta.url))

/** How one `okx-rfq` process ended. */
export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Environment overrides of one run: `undefined` removes the variable. */
export type Env = Readonly<Record<string, string | undefined>>

/**
 * Starts `okx-rfq args` (from source) as a real child process with only `PATH` and `env` in its environment; its
 * stdout is a pipe, or the file descriptor `stdout`.
 */
export const startCli = (args: ReadonlyArray<string>, env: Env = {}, stdout?: number) => {
  const merged: Record<string, string | undefined> = { PATH: process.env.PATH ?? "", ...env }
  return spawn(process.execPath, ["--conditions=source", "--import", "tsx", bin, ...args], {
    env: Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined)),
    stdio: ["ignore", stdout ?? "pipe", "pipe"]
  })
}

/** Runs `okx-rfq args` to its end. */
export const runCli = (args: ReadonlyArray<string>, env?: Env) => finish(startCli(args, env))

/**
 * An in-process simulator for the file's tests, started in `beforeAll` and stopped in `afterAll`, with helpers that
 * run `okx-rfq` pointed at it, with the first account's credentials in the environment (`env` overrides them).
 */
export const useSimulator = (options: OkxSimulator.Options) => {
  let sim: OkxSimulator.Service | undefined
  let scope: Scope.CloseableScope | undefined
  beforeAll(async () => {
    scope = await Effect.runPromise(Scope.make())
    sim = await Effect.runPromise(OkxSimulator.make(options).pipe(Scope.extend(scope)))
  })
  afterAll(() => (scope === undefined ? undefined : Effect.runPromise(Scope.close(scope, Exit.void))))
  const get = () => {
    if (sim === undefined) throw new Error("the simulator is not started")
    return sim
  }
  const account = options.accounts[0]!
  const start = (args: ReadonlyArray<string>, env: Env = {}, stdout?: number) =>
    startCli(
      args,
      {
        OKX_API_KEY: account.apiKey,
        OKX_SECRET_KEY: account.secretKey,
        OKX_PASSPHRASE: account.passphrase,
        OKX_BASE_URL: get().url,
        ...env
      },
      stdout
    )
  return {
    sim: get,
    start,
    run: (args: ReadonlyArray<string>, env?: Env) => finish(start(args, env)),
    state: () => Effect.runPromise(get().state),
    requestCount: async () => (await Effect.runPromise(get().state)).requests.length
  }
}

/** Collects a child's output until it exits. */
export const finish = (child: ChildProcess) =>
  new Promise<Run>((resolve) => {
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (d) => (stdout += d))
    child.stderr!.on("data", (d) => (stderr += d))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** The `--json` result: the last line of stdout. */
export const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!)

/** The text without ANSI colour codes (the help is printed in colour). */
export const plain = (text: string) => stripVTControlCharacters(text)

/** Sleeps `ms` of real time (waiting on a child process). */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `condition` every 100 ms, up to `attempts` times; resolves to its last answer. */
export const waitFor = async (condition: () => Promise<boolean> | boolean, attempts = 100) => {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return true
    await pause(100)
  }
  return false
}

/**
 * Runs the tasks at most `limit` at a time (each is a process of about a second on a 2-core machine), results in
 * order.
 */
export const inParallel = async <A>(tasks: ReadonlyArray<() => Promise<A>>, limit = 3): Promise<ReadonlyArray<A>> => {
  const results = new Array<A>(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]!()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}
