/**
 * One tenant bot, for as long as its fiber lives: long polls feeding the durable
 * inbox (src/ingest/: each batch is stored before the next poll confirms it) and
 * the inbox feeding @grammyjs/runner's concurrent sink (bot-updates.ts),
 * restarted by the restart policy, stopped gracefully on interruption (stop
 * fetching, drain in-flight updates; whatever is left stays in the inbox for the
 * next owner).
 *
 * It never fails: every failure becomes a state, a metric, a log line and a
 * wait, so one tenant's trouble stays with that tenant.
 */
import { Context, Effect, Exit, Layer, Redacted } from "effect"
import type { Scope } from "effect"
import type { UserFromGetMe } from "grammy/types"
import type { BotContext } from "../bot/context.ts"
import { RunnerName } from "./runner-name.ts"
import { AppConfig } from "../config.ts"
import { botSeries, botsRunning } from "../metrics/registry.ts"
import { classify, delayFor, STABLE_AFTER_MS, UNAUTHORIZED_COOL_DOWN_MS } from "./restart-policy.ts"
import { recordStatus, startInfo } from "./runtime-status.ts"
import type { RunnerState } from "./runtime-status.ts"
import { botUpdates } from "./bot-updates.ts"
import { StartLimiter } from "./start-limiter.ts"
import { makeTelegramBot, telegramClientOptions } from "../telegram/client.ts"
import { storeUpdates, unfinishedUpdates } from "../db/update-bookkeeping.ts"
import { LongPollSource } from "../ingest/long-poll-source.ts"
import { longPollCall } from "../ingest/long-poll-call.ts"
import { directCall } from "../telegram/direct-call.ts"
import type { PipelineServices } from "./update-pipeline.ts"
import type { DesiredBot } from "./watcher.ts"
import type { Bot, MiddlewareFn } from "grammy"

/**
 * Why a bot's calls are aborted when it stops: one reason for all of them, so a
 * stop does not build an AbortError with a stack trace per bot (10,000 at once
 * in a hand-over).
 */
const BOT_STOPPED = new Error("the bot stopped")

/** How long a start's getMe may take (a connection that died without a reset). */
const GET_ME_TIMEOUTS = { headersTimeout: 30_000, bodyTimeout: 30_000 }

interface HasMiddleware {
  middleware(): MiddlewareFn<BotContext>
}

/**
 * The shared applications, as middleware: one Composer for every tenant bot,
 * another for the master bot.
 */
export class TenantApp extends Context.Service<
  TenantApp,
  {
    readonly handler: MiddlewareFn<BotContext>
    readonly masterHandler: MiddlewareFn<BotContext>
  }
>()("botfleet/supervisor/TenantApp") {
  static readonly fromComposers = (tenant: HasMiddleware, master: HasMiddleware) =>
    Layer.succeed(TenantApp, TenantApp.of({ handler: tenant.middleware(), masterHandler: master.middleware() }))
}

export type BotRunnerServices = PipelineServices | AppConfig | StartLimiter | TenantApp | RunnerName

export const runBot = (desired: DesiredBot): Effect.Effect<never, never, BotRunnerServices | Scope.Scope> =>
  Effect.gen(function* () {
    const limiter = yield* StartLimiter
    // Nothing is built or queried before this bot's start slot: 10,000 bots
    // arriving at once must not construct 10,000 clients (or run 10,000 status
    // queries) in one tick, which stalls the event loop past the cluster's lock refresh.
    yield* limiter.take
    const config = yield* AppConfig
    const apps = yield* TenantApp
    const handler = desired.isMaster ? apps.masterHandler : apps.handler
    const { name: runner } = yield* RunnerName
    const services = yield* Effect.context<PipelineServices>()
    const botId = desired.id
    const log = (effect: Effect.Effect<void, never, PipelineServices>) =>
      void Effect.runForkWith(services)(effect.pipe(Effect.annotateLogs({ bot_id: botId, bot: desired.name })))
    const series = botSeries(botId)
    const status = (
      state: RunnerState,
      extra: { error?: string; restart?: boolean; conflict?: boolean; started?: boolean; botInfo?: UserFromGetMe } = {}
    ) => {
      series.state(state)
      return recordStatus(botId, { state, fingerprint: desired.fingerprint, runner, ...extra })
    }

    const client = telegramClientOptions(config)
    const token = Redacted.value(desired.token)
    // getMe's answer, from an earlier start with this token (the status row) or this one's.
    let botInfo: UserFromGetMe | undefined
    // The grammY Bot is built at the first update to handle: the long polls go out
    // without it (src/ingest/long-poll-call.ts), so an idle bot never needs one (≈ 2.6 KB a bot).
    let bot: Bot<BotContext> | undefined
    const telegramBot = (): Bot<BotContext> => {
      if (bot === undefined) {
        bot = makeTelegramBot<BotContext>(token, client)
        if (botInfo) bot.botInfo = botInfo
      }
      return bot
    }
    let polledSinceStart = false
    // Whether getMe's answer is in the status row already (this fiber's restarts need not write it again).
    let botInfoRecorded = false
    const runPromise = Effect.runPromiseWith(services)
    const { sink, markBacklog } = botUpdates({
      bot: telegramBot,
      botId,
      name: desired.name,
      handler,
      series,
      deadlineMs: config.handlerDeadlineSeconds * 1000,
      services,
      finished: (updateId) => source.finished(updateId)
    })
    const source: LongPollSource = new LongPollSource(longPollCall(client.dispatcher, client.apiRoot, token), {
      pollTimeoutSeconds: config.pollTimeoutSeconds,
      store: (updates) => runPromise(storeUpdates(botId, updates)),
      loadUnfinished: () => runPromise(unfinishedUpdates(botId)),
      onPolled: () => {
        if (polledSinceStart) return
        polledSinceStart = true
        series.up(true)
        // The answer of a getMe this start made, for the next start to reuse.
        const learned = !botInfoRecorded ? botInfo : undefined
        if (learned) botInfoRecorded = true
        log(status("running", { started: true, ...(learned ? { botInfo: learned } : {}) }))
      },
      onBacklog: markBacklog
    })

    // The current start's long-poll loop: its stop, and its end.
    let handle: { readonly stop: () => void; readonly task: Promise<void> } | undefined
    botsRunning.inc()
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        const running = handle
        handle = undefined
        // No confirming getUpdates on the way out: every update received is stored, and
        // the next owner's first poll confirms the last batch (the inbox drops repeats).
        const drained = yield* Effect.promise(async () => {
          running?.stop()
          await running?.task.catch(() => undefined)
          return source.drain(config.shutdownGraceSeconds * 1000)
        })
        if (!drained)
          yield* Effect.logWarning(
            `stopped with ${source.inFlightCount} updates unfinished; they stay in the inbox for the next owner`
          )
        yield* status("stopped")
        botsRunning.dec()
        series.forget()
      }).pipe(Effect.annotateLogs({ bot_id: botId }))
    )

    const known = yield* startInfo(botId, desired.fingerprint)
    // getMe's answer from an earlier start with this token (on any runner): this
    // start needs one request (getUpdates), not two. 3,000 bots handed over to a
    // runner otherwise cost 3,000 extra requests just when it is busiest.
    if (known.botInfo) {
      botInfo = known.botInfo
      botInfoRecorded = true
    }
    // A token Telegram already refused stays refused: wait out its cool-down, even across restarts.
    const refusedAt = known.unauthorizedAt
    if (refusedAt) {
      const left = refusedAt.getTime() + UNAUTHORIZED_COOL_DOWN_MS - Date.now()
      if (left > 0) {
        series.state("unauthorized")
        yield* Effect.sleep(left)
      }
    }

    let consecutive = 0
    for (let restart = false; ; restart = true) {
      if (restart) yield* limiter.take
      yield* status("starting")
      source.restart()
      polledSinceStart = false
      const startedAt = Date.now()
      const exit = yield* Effect.exit(
        // The stop is this start's own controller (the finalizer aborts it), not the
        // fiber's: `try` takes no signal, so Effect keeps no AbortController per bot.
        Effect.tryPromise({
          try: () => {
            const polling = new AbortController()
            const task = (async () => {
              // getMe straight over the shared client: the bot's grammY client is built at its first update.
              botInfo ??= await directCall<UserFromGetMe>(
                client.dispatcher,
                client.apiRoot,
                token,
                "getMe"
              )({}, polling.signal, GET_ME_TIMEOUTS)
              if (!polling.signal.aborted) await source.run(sink, polling.signal)
            })()
            handle = { stop: () => polling.abort(BOT_STOPPED), task }
            return task
          },
          catch: (error) => error
        })
      )
      handle = undefined
      series.up(false)
      const failure = classify(
        Exit.isFailure(exit)
          ? (exit.cause.reasons.find((r) => r._tag === "Fail")?.error ?? "runner ended")
          : "runner ended"
      )
      if (Date.now() - startedAt >= STABLE_AFTER_MS) consecutive = 0
      const delay = delayFor(failure, consecutive++)
      series.restart(failure.kind)
      yield* status(failure.kind === "unauthorized" || failure.kind === "webhook_conflict" ? failure.kind : "backoff", {
        error: failure.description,
        restart: true,
        conflict: failure.kind === "conflict"
      })
      yield* Effect.logWarning(
        `runner stopped (${failure.kind}: ${failure.description}); next attempt in ${delay} ms`
      ).pipe(Effect.annotateLogs({ bot_id: botId }))
      yield* Effect.sleep(delay)
    }
  })
