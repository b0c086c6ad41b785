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
 *
 * This is the hot path of every update, so it is built once per bot and each
 * attempt is a single fiber: its statements are the transaction's BEGIN, one
 * statement that scopes the transaction and writes the mark (withTenantUpdate),
 * the handler's own, and COMMIT. The deadline is a timer that interrupts that
 * fiber (which rolls the transaction back), not a race of two more fibers.
 */
import { Cause, Context, Effect, Exit } from "effect"
import type { MiddlewareFn } from "grammy"
import type { Update } from "grammy/types"
import { SqlClient } from "effect/sql"
import type { BotContext, UpdateServices } from "../bot/context.ts"
import { TenantCache } from "../bot/tenant.ts"
import { Duplicate, withTenant, withTenantUpdate } from "../db/tenant.ts"
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
  /** The bot fiber's services; every attempt runs with them. */
  readonly services: Context.Context<PipelineServices>
}

class AttemptOver extends Error {
  constructor() {
    super("this update attempt has ended (timed out or rolled back)")
  }
}

class DeadlineExceeded extends Error {
  constructor(deadlineMs: number) {
    super(`handler exceeded its ${deadlineMs} ms deadline`)
  }
}

const next = () => Promise.resolve()

export const deadLetter = (botId: number, update: Update, error: string) =>
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

/** The grammY middleware that wraps the tenant application for one bot. */
export const updatePipeline = (options: PipelineOptions) => {
  const { botId, handler, series, deadlineMs, services } = options
  const runCallback = Effect.runCallbackWith(services)
  const runExit = Effect.runPromiseExitWith(services)
  const tenants = Context.get(services, TenantCache)

  /** The handler, in the update's transaction (the current fiber's services carry it). */
  const handle = (ctx: BotContext) =>
    Effect.flatMap(tenants.get(botId), (tenant) =>
      Effect.withFiber((fiber) => {
        const inTransaction = Effect.runPromiseWith(fiber.context as Context.Context<UpdateServices>)
        // A fresh context per attempt: code left running by a timed-out attempt keeps
        // its own `run`, which is closed, and can never touch the next attempt's transaction.
        let open = true
        const attempt: BotContext = Object.create(ctx)
        Object.assign(attempt, {
          tenant,
          user: undefined,
          run: <A, E>(effect: Effect.Effect<A, E, UpdateServices>) =>
            open ? inTransaction(effect) : Promise.reject(new AttemptOver())
        })
        return Effect.tryPromise({
          try: async () => {
            await handler(attempt, next)
          },
          catch: (error) => error
        }).pipe(Effect.ensuring(Effect.sync(() => (open = false))))
      }))

  /** One attempt within its deadline: the transaction, the mark, the handler; rolled back on failure or timeout. */
  const attemptOnce = (ctx: BotContext) =>
    new Promise<Exit.Exit<"handled" | "duplicate", unknown>>((resolve) => {
      let timedOut = false
      let done = false
      let timer: NodeJS.Timeout | undefined
      const interrupt = runCallback(
        Effect.map(withTenantUpdate(botId, ctx.update.update_id, handle(ctx)), (r) => (r === Duplicate ? "duplicate" as const : "handled" as const)),
        {
          onExit: (exit) => {
            done = true
            if (timer !== undefined) clearTimeout(timer)
            resolve(
              timedOut && Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
                ? Exit.fail(new DeadlineExceeded(deadlineMs))
                : exit
            )
          }
        }
      )
      if (!done) {
        timer = setTimeout(() => {
          timedOut = true
          interrupt()
        }, deadlineMs)
      }
    })

  /** Runs `attempt` until it succeeds or fails for a reason other than the database being away. */
  const untilDatabaseAnswers = async <A, E>(attempt: () => Promise<Exit.Exit<A, E>>) => {
    for (let outage = 0;; outage++) {
      const exit = await attempt()
      if (Exit.isSuccess(exit) || !isTransientDatabaseFailure(exit.cause)) return exit
      if (outage === 0) {
        await runExit(Effect.logWarning(`database unavailable; holding the update until it answers: ${causeSummary(exit.cause)}`).pipe(
          Effect.annotateLogs({ bot_id: botId })
        ))
      }
      await sleep(Math.min(5_000, 100 * 2 ** Math.min(outage, 6)))
    }
  }

  return async (ctx: BotContext): Promise<void> => {
    const updateId = ctx.update.update_id
    let lastError = ""
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const started = performance.now()
      // A database outage is waited out here and costs no attempt: only the
      // handler's own failures count towards the dead letter.
      const exit = await untilDatabaseAnswers(() => attemptOnce(ctx))
      if (Exit.isSuccess(exit)) {
        if (exit.value === "handled") {
          updateDuration.observe((performance.now() - started) / 1000)
          series.updateHandled()
        }
        return
      }
      lastError = causeSummary(exit.cause)
      series.handlerError()
      await runExit(
        Effect.logWarning(`update handler failed (attempt ${attempt} of ${MAX_ATTEMPTS}): ${lastError}`).pipe(
          Effect.annotateLogs({ bot_id: botId, update_id: updateId })
        )
      )
      // A short, growing pause: transient causes get a chance to pass.
      if (attempt < MAX_ATTEMPTS) await sleep(50 * 2 ** (attempt - 1))
    }
    const stored = await untilDatabaseAnswers(() => runExit(deadLetter(botId, ctx.update, lastError)))
    deadLetters.inc()
    await runExit(
      Effect.logError(`update dead-lettered after ${MAX_ATTEMPTS} attempts: ${lastError}`).pipe(
        Effect.annotateLogs({ bot_id: botId, update_id: updateId, stored: Exit.isSuccess(stored) })
      )
    )
  }
}
