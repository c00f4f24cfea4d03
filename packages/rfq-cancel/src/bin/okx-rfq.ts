#!/usr/bin/env node
/**
 * The `okx-rfq` program: every cancellation endpoint, the `guard` dead-man's switch and the `demo`.
 *
 * Exit codes: 0 everything succeeded; 1 the venue refused or an item failed, or a signal stopped a one-shot command
 * before it finished (its outcome unknown); 2 invalid input or usage.
 * SIGINT/SIGTERM during `guard` runs the configured shutdown and exits 0 once it completed, or 1 with the reason on
 * stderr if it failed; a further signal during the shutdown is answered on stderr, the one after that abandons it
 * (what was left undone on stderr) and exits 3. `guard` exits 1 at once if the venue refuses the first arm with a
 * final error. Logs go to stderr.
 *
 * @since 0.1.0
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as FairScheduler from "../FairScheduler.js"
import { ExitWith, run } from "../internal/cli.js"

/** The code a command asked for with `ExitWith`: as a failure, or as a defect when its fiber was interrupted. */
const requested = (cause: Cause.Cause<unknown>): Option.Option<number> =>
  Cause.find(cause, (c) => {
    const error = c._tag === "Fail" ? c.error : c._tag === "Die" ? c.defect : undefined
    return error instanceof ExitWith ? Option.some(error.code) : Option.none()
  })

const exitCode = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return 0
  const code = requested(exit.cause)
  if (Option.isSome(code)) return code.value
  if (Cause.isInterruptedOnly(exit.cause)) return 0
  const failure = Cause.failureOption(exit.cause)
  return Option.isSome(failure) && ValidationError.isValidationError(failure.value) ? 2 : 1
}

run(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  // the switch of `guard` (and `demo`) stays on time however many fibers are ready
  Effect.provide(FairScheduler.layer()),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit) => {
      const code = exitCode(exit)
      // an unexpected failure or defect: print it (an ExitWith was reported by the command already)
      if (Exit.isFailure(exit) && code === 1 && Option.isNone(requested(exit.cause))) {
        process.stderr.write(`${Cause.pretty(exit.cause)}\n`)
      }
      // the program is over: a signal from now on neither kills the process (runMain has removed its listeners) nor
      // cuts its output short. Writes to a pipe are asynchronous, and exiting before they are out (as runMain does
      // after a signal) loses the end of stdout, the --json line included: exit once both streams are written.
      const ignore = () => {}
      process.on("SIGINT", ignore)
      process.on("SIGTERM", ignore)
      process.stdout.write("", () => process.stderr.write("", () => process.exit(code)))
    }
  })
)
