/**
 * Updates that take the whole process down. The pipeline's retries cannot see
 * them (the process dies mid-attempt), so they are recognised on the way back:
 * after a start, the inbox's unfinished updates are handed out first, and a
 * crash's in-flight updates are among them ("suspects"). When a suspect's turn comes — inside the per-chat
 * `sequentialize` chain, so an innocent update waiting behind a poison one in
 * the same chat is not counted while it waits — its attempt is counted in a
 * committed transaction before it is handled; past MAX_ATTEMPTS it is
 * dead-lettered and released instead. Updates that arrive after the start pay
 * nothing for this.
 */
import { Effect, Exit } from "effect"
import type { BotContext } from "../bot/context.ts"
import { countAttempt } from "../db/update-bookkeeping.ts"
import { deadLetters } from "../metrics/registry.ts"
import { deadLetter, MAX_ATTEMPTS } from "./update-pipeline.ts"
import type { PipelineServices } from "./update-pipeline.ts"

export const crashReplayGuard =
  (options: {
    readonly botId: number
    /** Filled at each start with the inbox's unfinished updates (the long-poll source's `onBacklog`). */
    readonly suspects: Set<number>
    readonly runExit: <A, E>(effect: Effect.Effect<A, E, PipelineServices>) => Promise<Exit.Exit<A, E>>
  }) =>
  async (ctx: BotContext, next: () => Promise<void>): Promise<void> => {
    const update = ctx.update
    if (!options.suspects.delete(update.update_id)) return next()
    const attempts = await options.runExit(countAttempt(options.botId, update.update_id))
    // Counting failed (database away): handle it anyway; the pipeline waits out the outage.
    if (Exit.isFailure(attempts) || attempts.value <= MAX_ATTEMPTS) return next()
    await options.runExit(
      deadLetter(options.botId, update, "the process stopped while handling this update, again and again").pipe(
        Effect.tap(() => Effect.sync(() => deadLetters.inc())),
        Effect.tap(() =>
          Effect.logError(`update dead-lettered after ${attempts.value - 1} crashes of the process`).pipe(
            Effect.annotateLogs({ bot_id: options.botId, update_id: update.update_id })
          )
        )
      )
    )
  }
