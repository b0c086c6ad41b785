/**
 * The supervisor: waits for the watcher's first picture of the desired state,
 * then runs every bucket this process owns. Ownership comes from the cluster
 * (cluster/bucket-singletons.ts: each bucket a cluster singleton); nothing
 * below the bucket knows about it.
 */
import { Effect, Layer } from "effect"
import { AppConfig } from "../config.ts"
import { runBucket } from "./bucket-runner.ts"
import type { BucketServices } from "./bucket-runner.ts"
import { Health } from "./health.ts"
import { BotsWatcher } from "./watcher.ts"

/** Runs `run(k)` for each bucket this process owns, for as long as it owns it. */
export type Ownership = (
  buckets: number,
  run: (bucket: number) => Effect.Effect<never, never, BucketServices>
) => Effect.Effect<void, never, BucketServices | import("effect").Scope.Scope>

export const SupervisorLive = (ownership: Ownership) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const config = yield* AppConfig
      const watcher = yield* BotsWatcher
      const health = yield* Health
      yield* watcher.ready
      yield* ownership(config.botBuckets, runBucket)
      yield* Effect.logInfo(`supervising ${watcher.desiredCount()} active bots in ${config.botBuckets} buckets`)
      // Registered last, so it runs first on shutdown: stop looking ready before bots drain.
      yield* Effect.addFinalizer(() =>
        health.startDraining.pipe(Effect.andThen(Effect.logInfo("draining: handing bots over")))
      )
    })
  )
