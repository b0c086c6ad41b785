/**
 * A bucket's bots, run for as long as this process owns the bucket: one fiber
 * per bot in a FiberMap, kept in step with the watcher. Changes are applied one
 * at a time, and a replaced bot is fully stopped before its successor starts
 * (never two pollers for one token, not even inside one process).
 *
 * When the bucket's scope closes (ownership moves away, or shutdown), every bot
 * fiber is interrupted and stops gracefully.
 */
import { Effect, FiberMap, Queue } from "effect"
import { bucketsOwned, reconcileDuration } from "../metrics/registry.ts"
import { runBot } from "./bot-runner.ts"
import type { BotRunnerServices } from "./bot-runner.ts"
import { BotsWatcher } from "./watcher.ts"
import type { DesiredBot } from "./watcher.ts"

export const runBucket = (bucket: number): Effect.Effect<never, never, BotsWatcher | BotRunnerServices> =>
  Effect.gen(function* () {
    const watcher = yield* BotsWatcher
    const fibers = yield* FiberMap.make<number>()
    const running = new Map<number, DesiredBot>()
    bucketsOwned.inc()
    yield* Effect.addFinalizer(() => Effect.sync(() => bucketsOwned.dec()))

    const start = (bot: DesiredBot) => {
      running.set(bot.id, bot)
      return FiberMap.run(fibers, bot.id, Effect.scoped(runBot(bot)))
    }

    const reconcile = Effect.fnUntraced(function* (id: number) {
      const want = watcher.get(id)
      const have = running.get(id)
      const alive = yield* FiberMap.has(fibers, id)
      if (want && have && alive && have.fingerprint === want.fingerprint) {
        running.set(id, want)
        return
      }
      if (have || alive) {
        running.delete(id)
        yield* FiberMap.remove(fibers, id) // waits for the graceful stop
      }
      if (want) yield* start(want)
    })

    const { changes, initial } = yield* watcher.watchBucket(bucket)
    yield* Effect.forEach(initial, start, { discard: true })
    for (;;) {
      const ids = yield* Queue.takeAll(changes)
      const started = performance.now()
      yield* Effect.forEach(new Set(ids), reconcile, { discard: true })
      reconcileDuration.observe((performance.now() - started) / 1000)
    }
  }).pipe(Effect.scoped, Effect.annotateLogs({ bucket }))

export type BucketServices = BotsWatcher | BotRunnerServices
