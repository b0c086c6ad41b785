/**
 * In a worker process: when the parent goes away without stopping us (it was
 * SIGKILLed, it crashed), stop gracefully as if we had received SIGTERM, so no
 * orphaned runner keeps polling bots. The IPC channel the parent opened closes
 * when the parent dies. Outside a worker this does nothing.
 */
import { Effect, Layer, Option } from "effect"
import { AppConfig } from "../../config.ts"

export const ParentWatchLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const config = yield* AppConfig
    if (Option.isNone(config.workerIndex) || process.channel === undefined) return
    // The channel must not keep the process alive on its own.
    process.channel.unref()
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const onDisconnect = () => {
          process.kill(process.pid, "SIGTERM")
        }
        process.once("disconnect", onDisconnect)
        return onDisconnect
      }),
      (onDisconnect) => Effect.sync(() => process.off("disconnect", onDisconnect))
    )
  })
)
