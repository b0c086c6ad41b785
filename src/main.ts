/**
 * `npm start`: configuration → layers → run until SIGTERM/SIGINT, then a
 * graceful stop (bots drained and handed over, database closed), exit 0.
 */
import { Effect, Layer } from "effect"
import { AppLayer, launch } from "./app.ts"
import { AppConfig } from "./config.ts"
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

launch(Main.pipe(Layer.provide(AppConfig.layer)))
