/**
 * Sends the jobs' notices (job_notices, migrations/006). Every process runs one
 * worker: a notice is claimed with a lease (notice-queue.ts), so one
 * worker at a time sends it, and it is sent outside any transaction.
 *
 * Wake-ups (src/db/drain-on-notify.ts): the insert trigger's NOTIFY, and a
 * sweep every OUTBOX_SWEEP_SECONDS for retries, expired leases and missed
 * wake-ups. The first drain waits for the watcher's first sync, so the notifier
 * knows every active bot.
 *
 * Delivery is at least once, like every Telegram send here: each notice is
 * marked done right after Telegram took it, and a stopping process finishes
 * the batch it holds, so only a process that is killed with sends in flight —
 * at most BATCH notices — can make a notice go out twice (Telegram has no
 * idempotency key); what it had claimed goes out once its lease runs out
 * (LEASE_SECONDS). A notice Telegram refuses for good (blocked, bot
 * inactive), or still failing after MAX_ATTEMPTS, is kept as `failed`.
 */
import { Effect, Layer, Schedule } from "effect"
import { AppConfig } from "../config.ts"
import { drainOnNotify } from "../db/drain-on-notify.ts"
import { retryDelaySeconds } from "../db/leased-queue.ts"
import { isTransientDatabaseError } from "../db/transient.ts"
import { causeSummary } from "../logging.ts"
import { BotTokens } from "../telegram/bot-tokens.ts"
import { jobNotices } from "../metrics/job-metrics.ts"
import { deliverNotice, SEND_TIMEOUT_SECONDS } from "./notice-messages.ts"
import type { NoticeOutcome } from "./notice-messages.ts"
import { noticeQueue } from "./notice-queue.ts"
import type { ClaimedNotice } from "./notice-queue.ts"

export const NOTICES_CHANNEL = "botfleet_job_notices"
export const MAX_ATTEMPTS = 10
/**
 * Notices in flight per process (and per claim). It bounds what a killed
 * process can send twice: a request already written to Telegram cannot be
 * taken back, so each notice in flight at a SIGKILL may go out again. 8 keeps
 * that small and still sends dozens a second per process at Telegram's
 * round-trip times (the emulator: hundreds).
 */
export const BATCH = 8
/** Longer than one send may take (SEND_TIMEOUT_SECONDS) plus recording it. */
export const LEASE_SECONDS = SEND_TIMEOUT_SECONDS + 10

/** A database that is away: 0.2 s doubling to 10 s between attempts, for as long as it takes. */
const backoff = Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("10 seconds")])

/**
 * Recording an outcome outlives a short database outage (within the lease): a
 * sent notice that could not be marked done would be sent again.
 */
const record = <E, R>(effect: Effect.Effect<void, E, R>) =>
  effect.pipe(
    Effect.retry({
      while: isTransientDatabaseError,
      schedule: backoff.pipe(Schedule.upTo({ duration: `${LEASE_SECONDS} seconds` }))
    })
  )

const runNotice = (notice: ClaimedNotice) =>
  Effect.gen(function* () {
    const outcome = yield* deliverNotice(notice).pipe(
      // Anything unexpected (the database away while rendering, a bug) is a retry, never a lost notice.
      Effect.catchCause((cause) => Effect.succeed<NoticeOutcome>({ _tag: "Retry", reason: causeSummary(cause) }))
    )
    switch (outcome._tag) {
      case "Done":
        jobNotices.inc({ kind: notice.kind, outcome: "sent" })
        if (outcome.note) yield* Effect.logInfo(`notice not needed: ${outcome.note}`)
        return yield* record(noticeQueue.complete(notice.id))
      case "Failed":
        jobNotices.inc({ kind: notice.kind, outcome: "failed" })
        yield* Effect.logWarning(`notice not deliverable: ${outcome.reason}`)
        return yield* record(noticeQueue.fail(notice.id, outcome.reason))
      case "Retry":
        if (notice.attempts >= MAX_ATTEMPTS) {
          jobNotices.inc({ kind: notice.kind, outcome: "failed" })
          yield* Effect.logError(`notice given up after ${notice.attempts} attempts: ${outcome.reason}`)
          return yield* record(noticeQueue.fail(notice.id, outcome.reason))
        }
        jobNotices.inc({ kind: notice.kind, outcome: "retry" })
        yield* Effect.logInfo(`notice will be retried: ${outcome.reason}`)
        return yield* record(
          noticeQueue.retryLater(notice.id, outcome.delaySeconds ?? retryDelaySeconds(notice.attempts), outcome.reason)
        )
    }
  }).pipe(
    // One notice's trouble never interrupts the others in flight (their sends may already be out).
    Effect.catchCause((cause) => Effect.logWarning(`notice outcome not recorded: ${causeSummary(cause)}`)),
    Effect.annotateLogs({ bot_id: notice.botId, notice_id: notice.id, kind: notice.kind })
  )

/**
 * Claims and sends due notices until none is left. A claimed batch is finished
 * even when the process is stopping (uninterruptible: at most one send timeout),
 * so a graceful stop never leaves a notice sent but unrecorded — which would be
 * sent again after its lease.
 */
export const drainNotices = (claimedBy: string) =>
  Effect.gen(function* () {
    for (;;) {
      const notices = yield* noticeQueue.claim(BATCH, LEASE_SECONDS, claimedBy)
      if (notices.length === 0) return
      yield* Effect.uninterruptible(Effect.forEach(notices, runNotice, { concurrency: BATCH, discard: true }))
    }
  })

/** The worker, claiming notices as `claimedBy` (this process's runner name, from app.ts). */
export const noticeWorker = (claimedBy: string) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const config = yield* AppConfig
      const tokens = yield* BotTokens
      yield* drainOnNotify({
        channel: NOTICES_CHANNEL,
        sweepSeconds: config.outboxSweepSeconds,
        what: "job notice",
        // The notifier needs the watcher's first picture to know every active bot.
        drain: tokens.ready.pipe(
          Effect.andThen(drainNotices(claimedBy)),
          Effect.tapError((e) =>
            isTransientDatabaseError(e)
              ? Effect.logWarning(`job notices: database unavailable (${e.message}); retrying`)
              : Effect.void
          ),
          Effect.retry({ while: isTransientDatabaseError, schedule: backoff })
        )
      })
    })
  )
