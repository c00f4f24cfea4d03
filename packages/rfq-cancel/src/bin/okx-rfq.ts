#!/usr/bin/env node
/**
 * The `okx-rfq` program: every cancellation endpoint, the `guard` dead-man's switch and the `demo`.
 *
 * Exit codes: 0 everything succeeded; 1 the venue refused or an item failed; 2 invalid input or usage.
 * SIGINT/SIGTERM during `guard` runs the configured shutdown and exits 0 once it completed.
 *
 * @since 0.1.0
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { ExitWith, run } from "../internal/cli.js"

const exitCode = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) return 0
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") {
    const error = failure.value
    if (ValidationError.isValidationError(error)) return 2
    if (error instanceof ExitWith) return error.code
  }
  return 1
}

run(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) => {
      if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) && exitCode(exit) === 1) {
        const failure = Cause.failureOption(exit.cause)
        if (failure._tag === "None" || (failure.value as { _tag?: string })._tag !== "ExitWith") {
          process.stderr.write(`${Cause.pretty(exit.cause)}\n`)
        }
      }
      onExit(exitCode(exit))
    }
  })
)
