/**
 * `npm start`: configuration → layers → run until SIGTERM/SIGINT, then a
 * graceful stop (bots drained and handed over, database closed), exit 0.
 * A failure — at start-up or later — is one line on stderr naming the cause
 * and the fix, exit 1 (src/startup-failure.ts; LOG_LEVEL=debug adds the stack).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Layer } from "effect"
import { AppLayer } from "./app.ts"
import { AppConfig } from "./config.ts"
import { checkSettings, reportFailure } from "./startup-failure.ts"
import { ParentWatchLive } from "./supervisor/workers/parent-watch.ts"
import { WorkerParentLive } from "./supervisor/workers/parent.ts"

// WORKER_PROCESSES > 1: this process starts that many runner processes and
// serves HTTP_PORT for them; otherwise it is the runner itself.
const Main = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    return config.workerProcesses > 1 ? WorkerParentLive : Layer.merge(AppLayer(), ParentWatchLive)
  })
)

let started = false

Effect.gen(function* () {
  yield* checkSettings(yield* AppConfig)
  yield* Layer.build(Main)
  started = true
  return yield* Effect.never
}).pipe(
  Effect.scoped,
  Effect.provide(AppConfig.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    // A stop by signal is the normal end of a replica's life (Kubernetes sends SIGTERM): exit 0.
    teardown: (exit, onExit) => {
      if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
        reportFailure(exit.cause, { started })
        onExit(1)
      } else onExit(0)
    }
  })
)
