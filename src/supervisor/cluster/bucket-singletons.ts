/**
 * Ownership through the cluster engine: every runner registers the same fixed
 * set of singletons, one per bucket (`bots/bucket-<k>`), and the engine runs
 * each on the runner that holds its shard's lock. A bucket moves with
 * stop-before-start: its old owner's fiber is interrupted (its bots stop
 * gracefully) before the lock is released, and only then can the new owner
 * take the lock and start it.
 *
 * One singleton per bucket, never one per bot: the engine's rebalance work
 * grows with moved × registered singletons (STACK-NOTES, effect/cluster), so
 * their number must stay small and fixed whatever the fleet size.
 *
 * The body, `runBucket`, never fails and never ends: the engine does not
 * restart a failed singleton, so each bot keeps its own retry loop.
 */
import { Effect, Scope } from "effect"
import type { Sharding } from "effect/cluster"
import type { Ownership } from "../supervisor.ts"

export const bucketSingletonName = (bucket: number) => `bots/bucket-${bucket}`

export const clusterOwnership =
  (sharding: Sharding.Sharding["Service"]): Ownership =>
  (buckets, run) =>
    Effect.gen(function* () {
      // The registrations belong to the engine's lifetime, not to this layer's:
      // on shutdown the engine hands its shards off one by one — it unregisters
      // the runner (the others start claiming at once), stops each shard's
      // singletons and releases that shard's lock as soon as they have stopped —
      // instead of every bucket stopping while all locks are held and the locks
      // going together at the end. (Measured at 10,000 bots, the hand-over time
      // is dominated by the bots' stop and start cost, not by this order.) The
      // scope is parallel so that, if it is ever closed, buckets stop at once.
      const registrations = yield* Scope.make("parallel")
      for (let k = 0; k < buckets; k++) {
        yield* sharding.registerSingleton(bucketSingletonName(k), run(k)).pipe(Scope.provide(registrations))
      }
      yield* Effect.logInfo(`registered ${buckets} bucket singletons`)
    })
