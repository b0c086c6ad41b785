/**
 * What /readyz reports: the watcher has its first full picture, the database
 * answers, and the process is not draining (a draining replica hands its bots
 * over and must receive no new work).
 */
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { BotsWatcher } from "./watcher.ts"

export class Health extends Context.Service<
  Health,
  {
    readonly readiness: Effect.Effect<{ ready: boolean; checks: Record<string, boolean> }>
    readonly startDraining: Effect.Effect<void>
  }
>()("botfleet/supervisor/Health") {
  static readonly layer = Layer.effect(
    Health,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const watcher = yield* BotsWatcher
      let draining = false
      return Health.of({
        readiness: Effect.gen(function* () {
          const database = yield* sql`SELECT 1`.pipe(
            Effect.timeout("2 seconds"),
            Effect.as(true),
            Effect.orElseSucceed(() => false)
          )
          const synced = yield* watcher.ready.pipe(
            Effect.timeout(0),
            Effect.as(true),
            Effect.orElseSucceed(() => false)
          )
          const checks = { database, synced, accepting: !draining }
          return { ready: database && synced && !draining, checks }
        }),
        startDraining: Effect.sync(() => {
          draining = true
        })
      })
    })
  )
}
