/**
 * The desired state: every active bot, from PostgreSQL. NOTIFY (migrations/003)
 * brings each change within milliseconds; a full resync on a timer and after
 * every (re)subscription means a lost notification only delays a change.
 *
 * Changes are routed to the bucket that owns the bot (see bucket-runner.ts);
 * changes to a bot's flags or configuration are published separately, for the
 * tenant cache, without restarting anything.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Deferred, Effect, Layer, PubSub, Queue, Redacted, Schedule, Schema } from "effect"
import type { Scope } from "effect"
import { AppConfig } from "../config.ts"
import { causeSummary } from "../logging.ts"
import { botsDesired } from "../metrics/registry.ts"
import { sha256Hex } from "../tenants/tokens.ts"
import { bucketOf } from "./bucket-of.ts"

export const BOTS_CHANNEL = "botfleet_bots"

export type IngestMode = "polling" | "webhook"

/** What a runner needs to run a bot; `fingerprint` changes exactly when the token does. */
export interface DesiredBot {
  readonly id: number
  readonly name: string
  readonly isMaster: boolean
  readonly token: Redacted.Redacted<string>
  readonly fingerprint: string
  /** The bot's own mode, or the fleet default (INGEST_MODE). */
  readonly ingestMode: IngestMode
}

interface BotRow {
  readonly id: number
  readonly name: string
  readonly isMaster: boolean
  readonly telegramBotToken: string
  readonly ingestMode: IngestMode | null
}

const toDesired =
  (fleetMode: IngestMode) =>
  (row: BotRow): DesiredBot => ({
    id: row.id,
    name: row.name,
    isMaster: row.isMaster,
    token: Redacted.make(row.telegramBotToken),
    fingerprint: sha256Hex(row.telegramBotToken).slice(0, 16),
    ingestMode: row.ingestMode ?? fleetMode
  })

const Notification = Schema.fromJsonString(
  Schema.Struct({
    table: Schema.String,
    op: Schema.String,
    bot_id: Schema.Number
  })
)
const decodeNotification = Schema.decodeUnknownOption(Notification)

export interface BucketWatch {
  /** The bucket's desired bots when the watch began. */
  readonly initial: ReadonlyArray<DesiredBot>
  /** Ids of the bucket's bots that changed since (look them up with `get`). */
  readonly changes: Queue.Dequeue<number>
}

export class BotsWatcher extends Context.Service<
  BotsWatcher,
  {
    /** Completes once the first full sync is done. */
    readonly ready: Effect.Effect<void>
    readonly get: (botId: number) => DesiredBot | undefined
    readonly desiredCount: () => number
    /** Follows one bucket's bots for as long as the scope is open. */
    readonly watchBucket: (bucket: number) => Effect.Effect<BucketWatch, never, Scope.Scope>
    /** Bot ids whose flags or configuration changed. */
    readonly settingsChanged: PubSub.PubSub<number>
    /** Forces a full resync now (tests, operators). */
    readonly resync: Effect.Effect<void>
  }
>()("botfleet/supervisor/BotsWatcher") {
  static readonly layer = Layer.effect(
    BotsWatcher,
    Effect.gen(function* () {
      const pg = yield* PgClient.PgClient
      const config = yield* AppConfig
      const buckets = config.botBuckets
      const desiredOf = toDesired(config.ingestMode)
      const desired = new Map<number, DesiredBot>()
      // bucket → its desired bot ids: a bucket starting must not scan (and hash) the whole fleet
      const members = new Map<number, Set<number>>()
      const bucketQueues = new Map<number, Queue.Queue<number>>()
      const settingsChanged = yield* PubSub.unbounded<number>()
      const ready = yield* Deferred.make<void>()

      const route = (ids: Iterable<number>) =>
        Effect.forEach(
          ids,
          (id) => {
            const queue = bucketQueues.get(bucketOf(id, buckets))
            return queue ? Queue.offer(queue, id) : Effect.void
          },
          { discard: true }
        )

      const apply = (id: number, next: DesiredBot | undefined): boolean => {
        const current = desired.get(id)
        if (next === undefined) {
          if (current !== undefined) members.get(bucketOf(id, buckets))?.delete(id)
          return desired.delete(id)
        }
        if (current === undefined) {
          const bucket = bucketOf(id, buckets)
          let ids = members.get(bucket)
          if (!ids) members.set(bucket, (ids = new Set()))
          ids.add(id)
        }
        desired.set(id, next)
        return (
          current === undefined ||
          current.fingerprint !== next.fingerprint ||
          current.name !== next.name ||
          current.isMaster !== next.isMaster ||
          current.ingestMode !== next.ingestMode
        )
      }

      const fullSync = Effect.gen(function* () {
        const rows = yield* pg<BotRow>`
          SELECT id, name, is_master, telegram_bot_token, ingest_mode FROM bots WHERE is_active`
        const seen = new Set<number>()
        const changed: Array<number> = []
        for (const row of rows) {
          seen.add(row.id)
          if (apply(row.id, desiredOf(row))) changed.push(row.id)
        }
        for (const id of [...desired.keys()]) if (!seen.has(id) && apply(id, undefined)) changed.push(id)
        botsDesired.set(desired.size)
        yield* route(changed)
        // Settings may have changed unseen too: let caches reload.
        yield* PubSub.publishAll(settingsChanged, changed)
      }).pipe(Effect.withSpan("BotsWatcher.fullSync"))

      const reloadBots = (ids: ReadonlyArray<number>) =>
        Effect.gen(function* () {
          const rows = yield* pg<BotRow>`
            SELECT id, name, is_master, telegram_bot_token, ingest_mode
            FROM bots WHERE is_active AND id IN ${pg.in(ids)}`
          const found = new Map(rows.map((r) => [r.id, desiredOf(r)]))
          const changed = ids.filter((id) => apply(id, found.get(id)))
          botsDesired.set(desired.size)
          yield* route(changed)
        })

      const onNotifications = (payloads: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const bots = new Set<number>()
          const settings = new Set<number>()
          for (const payload of payloads) {
            const n = decodeNotification(payload)
            if (n._tag === "None") continue
            if (n.value.table === "bots") bots.add(n.value.bot_id)
            settings.add(n.value.bot_id)
          }
          if (bots.size > 0) yield* reloadBots([...bots])
          yield* PubSub.publishAll(settingsChanged, settings)
        })

      // Subscribe, resync (anything missed while unsubscribed), then follow.
      const listen = Effect.gen(function* () {
        const queue = yield* pg.listen(BOTS_CHANNEL)
        yield* fullSync
        yield* Deferred.succeed(ready, undefined)
        for (;;) {
          const batch = yield* Queue.takeAll(queue)
          yield* onNotifications(batch.map((n) => n.payload))
        }
      }).pipe(
        Effect.scoped,
        Effect.tapCause((cause) => Effect.logWarning(`bots listener lost (${causeSummary(cause)}); re-subscribing`)),
        Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("5 seconds")]))
      )
      yield* Effect.forkScoped(listen)

      yield* Effect.forkScoped(
        fullSync.pipe(
          Effect.catchCause((cause) => Effect.logWarning(`periodic resync failed: ${causeSummary(cause)}`)),
          Effect.repeat(Schedule.spaced(`${config.resyncIntervalSeconds} seconds`)),
          Effect.delay(`${config.resyncIntervalSeconds} seconds`)
        )
      )

      return BotsWatcher.of({
        ready: Deferred.await(ready),
        get: (id) => desired.get(id),
        desiredCount: () => desired.size,
        watchBucket: (bucket) =>
          Effect.acquireRelease(
            Effect.gen(function* () {
              const changes = yield* Queue.unbounded<number>()
              bucketQueues.set(bucket, changes)
              const initial = [...(members.get(bucket) ?? [])].map((id) => desired.get(id)!)
              return { initial, changes } satisfies BucketWatch
            }),
            ({ changes }) =>
              Effect.sync(() => {
                if (bucketQueues.get(bucket) === changes) bucketQueues.delete(bucket)
              }).pipe(Effect.andThen(Queue.shutdown(changes)))
          ),
        settingsChanged,
        resync: Effect.orDie(fullSync)
      })
    })
  )
}
