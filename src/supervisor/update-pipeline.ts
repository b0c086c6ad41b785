/**
 * How one update is handled, inside the bot's `sequentialize` chain so retries
 * keep per-chat order:
 *
 * 1. a tenant transaction (row-level security on) records the update id in
 *    `processed_updates` — a replay finds it and is skipped — and runs the
 *    tenant application with `ctx.run` bound to that same transaction, so the
 *    handler's database effects commit together with the "processed" mark;
 * 2. a failure or a hang past the deadline rolls back and retries, a few times;
 * 3. then the update is dead-lettered (kept for operators) and released, so a
 *    poison update never stalls its bot.
 */
import { Effect, Exit } from "effect"
import { SqlClient } from "effect/sql"
import type { MiddlewareFn } from "grammy"
import type { Update } from "grammy/types"
import type { BotContext, UpdateServices } from "../bot/context.ts"
import { TenantCache } from "../bot/tenant.ts"
import { withTenant } from "../db/tenant.ts"
import { isTransientDatabaseFailure } from "../db/transient.ts"
import { causeSummary } from "../logging.ts"
import { deadLetters, updateDuration } from "../metrics/registry.ts"
import type { BotSeries } from "../metrics/registry.ts"

export const MAX_ATTEMPTS = 3

export type PipelineServices = UpdateServices | TenantCache

export interface PipelineOptions {
  readonly botId: number
  /** The tenant application's middleware (`composer.middleware()`, built once). */
  readonly handler: MiddlewareFn<BotContext>
  readonly series: BotSeries
  readonly deadlineMs: number
  /** Runs an effect with the bot fiber's services. */
  readonly runExit: <A, E>(effect: Effect.Effect<A, E, PipelineServices>) => Promise<Exit.Exit<A, E>>
}

class AttemptOver extends Error {
  constructor() {
    super("this update attempt has ended (timed out or rolled back)")
  }
}

const handleOnce = (options: PipelineOptions, ctx: BotContext) =>
  withTenant(
    options.botId,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const fresh = yield* sql`
        INSERT INTO processed_updates (bot_id, update_id) VALUES (${options.botId}, ${ctx.update.update_id})
        ON CONFLICT DO NOTHING RETURNING update_id`
      if (fresh.length === 0) return "duplicate" as const
      const tenant = yield* (yield* TenantCache).get(options.botId)
      const services = yield* Effect.context<UpdateServices>()
      // A fresh context per attempt: code left running by a timed-out attempt keeps
      // its own `run`, which is closed, and can never touch the next attempt's transaction.
      let open = true
      const attempt: BotContext = Object.create(ctx)
      Object.assign(attempt, {
        tenant,
        user: undefined,
        run: <A, E>(effect: Effect.Effect<A, E, UpdateServices>) =>
          open ? Effect.runPromiseWith(services)(effect) : Promise.reject(new AttemptOver())
      })
      yield* Effect.tryPromise({
        try: async () => {
          await options.handler(attempt, () => Promise.resolve())
        },
        catch: (error) => error
      }).pipe(Effect.ensuring(Effect.sync(() => (open = false))))
      return "handled" as const
    })
  )

const deadLetter = (botId: number, update: Update, error: string) =>
  withTenant(
    botId,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`
        INSERT INTO dead_letter_updates (bot_id, update_id, payload, error, attempts)
        VALUES (${botId}, ${update.update_id}, ${JSON.stringify(update)}::jsonb, ${error.slice(0, 2000)}, ${MAX_ATTEMPTS})
        ON CONFLICT DO NOTHING`
      yield* sql`INSERT INTO processed_updates (bot_id, update_id) VALUES (${botId}, ${update.update_id})
        ON CONFLICT DO NOTHING`
    })
  )

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs `effect` until it succeeds or fails for a reason other than the database being away. */
const untilDatabaseAnswers = async <A, E>(options: PipelineOptions, effect: Effect.Effect<A, E, PipelineServices>) => {
  for (let outage = 0;; outage++) {
    const exit = await options.runExit(effect)
    if (Exit.isSuccess(exit) || !isTransientDatabaseFailure(exit.cause)) return exit
    if (outage === 0) {
      await options.runExit(Effect.logWarning(`database unavailable; holding the update until it answers: ${causeSummary(exit.cause)}`).pipe(
        Effect.annotateLogs({ bot_id: options.botId })
      ))
    }
    await sleep(Math.min(5_000, 100 * 2 ** Math.min(outage, 6)))
  }
}

/** The grammY middleware that wraps the tenant application for one bot. */
export const updatePipeline = (options: PipelineOptions) => async (ctx: BotContext): Promise<void> => {
  const updateId = ctx.update.update_id
  let lastError = ""
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const started = performance.now()
    // A database outage is waited out here and costs no attempt: only the
    // handler's own failures count towards the dead letter.
    const exit = await untilDatabaseAnswers(
      options,
      handleOnce(options, ctx).pipe(
        Effect.timeoutOrElse({
          duration: options.deadlineMs,
          orElse: () => Effect.fail(new Error(`handler exceeded its ${options.deadlineMs} ms deadline`))
        })
      )
    )
    if (Exit.isSuccess(exit)) {
      if (exit.value === "handled") {
        updateDuration.observe((performance.now() - started) / 1000)
        options.series.updateHandled()
      }
      return
    }
    lastError = causeSummary(exit.cause)
    options.series.handlerError()
    await options.runExit(
      Effect.logWarning(`update handler failed (attempt ${attempt} of ${MAX_ATTEMPTS}): ${lastError}`).pipe(
        Effect.annotateLogs({ bot_id: options.botId, update_id: updateId })
      )
    )
    // A short, growing pause: transient causes get a chance to pass.
    if (attempt < MAX_ATTEMPTS) await sleep(50 * 2 ** (attempt - 1))
  }
  const stored = await untilDatabaseAnswers(options, deadLetter(options.botId, ctx.update, lastError))
  deadLetters.inc()
  await options.runExit(
    Effect.logError(`update dead-lettered after ${MAX_ATTEMPTS} attempts: ${lastError}`).pipe(
      Effect.annotateLogs({ bot_id: options.botId, update_id: updateId, stored: Exit.isSuccess(stored) })
    )
  )
}
