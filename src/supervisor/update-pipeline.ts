/**
 * How one update is handled, inside the bot's `sequentialize` chain so retries
 * keep per-chat order:
 *
 * 1. the tenant application runs with `ctx.run`, which executes effects in the
 *    update's tenant transaction (row-level security on). That transaction
 *    first records the update id in `processed_updates` — a replay finds it and
 *    is skipped — so the handler's database effects commit together with the
 *    "processed" mark;
 * 2. a call to Telegram that answers at once runs inside the transaction (a
 *    process that dies around it repeats the message rather than losing it);
 *    but no row lock or pooled connection is held while Telegram is waited
 *    for: the transaction commits before a message that must wait for
 *    Telegram's pace, and while a call is still unanswered `HOLD_MS` after the
 *    attempt's first call began (a 5xx or 429 being retried, a slow network) —
 *    another update waiting for the same row (a second click on "approve")
 *    would otherwise run into its statement timeout. The update is handled
 *    from then on; what the handler writes after it runs in transactions of
 *    its own, and a failure after it is logged and counted, not retried (its
 *    messages went out). A message sent with the update committed is recorded
 *    first (src/outbox/update-messages.ts), so a process killed while the
 *    message waits does not lose it;
 * 3. a failure before that, or a hang past the deadline, rolls back and retries, a few times;
 * 4. then the update is dead-lettered (kept for operators) and released, so a
 *    poison update never stalls its bot;
 * 5. a send that Telegram refuses for good (the user blocked the bot, the chat is
 *    gone: src/telegram/send-failures.ts) ends the handler but is no failure of
 *    the update: its database effects commit, it is not retried, and the refusal
 *    is recorded (the user marked unreachable, a metric, a log line).
 *
 * The update is finished (and may be confirmed to Telegram) only once its mark
 * is committed. This is the hot path of every update, so it is built once per
 * bot and costs as few round trips as the guarantees allow:
 *
 * - The transaction is opened by the handler's first `ctx.run`, not before
 *   ("lazy"): BEGIN, one statement that scopes the transaction and writes the
 *   mark (`withTenantUpdate`), the handler's statements, COMMIT at its first
 *   message or after the handler. A handler that never touches the database has nothing for the mark
 *   to be atomic with; its mark is written after it succeeds, batched with the
 *   bot's other such marks (`markProcessed`, one statement per batch).
 * - Lazy is safe only for updates that cannot have been handled before: a
 *   handler must not run for an update whose mark is already there. The inbox
 *   hands a new update out once (src/ingest/), so a repeat can only be one of
 *   the stored, unfinished updates handed out at a start (where a crash's or a
 *   hand-over's in-flight updates return: `mayBeReplay`). Those, and every
 *   retry (after a failure, a timeout or an outage), run "eager": the
 *   transaction and the mark come first and a
 *   duplicate is skipped before its handler runs. A lazy attempt that finds
 *   the mark already there when its transaction opens (another process
 *   handled the update meanwhile, e.g. around an ownership hand-over) is
 *   rolled back and counted as a duplicate; replies it sent before stay sent
 *   (replies are at-least-once anyway).
 * - Each attempt's deadline is a timer that closes the attempt and rolls its
 *   transaction back, not a race of extra fibers.
 */
import { Cause, Context, Effect, Exit } from "effect"
import type { MiddlewareFn } from "grammy"
import type { Update } from "grammy/types"
import type { BotContext, UpdateServices } from "../bot/context.ts"
import { TenantCache } from "../tenants/tenant-cache.ts"
import type { Tenant } from "../tenants/tenant-cache.ts"
import { withTenant } from "../db/tenant.ts"
import { deadLetter as deadLetterUpdate, Duplicate, markProcessed, withTenantUpdate } from "../db/update-bookkeeping.ts"
import { isTransientDatabaseFailure } from "../db/transient.ts"
import { causeSummary } from "../logging.ts"
import { refusedForGood } from "../telegram/send-failures.ts"
import { chatIdOf, PACED_METHODS, paceKey, sendDelay } from "../telegram/send-pace.ts"
import type { RefusedSend } from "../telegram/send-failures.ts"
import {
  holdUpdateMessage,
  recordable,
  renewUpdateMessage,
  settleUpdateMessage,
  UPDATE_MESSAGE_RENEW_MS
} from "../outbox/update-messages.ts"
import type { UpdateMessagePayload } from "../outbox/update-messages.ts"
import { markUnreachable } from "../tenants/users.ts"
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
  /**
   * True for an update that may have been handled before (it came back in the
   * first batch after a start); asked once per update. Default: every update.
   */
  readonly mayBeReplay?: (updateId: number) => boolean
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

/** Thrown into the handler by `ctx.run` when another attempt already committed this update. */
class AlreadyHandled extends Error {
  constructor() {
    super("this update was already handled")
  }
}

/** "handled-in-part": the update was marked at a message, and the handler failed after it (not retried). */
type Outcome = "handled" | "handled-in-part" | "duplicate"

/** The current attempt's hooks, used around each call the update's handler makes to Telegram. */
interface MessageGate {
  /**
   * Makes `message` survive this process from here on, and leaves the update's
   * transaction committed: still open, the message is recorded in it and it
   * commits; already committed, the message is recorded on its own. Resolves
   * with the record's id (undefined: nothing recorded — no message, a file upload,
   * or a handler that wrote nothing yet, whose update is replayed if the process dies).
   */
  protect: ((message: UpdateMessagePayload | undefined) => Promise<number | undefined>) | undefined
  /** Whether the update's transaction is open (a call now would run inside it). */
  holding: () => boolean
  /** When the attempt's first call inside its transaction began (the clock of `HOLD_MS`). */
  heldSince: number | undefined
}

/**
 * How long the update's transaction may stay open across its calls to Telegram,
 * from the first one: well under the tenant statement timeout that another
 * update waiting for one of its row locks runs into.
 */
export const HOLD_MS = 1_000

const next = () => Promise.resolve()

/** Dead-letters an update after MAX_ATTEMPTS (src/db/update-bookkeeping.ts). */
export const deadLetter = (botId: number, update: Update, error: string) =>
  deadLetterUpdate(botId, update, error, MAX_ATTEMPTS)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A promise with its settle functions outside. */
const deferred = <A>() => {
  let resolve!: (a: A) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<A>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** The grammY middleware that wraps the tenant application for one bot. */
export const updatePipeline = (options: PipelineOptions) => {
  const { botId, handler, series, deadlineMs, services } = options
  const mayBeReplay = options.mayBeReplay ?? (() => true)
  const runCallback = Effect.runCallbackWith(services)
  const runExit = Effect.runPromiseExitWith(services)
  const runPromise = Effect.runPromiseWith(services)
  const tenants = Context.get(services, TenantCache)

  /** The attempt's view of the update: the tenant, `run`, and nothing left over from an earlier attempt. */
  const attemptContext = (ctx: BotContext, tenant: Tenant, run: BotContext["run"]): BotContext => {
    const attempt: BotContext = Object.create(ctx)
    Object.assign(attempt, { tenant, user: undefined, run })
    return attempt
  }

  /** Sends refused for good, per update being handled (an attempt's context shares its update). */
  const refusals = new WeakMap<Update, RefusedSend>()
  const swallowRefusal = (update: Update) => (error: unknown) => {
    const refused = refusedForGood(error)
    if (!refused) throw error
    refusals.set(update, refused)
  }

  /** The handler; a send refused for good ends it as a success (the refusal is kept in `refusals`). */
  const runHandler = (attempt: BotContext): Promise<void> => {
    try {
      return Promise.resolve(handler(attempt, next)).then(() => undefined, swallowRefusal(attempt.update))
    } catch (error) {
      return Promise.reject(error).catch(swallowRefusal(attempt.update))
    }
  }

  /** Records a send refused for good: the user (a private chat's id is theirs) gets nothing more until they write. */
  const recordRefusal = async (updateId: number, refused: RefusedSend) => {
    series.sendRefused(refused.reason)
    const chatId = refused.chatId
    const marked =
      chatId !== undefined && chatId > 0 ? await runExit(withTenant(botId, markUnreachable(botId, chatId))) : undefined
    await runExit(
      Effect.logInfo(`a send was refused for good (${refused.description}); the update completed`).pipe(
        Effect.annotateLogs({
          bot_id: botId,
          update_id: updateId,
          chat_id: chatId,
          ...(marked && Exit.isFailure(marked) ? { marked: causeSummary(marked.cause) } : {})
        })
      )
    )
  }

  /** Resolves with `work`'s exit, or with a deadline failure (after `onDeadline`) if it takes too long. */
  const withDeadline = <A>(work: Promise<Exit.Exit<A, unknown>>, onDeadline: () => Promise<Exit.Exit<A, unknown>>) =>
    new Promise<Exit.Exit<A, unknown>>((resolve) => {
      let settled = false
      const timer = setTimeout(() => {
        if (settled) return
        settled = true
        void onDeadline().then(resolve, (defect) => resolve(Exit.die(defect)))
      }, deadlineMs)
      const settle = (exit: Exit.Exit<A, unknown>) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(exit)
      }
      work.then(settle, (defect) => settle(Exit.die(defect)))
    })

  // ------------------------------------------------------------------ lazy

  /** The update's transaction, opened on demand and ended by the attempt. */
  const openTransaction = (updateId: number) => {
    const ready = deferred<Context.Context<UpdateServices> | Duplicate>()
    ready.promise.catch(() => undefined)
    const exit = deferred<Exit.Exit<unknown, unknown>>()
    let opened = false
    let release: ((end: Effect.Effect<void, unknown>) => void) | undefined
    let requested: Effect.Effect<void, unknown> | undefined
    const body = Effect.withFiber((fiber) => {
      opened = true
      ready.resolve(fiber.context as Context.Context<UpdateServices>)
      // Held open until the attempt ends it: success commits, failure rolls back.
      return Effect.callback<void, unknown>((resume) => {
        if (requested) resume(requested)
        else release = resume
      })
    })
    const interrupt = runCallback(withTenantUpdate(botId, updateId, body), {
      onExit: (e) => {
        if (!opened) {
          if (Exit.isSuccess(e)) ready.resolve(Duplicate)
          else ready.reject(Cause.squash(e.cause))
        }
        exit.resolve(e)
      }
    })
    return {
      ready: ready.promise,
      /** Commits (no failure) or rolls back; resolves with the transaction's exit. */
      end: (failure?: { readonly error: unknown }) => {
        const end = failure ? Effect.fail(failure.error) : Effect.void
        if (release) {
          const resume = release
          release = undefined
          resume(end)
        } else {
          requested = end
        }
        return exit.promise
      },
      /** Rolls back whatever is under way (the deadline); resolves once it is. */
      abort: () => {
        interrupt()
        return exit.promise
      }
    }
  }

  /** Marks of updates handled without a transaction, written in batches (one statement each). */
  let markQueue: Array<{ readonly updateId: number; readonly done: (exit: Exit.Exit<void, unknown>) => void }> = []
  let markWriting = false
  const flushMarks = () => {
    const batch = markQueue
    if (batch.length === 0) {
      markWriting = false
      return
    }
    markQueue = []
    markWriting = true
    runCallback(
      markProcessed(
        botId,
        batch.map((m) => m.updateId)
      ),
      {
        onExit: (exit) => {
          for (const m of batch) m.done(exit)
          flushMarks()
        }
      }
    )
  }
  const markOnce = (updateId: number) =>
    new Promise<Exit.Exit<void, unknown>>((resolve) => {
      markQueue.push({ updateId, done: resolve })
      if (!markWriting) flushMarks()
    })
  /** The mark alone: a database outage is waited out (the handler has done its part). */
  const markHandled = async (updateId: number): Promise<Exit.Exit<Outcome, unknown>> => {
    const exit = await untilDatabaseAnswers(() => markOnce(updateId))
    return Exit.isSuccess(exit) ? Exit.succeed("handled") : Exit.failCause(exit.cause)
  }

  /**
   * One attempt. Lazy: the transaction (and the mark) opens with the handler's
   * first `ctx.run`, if any. Eager: it opens first, and a duplicate stops before
   * the handler runs. Either way it commits before the handler's first message
   * to Telegram (`beforeMessage`): the update is then done, and later `ctx.run`
   * calls run in transactions of their own.
   */
  const runAttempt = async (
    ctx: BotContext,
    eager: boolean,
    holder: MessageGate
  ): Promise<Exit.Exit<Outcome, unknown>> => {
    const updateId = ctx.update.update_id
    let open = true
    // Past the deadline this attempt must leave nothing behind: a retry is under way.
    let expired = false
    let duplicate = false
    // The mark has committed (at a message): the update is handled, whatever follows.
    let marked = false
    let transaction: ReturnType<typeof openTransaction> | undefined
    const opened = (t: ReturnType<typeof openTransaction>) =>
      t.ready.then((services) => {
        if (services === Duplicate) {
          duplicate = true
          throw new AlreadyHandled()
        }
        if (!open) throw new AttemptOver()
        return services
      })
    const run = <A, E>(effect: Effect.Effect<A, E, UpdateServices>): Promise<A> => {
      if (!open) return Promise.reject(new AttemptOver())
      if (marked) return runPromise(withTenant(botId, effect))
      transaction ??= openTransaction(updateId)
      return opened(transaction).then((services) => Effect.runPromiseWith(services)(effect))
    }
    holder.heldSince = undefined
    holder.holding = () => open && !marked && transaction !== undefined
    // One early commit per attempt; calls made while it runs wait for it.
    let committing: Promise<number | undefined> | undefined
    holder.protect = (message) => {
      const record = message !== undefined && recordable(message.payload) ? message : undefined
      // The update committed already: the message is recorded in a transaction of its own.
      const holdAlone = () =>
        record && marked ? runPromise(withTenant(botId, holdUpdateMessage(botId, record))) : Promise.resolve(undefined)
      if (committing) return committing.then(holdAlone)
      if (!open) return Promise.resolve(undefined)
      if (marked) return holdAlone()
      const current = transaction
      if (!current) return Promise.resolve(undefined)
      committing = (async () => {
        const services = await opened(current)
        const held = record ? await Effect.runPromiseWith(services)(holdUpdateMessage(botId, record)) : undefined
        transaction = undefined
        const ended = await current.end()
        if (Exit.isFailure(ended)) throw Cause.squash(ended.cause)
        marked = true
        return held
      })()
      return committing
    }
    // A tenant not in the cache yet is loaded under row-level security, like everything of the
    // tenant's — before any transaction of this attempt holds a pooled connection.
    let tenant = tenants.peek(botId)
    if (tenant === undefined) {
      const loaded = await runExit(withTenant(botId, tenants.get(botId)))
      if (Exit.isFailure(loaded)) return Exit.failCause(loaded.cause)
      tenant = loaded.value
    }
    const current = tenant
    if (eager) {
      transaction = openTransaction(updateId)
      const first = await transaction.ready.then(
        (r) => Exit.succeed(r),
        (error: unknown) => Exit.fail(error)
      )
      if (Exit.isFailure(first)) return Exit.failCause(first.cause)
      if (first.value === Duplicate) return Exit.succeed("duplicate")
    }
    const work = (async (): Promise<Exit.Exit<Outcome | "unmarked", unknown>> => {
      let failure: { readonly error: unknown } | undefined
      try {
        await runHandler(attemptContext(ctx, current, run))
      } catch (error) {
        failure = { error }
      } finally {
        open = false
      }
      if (expired) return Exit.fail(new AttemptOver())
      if (transaction) {
        // Marked already (at a message): this transaction holds only what came after; a failure rolls it back.
        const ended = await transaction.end(failure)
        if (duplicate || (Exit.isSuccess(ended) && ended.value === Duplicate)) return Exit.succeed("duplicate")
        if (marked) return failure ? Exit.succeed("handled-in-part") : Exit.succeed("handled")
        if (failure) return Exit.fail(failure.error)
        return Exit.isSuccess(ended) ? Exit.succeed("handled") : Exit.failCause(ended.cause)
      }
      if (duplicate) return Exit.succeed("duplicate")
      // A failure after the update was marked is not retried: its messages went out.
      if (marked) return failure ? Exit.succeed("handled-in-part") : Exit.succeed("handled")
      return failure ? Exit.fail(failure.error) : Exit.succeed("unmarked")
    })()
    const exit = await withDeadline<Outcome | "unmarked">(work, async () => {
      // Committed already (at a message that had to wait for Telegram's pace — an admins'
      // group takes 20 a minute): the update is handled and its waiting messages are
      // recorded (they go out whatever happens here); the handler finishes in the
      // background and the chat moves on, rather than a retry that would find it done.
      if (marked) return Exit.succeed("handled")
      open = false
      expired = true
      await transaction?.abort()
      return Exit.fail(new DeadlineExceeded(deadlineMs))
    })
    // The handler is done and wrote nothing: only its mark is left. A database outage
    // is waited out without running the handler again; the deadline was the handler's.
    if (Exit.isSuccess(exit) && exit.value === "unmarked") return markHandled(updateId)
    return exit as Exit.Exit<Outcome, unknown>
  }

  // ------------------------------------------------------------------ attempts

  /** Runs `attempt` until it succeeds or fails for a reason other than the database being away. */
  async function untilDatabaseAnswers<A, E>(attempt: (outage: number) => Promise<Exit.Exit<A, E>>) {
    for (let outage = 0; ; outage++) {
      const exit = await attempt(outage)
      if (Exit.isSuccess(exit) || !isTransientDatabaseFailure(exit.cause)) return exit
      if (outage === 0) {
        await runExit(
          Effect.logWarning(
            `database unavailable; holding the update until it answers: ${causeSummary(exit.cause)}`
          ).pipe(Effect.annotateLogs({ bot_id: botId }))
        )
      }
      await sleep(Math.min(5_000, 100 * 2 ** Math.min(outage, 6)))
    }
  }

  return async (ctx: BotContext): Promise<void> => {
    const updateId = ctx.update.update_id
    // Step 2 above: calls that answer at once run inside the transaction; a message that
    // must wait for Telegram's pace commits it first, and a call still unanswered HOLD_MS
    // after the attempt's first call began commits it while it goes on. A message sent
    // with the update committed is first recorded (src/outbox/update-messages.ts), so
    // that a process killed while it waits does not take it along. (ctx.api is this
    // update's own client; this transformer is its outermost, around pacing and auto-retry.)
    const gate: MessageGate = { protect: undefined, holding: () => false, heldSince: undefined }
    const pace = paceKey(ctx.api.token)
    /** Done once Telegram answered (or refused for good); else left to the notice worker. */
    const settle = (held: number | undefined, outcome: { readonly sent: true } | { readonly error: string }) => {
      if (held !== undefined) void runExit(settleUpdateMessage(held, outcome))
    }
    /** Renews a recorded message's hold while its call lasts; returns the stop. */
    const keep = (held: number | undefined) => {
      if (held === undefined) return () => undefined
      const renew = setInterval(() => void runExit(renewUpdateMessage(held)), UPDATE_MESSAGE_RENEW_MS)
      return () => clearInterval(renew)
    }
    const outcomeOf = (result: { ok: boolean; error_code?: number; description?: string }) =>
      result.ok || result.error_code === 400 || result.error_code === 403
        ? ({ sent: true } as const)
        : { error: `${result.error_code} ${result.description}` }
    ctx.api.config.use(async (prev, method, payload, signal) => {
      const protect = gate.protect
      if (!protect) return prev(method, payload, signal)
      const message = PACED_METHODS.has(method) ? { method, payload: payload as Record<string, unknown> } : undefined
      let held: number | undefined
      let left = HOLD_MS
      if (message && sendDelay(pace, chatIdOf(payload)) > 0) {
        held = await protect(message)
        left = Number.POSITIVE_INFINITY
      } else if (gate.holding()) {
        gate.heldSince ??= performance.now()
        left = HOLD_MS - (performance.now() - gate.heldSince)
        if (left <= 0) {
          held = await protect(message)
          left = Number.POSITIVE_INFINITY
        }
      }
      let stopKeeping = keep(held)
      let protecting: Promise<number | undefined> | undefined
      const timer =
        left === Number.POSITIVE_INFINITY
          ? undefined
          : setTimeout(() => {
              protecting = protect(message).then((id) => {
                stopKeeping = keep(id)
                return id
              })
            }, left)
      const finish = async () => {
        clearTimeout(timer)
        // A failed commit fails the handler (the update is retried), whatever the call did.
        try {
          held ??= await protecting
        } finally {
          stopKeeping()
        }
      }
      try {
        const result = await prev(method, payload, signal)
        await finish()
        settle(held, outcomeOf(result))
        return result
      } catch (error) {
        await finish()
        settle(held, { error: String(error) })
        throw error
      }
    })
    // Retries run eager, as do attempts after an outage: the database is known to
    // answer, and the mark known to be absent, before the handler runs again.
    let eager = mayBeReplay(updateId)
    let lastError = ""
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      refusals.delete(ctx.update)
      const started = performance.now()
      // A database outage is waited out here and costs no attempt: only the
      // handler's own failures count towards the dead letter.
      const exit = await untilDatabaseAnswers((outage) => {
        if (outage > 0) eager = true
        return runAttempt(ctx, eager, gate)
      })
      if (Exit.isSuccess(exit)) {
        if (exit.value !== "duplicate") {
          updateDuration.observe((performance.now() - started) / 1000)
          series.updateHandled()
        }
        if (exit.value === "handled-in-part") {
          series.handlerError()
          await runExit(
            Effect.logWarning(
              "update handler failed after its first message (the update stays handled; not retried)"
            ).pipe(Effect.annotateLogs({ bot_id: botId, update_id: updateId }))
          )
        }
        const refused = refusals.get(ctx.update)
        if (refused) await recordRefusal(updateId, refused)
        return
      }
      eager = true
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
