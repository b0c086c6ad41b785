/**
 * How one bot handles the updates the inbox hands it, whatever brought them
 * (long polls or webhooks): a grammY `Bot` whose middleware is per-chat
 * `sequentialize`, the crash-replay guard and the update pipeline around the
 * tenant application, and a concurrent sink that tells the caller when each
 * update is finished.
 */
import { createConcurrentSink, sequentialize } from "@grammyjs/runner"
import type { UpdateSink } from "@grammyjs/runner"
import { Effect } from "effect"
import type { Context } from "effect"
import type { Bot, MiddlewareFn } from "grammy"
import type { Update } from "grammy/types"
import type { BotContext } from "../bot/context.ts"
import type { BotSeries } from "../metrics/registry.ts"
import { crashReplayGuard } from "./crash-replays.ts"
import { updatePipeline } from "./update-pipeline.ts"
import type { PipelineServices } from "./update-pipeline.ts"

/** Updates of one bot handled at once (different chats; one chat's run one after another). */
const SINK_CONCURRENCY = 500

export interface BotUpdates {
  /** Updates handed out at a start may have been handled in part before (a crash, a hand-over): checked with care. */
  readonly markBacklog: (updates: ReadonlyArray<Update>) => void
  readonly sink: UpdateSink<Update>
}

export const botUpdates = (options: {
  /** The bot's grammY `Bot` (with its botInfo), asked for at the first update. */
  readonly bot: () => Bot<BotContext>
  readonly botId: number
  readonly name: string
  readonly handler: MiddlewareFn<BotContext>
  readonly series: BotSeries
  readonly deadlineMs: number
  readonly services: Context.Context<PipelineServices>
  /** Called once an update is finished: handled, a duplicate or dead-lettered. */
  readonly finished: (updateId: number) => void
}): BotUpdates => {
  const { botId, services } = options
  const suspects = new Set<number>()
  // The inbox's unfinished updates, handed out at a start, may have been handled in
  // part before a crash or a hand-over: the pipeline checks their mark before running
  // the handler (the others pay nothing for it).
  const replays = new Set<number>()
  // Built at the first update, not at the start: most bots of a fleet are idle most of
  // the time, and an idle polling bot then holds its long poll and little else (the
  // middleware chain, the pipeline's closures and the sink are ≈ 4.5 KB a bot).
  let built: UpdateSink<Update> | undefined
  const build = (): UpdateSink<Update> => {
    const bot = options.bot()
    const runExit = Effect.runPromiseExitWith(services)
    const log = (effect: Effect.Effect<void, never, PipelineServices>) =>
      void Effect.runForkWith(services)(effect.pipe(Effect.annotateLogs({ bot_id: botId, bot: options.name })))
    bot.use(sequentialize<BotContext>((ctx) => String(ctx.chat?.id ?? ctx.from?.id ?? "")))
    bot.use(crashReplayGuard({ botId, suspects, runExit }))
    bot.use(
      updatePipeline({
        botId,
        handler: options.handler,
        series: options.series,
        deadlineMs: options.deadlineMs,
        services,
        mayBeReplay: (updateId) => replays.delete(updateId)
      })
    )
    bot.catch((error) => log(Effect.logError("update escaped the pipeline", error.error)))
    return createConcurrentSink<Update>(
      {
        consume: async (update) => {
          try {
            await bot.handleUpdate(update)
          } finally {
            replays.delete(update.update_id)
            options.finished(update.update_id)
          }
        }
      },
      async (error) => log(Effect.logError("update consumer failed", error)),
      { concurrency: SINK_CONCURRENCY }
    )
  }
  return {
    sink: {
      handle: (updates) => (built ??= build()).handle(updates),
      size: () => built?.size() ?? 0,
      snapshot: () => built?.snapshot() ?? []
    },
    markBacklog: (updates) => {
      for (const u of updates) {
        suspects.add(u.update_id)
        replays.add(u.update_id)
      }
    }
  }
}
