/**
 * The webhook bots this process owns (their buckets are here), and the handling
 * of what their webhooks stored in the inbox.
 *
 * A webhook bot costs nothing while idle: no socket, no fiber, a map entry. The
 * receiver (any replica) stores each POSTed update and NOTIFYs `botfleet_inbox`
 * with the bot's id; here a notification for an owned bot opens a short-lived
 * session — the bot's grammY pipeline over a sink (bot-updates.ts), fed with the
 * bot's unfinished updates from the inbox — which closes again once it has been
 * idle for a while. A sweep every RESYNC_INTERVAL_SECONDS catches what a lost
 * notification left behind.
 *
 * `activate` sets the bot's webhook when it is not set already (a new owner
 * after a hand-over finds it set and calls nothing); `release` forgets the bot,
 * lets its session finish (within the grace period; what is left stays in the
 * inbox) and, when the bot was deactivated or switched to polling, deletes
 * the webhook.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Queue, Redacted, Schedule } from "effect"
import type { Update, UserFromGetMe } from "grammy/types"
import type { BotContext } from "../bot/context.ts"
import { AppConfig } from "../config.ts"
import { botsWithUnfinished, INBOX_CHANNEL, unfinishedUpdates } from "../db/update-bookkeeping.ts"
import { webhookSecret, webhookUrl } from "../ingest/webhook-secret.ts"
import { recordedWebhook, recordWebhook, webhookSetting } from "../ingest/webhook-state.ts"
import { causeSummary } from "../logging.ts"
import { botSeries } from "../metrics/registry.ts"
import type { BotSeries } from "../metrics/registry.ts"
import { TenantApp } from "./bot-runner.ts"
import { RunnerName } from "./runner-name.ts"
import { botUpdates } from "./bot-updates.ts"
import { recordStatus, startInfo } from "./runtime-status.ts"
import { StartLimiter } from "./start-limiter.ts"
import { makeTelegramBot, telegramClientOptions } from "../telegram/client.ts"
import type { PipelineServices } from "./update-pipeline.ts"
import type { DesiredBot } from "./watcher.ts"

/** A session with nothing in flight closes after this long without news. */
const IDLE_MS = 10_000

interface Owned {
  readonly desired: DesiredBot
  readonly series: BotSeries
  botInfo: UserFromGetMe | undefined
}

interface Session {
  readonly inFlight: Set<number>
  readonly handle: (updates: Array<Update>) => Promise<number>
  readonly markBacklog: (updates: ReadonlyArray<Update>) => void
  first: boolean
  loading: boolean
  again: boolean
  idle: NodeJS.Timeout | undefined
  drained: Array<() => void>
}

export class WebhookBots extends Context.Service<
  WebhookBots,
  {
    /** This process owns the bot (webhook mode): set its webhook if needed, handle what it stores. */
    readonly activate: (bot: DesiredBot) => Effect.Effect<void>
    /** No longer owned here (or no longer a webhook bot): finish in-flight updates; delete the webhook if asked. */
    readonly release: (botId: number, options: { readonly deleteWebhook: boolean }) => Effect.Effect<void>
  }
>()("botfleet/supervisor/WebhookBots") {
  static readonly layer = Layer.effect(
    WebhookBots,
    Effect.gen(function* () {
      const config = yield* AppConfig
      const apps = yield* TenantApp
      const limiter = yield* StartLimiter
      const { name: runner } = yield* RunnerName
      const pg = yield* PgClient.PgClient
      const services = yield* Effect.context<PipelineServices>()
      const runPromise = Effect.runPromiseWith(services)
      const owned = new Map<number, Owned>()
      const sessions = new Map<number, Session>()
      const log = (botId: number, effect: Effect.Effect<void, never, PipelineServices>) =>
        void Effect.runForkWith(services)(effect.pipe(Effect.annotateLogs({ bot_id: botId })))

      const closeIfIdle = (botId: number, session: Session) => {
        if (session.idle) clearTimeout(session.idle)
        session.idle = undefined
        if (session.inFlight.size > 0 || session.loading) return
        for (const done of session.drained.splice(0)) done()
        session.idle = setTimeout(() => {
          if (sessions.get(botId) === session && session.inFlight.size === 0 && !session.loading) sessions.delete(botId)
        }, IDLE_MS)
        session.idle.unref()
      }

      const openSession = (botId: number, bot: Owned): Session => {
        const telegram = makeTelegramBot<BotContext>(Redacted.value(bot.desired.token), telegramClientOptions(config))
        if (bot.botInfo) telegram.botInfo = bot.botInfo
        const session: Session = {
          inFlight: new Set(),
          handle: () => Promise.resolve(0),
          markBacklog: () => {},
          first: true,
          loading: false,
          again: false,
          idle: undefined,
          drained: []
        }
        const updates = botUpdates({
          bot: () => telegram,
          botId,
          name: bot.desired.name,
          handler: bot.desired.isMaster ? apps.masterHandler : apps.handler,
          series: bot.series,
          deadlineMs: config.handlerDeadlineSeconds * 1000,
          services,
          finished: (updateId) => {
            session.inFlight.delete(updateId)
            closeIfIdle(botId, session)
          }
        })
        const ready = telegram.isInited()
          ? Promise.resolve()
          : telegram.init().then(() => {
              bot.botInfo = telegram.botInfo
              log(
                botId,
                recordStatus(botId, {
                  state: "running",
                  fingerprint: bot.desired.fingerprint,
                  runner,
                  botInfo: telegram.botInfo
                })
              )
            })
        Object.assign(session, {
          handle: (batch: Array<Update>) => ready.then(() => updates.sink.handle(batch)),
          markBacklog: updates.markBacklog
        })
        sessions.set(botId, session)
        return session
      }

      /** The bot's unfinished updates into its session (one load at a time; news during a load makes one more). */
      const kick = async (botId: number): Promise<void> => {
        const bot = owned.get(botId)
        if (!bot) return
        let session = sessions.get(botId)
        if (!session) {
          // No session without work: a bot activated (or swept) with nothing stored costs nothing.
          const waiting = await runPromise(unfinishedUpdates(botId)).catch(() => [])
          if (waiting.length === 0 || !owned.has(botId)) return
          session = sessions.get(botId) ?? openSession(botId, bot)
        }
        if (session.idle) clearTimeout(session.idle)
        session.idle = undefined
        if (session.loading) {
          session.again = true
          return
        }
        session.loading = true
        try {
          do {
            session.again = false
            const stored = (await runPromise(unfinishedUpdates(botId))).filter(
              (u) => !session.inFlight.has(u.update_id)
            )
            if (stored.length === 0) continue
            for (const u of stored) session.inFlight.add(u.update_id)
            // What a session finds first may be a crash's or a hand-over's leftovers.
            if (session.first) session.markBacklog(stored)
            session.first = false
            await session.handle(stored)
          } while (session.again && owned.has(botId))
        } catch (error) {
          // Left in the inbox: the next notification or sweep tries again.
          log(botId, Effect.logWarning(`webhook updates not handled yet: ${String(error)}`))
          sessions.delete(botId)
        } finally {
          session.loading = false
          closeIfIdle(botId, session)
        }
      }

      // Notifications: one per stored update, any replica's receiver; delivered at commit.
      const listen = Effect.gen(function* () {
        const notifications = yield* pg.listen(INBOX_CHANNEL)
        // Anything stored while not listening.
        for (const id of owned.keys()) void kick(id)
        for (;;) {
          const batch = yield* Queue.takeAll(notifications)
          for (const id of new Set(batch.map((n) => Number(n.payload)))) void kick(id)
        }
      }).pipe(
        Effect.scoped,
        Effect.tapCause((cause) => Effect.logWarning(`inbox listener lost (${causeSummary(cause)}); re-subscribing`)),
        Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("5 seconds")]))
      )
      yield* Effect.forkScoped(listen)
      const sweep = Effect.gen(function* () {
        const waiting = yield* botsWithUnfinished([...owned.keys()])
        for (const id of waiting) void kick(id)
      }).pipe(Effect.catchCause((cause) => Effect.logWarning(`inbox sweep failed: ${causeSummary(cause)}`)))
      yield* Effect.forkScoped(sweep.pipe(Effect.repeat(Schedule.spaced(`${config.resyncIntervalSeconds} seconds`))))

      /** setWebhook, unless the bot's webhook is set to this already. */
      const ensureWebhook = (bot: DesiredBot) =>
        Effect.gen(function* () {
          const token = Redacted.value(bot.token)
          const url = webhookUrl(config.publicUrl, bot.id)
          const secret = webhookSecret(token)
          const setting = webhookSetting(url, secret)
          if ((yield* recordedWebhook(bot.id)) === setting) return
          yield* limiter.take
          const api = makeTelegramBot(token, telegramClientOptions(config)).api
          yield* Effect.tryPromise(() => api.setWebhook(url, { secret_token: secret, max_connections: 40 }))
          yield* recordWebhook(bot.id, setting)
          yield* Effect.logInfo(`webhook set to ${url}`)
        })

      return WebhookBots.of({
        activate: (bot) =>
          Effect.gen(function* () {
            const series = botSeries(bot.id)
            const known = yield* startInfo(bot.id, bot.fingerprint)
            owned.set(bot.id, { desired: bot, series, botInfo: known.botInfo })
            const set = yield* Effect.exit(ensureWebhook(bot))
            if (set._tag === "Failure") {
              // Updates Telegram still holds wait there; the next activation (a restart, a resync) tries again.
              series.state("backoff")
              yield* recordStatus(bot.id, {
                state: "backoff",
                fingerprint: bot.fingerprint,
                runner,
                error: `setWebhook failed: ${causeSummary(set.cause)}`,
                restart: true
              })
              yield* Effect.logWarning(`setWebhook failed: ${causeSummary(set.cause)}`)
            } else {
              series.state("running")
              series.up(true)
              yield* recordStatus(bot.id, { state: "running", fingerprint: bot.fingerprint, runner, started: true })
            }
            void kick(bot.id)
          }).pipe(Effect.provideContext(services), Effect.annotateLogs({ bot_id: bot.id, bot: bot.name })),
        release: (botId, options) =>
          Effect.gen(function* () {
            const bot = owned.get(botId)
            if (!bot) return
            owned.delete(botId)
            const session = sessions.get(botId)
            if (session && (session.inFlight.size > 0 || session.loading)) {
              yield* Effect.promise(
                () =>
                  new Promise<void>((resolve) => {
                    session.drained.push(resolve)
                    setTimeout(resolve, config.shutdownGraceSeconds * 1000).unref()
                  })
              )
            }
            sessions.delete(botId)
            if (options.deleteWebhook) {
              const api = makeTelegramBot(Redacted.value(bot.desired.token), telegramClientOptions(config)).api
              const deleted = yield* Effect.exit(Effect.tryPromise(() => api.deleteWebhook()))
              if (deleted._tag === "Success") yield* recordWebhook(botId, null).pipe(Effect.ignore)
              else yield* Effect.logWarning(`deleteWebhook failed: ${causeSummary(deleted.cause)}`)
            }
            yield* recordStatus(botId, { state: "stopped", fingerprint: bot.desired.fingerprint, runner })
            bot.series.forget()
          }).pipe(Effect.provideContext(services), Effect.annotateLogs({ bot_id: botId }))
      })
    })
  )
}
