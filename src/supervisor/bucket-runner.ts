/**
 * A bucket's bots, run for as long as this process owns the bucket, kept in step
 * with the watcher: a polling bot is a fiber in a FiberMap (its runner); a
 * webhook bot is only registered with WebhookBots (no fiber while idle). Changes
 * are applied one at a time, and a replaced bot is fully stopped before its
 * successor starts (never two pollers for one token, not even inside one
 * process). A bot that leaves webhook mode (deactivated, switched to polling)
 * gets its webhook deleted; a token change or a hand-over keeps it.
 *
 * When the bucket's scope closes (ownership moves away, or shutdown), every bot
 * fiber is interrupted and stops gracefully, and webhook bots are released.
 */
import { Effect, FiberMap, Queue } from "effect"
import { bucketsOwned, reconcileDuration } from "../metrics/registry.ts"
import { runBot } from "./bot-runner.ts"
import type { BotRunnerServices } from "./bot-runner.ts"
import { BotsWatcher } from "./watcher.ts"
import { WebhookBots } from "./webhook-bots.ts"
import type { DesiredBot } from "./watcher.ts"

export const runBucket = (bucket: number): Effect.Effect<never, never, BotsWatcher | WebhookBots | BotRunnerServices> =>
  Effect.gen(function* () {
    const watcher = yield* BotsWatcher
    const webhooks = yield* WebhookBots
    const fibers = yield* FiberMap.make<number>()
    const running = new Map<number, DesiredBot>()
    bucketsOwned.inc()
    yield* Effect.addFinalizer(() => Effect.sync(() => bucketsOwned.dec()))
    // Leaving the bucket (hand-over, shutdown) keeps the webhooks: the next owner handles them.
    yield* Effect.addFinalizer(() =>
      Effect.forEach(
        [...running.values()].filter((b) => b.ingestMode === "webhook"),
        (b) => webhooks.release(b.id, { deleteWebhook: false }),
        { concurrency: "unbounded", discard: true }
      )
    )

    const start = (bot: DesiredBot) => {
      running.set(bot.id, bot)
      if (bot.ingestMode === "webhook") return webhooks.activate(bot)
      return FiberMap.run(fibers, bot.id, Effect.scoped(runBot(bot))).pipe(Effect.asVoid)
    }

    const reconcile = Effect.fnUntraced(function* (id: number) {
      const want = watcher.get(id)
      const have = running.get(id)
      const alive = have?.ingestMode === "webhook" || (yield* FiberMap.has(fibers, id))
      if (want && have && alive && have.fingerprint === want.fingerprint && have.ingestMode === want.ingestMode) {
        running.set(id, want)
        return
      }
      if (have?.ingestMode === "webhook") {
        running.delete(id)
        yield* webhooks.release(id, { deleteWebhook: want?.ingestMode !== "webhook" })
      } else if (have || alive) {
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

export type BucketServices = BotsWatcher | WebhookBots | BotRunnerServices
