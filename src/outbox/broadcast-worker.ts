/**
 * Sends the broadcasts (migrations/023). Every process runs one worker; a
 * broadcast is claimed with a lease (broadcast-queue.ts), so one worker at a
 * time sends it, each broadcast on a fiber of its own — several tenants'
 * broadcasts go out side by side, none waits behind another, and none touches
 * a bot's update pipeline (its sends only share the bot's pace, src/telegram/send-pace.ts,
 * so a customer's reply waits at most a slot).
 *
 * Pace: BROADCAST_MESSAGES_PER_SECOND per tenant (default 25), slots spaced
 * evenly (no burst); the process's pacer holds every bot to 25 a second anyway
 * while TELEGRAM_SEND_PACING is on. A 429 is waited out as Telegram says
 * (retry_after: the client's auto-retry, or — past its patience — the broadcast
 * is released and due again after retry_after).
 *
 * Exactly one copy: recipients are marked `sending` (committed) before their
 * request goes out and `sent` after. A graceful stop (a deploy, a hand-over)
 * lets the requests in flight finish and be recorded, returns the recipients
 * not yet started to `pending` and releases the lease, so the next worker
 * carries on at once. A crash leaves the lease to run out (LEASE_SECONDS); the
 * next holder finds the dead worker's `sending` rows — at most one window of
 * sends, whose outcome nobody knows — and records them `unknown` without
 * sending them again: a customer may miss the message, never get it twice.
 * Network failures and sends unanswered within SEND_TIMEOUT_SECONDS are
 * `unknown` for the same reason.
 */
import { Cause, Duration, Effect, FiberMap, Layer, Schedule } from "effect"
import { GrammyError } from "grammy"
import type { Api } from "grammy"
import { AppConfig } from "../config.ts"
import { drainOnNotify } from "../db/drain-on-notify.ts"
import { withTenant } from "../db/tenant.ts"
import { isTransientDatabaseError } from "../db/transient.ts"
import { causeSummary } from "../logging.ts"
import { broadcastStatusKeyboard, broadcastStatusText, sendBroadcastMessage } from "../messages/broadcast-messages.ts"
import { localeOf, translator } from "../messages/i18n.ts"
import { broadcastMessages, broadcastsRunning } from "../metrics/broadcast-metrics.ts"
import { BotTokens } from "../telegram/bot-tokens.ts"
import { TelegramNotifier } from "../telegram/notifier.ts"
import { refusedForGood } from "../telegram/send-failures.ts"
import { UnreachableUsers } from "../telegram/unreachable-users.ts"
import { fleetBotIsActive } from "../tenants/bot-is-active.ts"
import {
  broadcastForSending,
  broadcastSummary,
  finishBroadcast,
  recordRecipients,
  releaseRecipients,
  renewBroadcastLease,
  settleInFlight,
  takeRecipients
} from "../tenants/broadcasts.ts"
import type {
  BroadcastContent,
  BroadcastForSending,
  RecipientOutcome,
  RecipientResult,
  RecipientToSend
} from "../tenants/broadcasts.ts"
import { shopSettings } from "../tenants/shop-settings.ts"
import { tenantOf } from "../tenants/tenant-cache.ts"
import type { Tenant } from "../tenants/tenant-cache.ts"
import { broadcastQueue } from "./broadcast-queue.ts"
import type { ClaimedBroadcast } from "./broadcast-queue.ts"

export const BROADCASTS_CHANNEL = "botfleet_broadcasts"
/** Broadcasts one process sends at once: each is a fiber that mostly waits for its next slot. */
export const MAX_BROADCASTS_PER_PROCESS = 64
/** A crashed worker's broadcast is taken over this long after its last renewal. */
export const LEASE_SECONDS = 30
const RENEW_EVERY = Duration.seconds(10)
/** Longer than the client's own 429 waits (auto-retry, up to 60 s); unanswered by then: outcome unknown. */
export const SEND_TIMEOUT_SECONDS = 90
/** The admin's progress message is edited at most this often (Telegram: about one message a second per chat). */
const PROGRESS_EVERY_MS = 3000
/** Telegram failing otherwise (5xx), or the bot not running here yet: due again after this. */
const RETRY_SECONDS = 5
/** A deactivated bot's broadcast waits for it to come back (or to be cancelled). */
const INACTIVE_RETRY_SECONDS = 60

/** Evenly spaced slots at `perSecond` (no burst): the wait before the next send may go. */
const evenPace = (perSecond: number) => {
  const interval = 1000 / perSecond
  let next = 0
  return (): number => {
    const now = Date.now()
    const slot = Math.max(now, next)
    next = slot + interval
    return slot - now
  }
}

type SendOutcome =
  | { readonly outcome: Exclude<RecipientOutcome, "pending">; readonly error: string | null }
  | { readonly outcome: "pending"; readonly error: string; readonly retryAfterSeconds: number }

/** One send, classified: what to record for the recipient. */
const deliver = (api: Api, recipient: RecipientToSend, content: BroadcastContent, tenant: Tenant) =>
  Effect.tryPromise({
    try: () =>
      sendBroadcastMessage(
        api,
        recipient.telegramId,
        content,
        translator(localeOf(recipient.language, tenant.defaultLanguage))
      ),
    catch: (error) => error
  }).pipe(
    Effect.timeoutOption(Duration.seconds(SEND_TIMEOUT_SECONDS)),
    Effect.map(
      (sent): SendOutcome =>
        sent._tag === "Some"
          ? { outcome: "sent", error: null }
          : { outcome: "unknown", error: `no answer within ${SEND_TIMEOUT_SECONDS} s` }
    ),
    Effect.catch((error): Effect.Effect<SendOutcome, never, UnreachableUsers> => {
      if (!(error instanceof GrammyError)) {
        // The request may have reached Telegram before the connection failed.
        return Effect.succeed({ outcome: "unknown", error: String(error).slice(0, 200) })
      }
      const description = `${error.error_code} ${error.description}`
      const refused = refusedForGood(error)
      if (refused !== undefined) {
        return Effect.as(
          UnreachableUsers.use((users) => users.markUnreachable(tenant.botId, recipient.telegramId)),
          {
            outcome: refused.reason === "chat_not_found" ? "failed" : "blocked",
            error: description
          }
        )
      }
      if (error.error_code === 429) {
        return Effect.succeed({
          outcome: "pending",
          error: description,
          retryAfterSeconds: error.parameters.retry_after ?? RETRY_SECONDS
        })
      }
      // Another 400 (a photo Telegram cannot fetch, …) fails for every customer alike.
      if (error.error_code === 400) return Effect.succeed({ outcome: "failed", error: description })
      return Effect.succeed({ outcome: "pending", error: description, retryAfterSeconds: RETRY_SECONDS })
    })
  )

/** The admin's progress message, edited in place (best effort: a failed edit changes nothing). */
const showStatus = (api: Api, tenant: Tenant, broadcast: BroadcastForSending) =>
  Effect.gen(function* () {
    const { progressChatId: chatId, progressMessageId: messageId } = broadcast
    if (chatId === null || messageId === null) return
    const summary = yield* withTenant(tenant.botId, broadcastSummary(tenant.botId, broadcast.id))
    if (summary === undefined) return
    const locale = broadcast.progressLanguage ?? tenant.defaultLanguage
    const t = translator(locale)
    yield* Effect.tryPromise(() =>
      api.editMessageText(chatId, messageId, broadcastStatusText(t, locale, summary), {
        reply_markup: broadcastStatusKeyboard(t, summary)
      })
    ).pipe(Effect.ignore)
  }).pipe(Effect.catchCause((cause) => Effect.logDebug(`broadcast progress not shown: ${causeSummary(cause)}`)))

/** Sends one claimed broadcast until every recipient had its turn, it is cancelled, or it must wait. */
const sendBroadcast = (claimed: ClaimedBroadcast, claimedBy: string) =>
  Effect.gen(function* () {
    const { id, botId } = claimed
    const notifier = yield* TelegramNotifier
    /** Not while this process's watcher does not know the bot as active: just activated (wait), or deactivated. */
    const notSendable = Effect.gen(function* () {
      const active = yield* fleetBotIsActive(botId)
      return yield* broadcastQueue.retryLater(
        id,
        active ? RETRY_SECONDS : INACTIVE_RETRY_SECONDS,
        active ? "the bot is not running here yet" : "the bot is not active"
      )
    })
    const api = notifier.api(botId)
    if (api === undefined) return yield* notSendable
    const tenant = yield* tenantOf(botId)
    const broadcast = yield* withTenant(botId, broadcastForSending(botId, id))
    if (broadcast === undefined || broadcast.state !== "pending") return
    const status = showStatus(api, tenant, broadcast)
    const unknown = yield* withTenant(botId, settleInFlight(botId, id))
    if (unknown > 0) {
      broadcastMessages.inc({ outcome: "unknown" }, unknown)
      yield* Effect.logWarning(`${unknown} broadcast sends were in flight when their worker stopped: not sent again`)
    }
    // The lease runs on while this fiber lives, also through a long 429 wait.
    yield* Effect.forkScoped(
      withTenant(botId, renewBroadcastLease(botId, id, claimedBy, LEASE_SECONDS)).pipe(
        Effect.ignore,
        Effect.repeat(Schedule.spaced(RENEW_EVERY))
      )
    )
    const rate = shopSettings(tenant).broadcastMessagesPerSecond
    const nextSlot = evenPace(rate)
    // About 0.2 s of sends per statement: few round trips, and at most this many unknown after a crash.
    const window = Math.max(1, Math.min(20, Math.ceil(rate / 5)))
    let shownAt = Date.now()
    for (;;) {
      // Deactivated (or its token replaced) meanwhile: nothing more goes out with the old client.
      if (notifier.api(botId) !== api) return yield* notSendable
      // A window is taken, sent and recorded as one piece: a stop can land only in a pace wait,
      // and then what went out is recorded and what never started goes back to pending.
      const sent = yield* Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const batch = yield* withTenant(botId, takeRecipients(botId, id, claimedBy, window, LEASE_SECONDS))
          // Not ours any more (cancelled, taken over), or every recipient had its turn.
          if (batch === undefined) return { _tag: "Lost" } as const
          if (batch.length === 0) return { _tag: "Finished" } as const
          const results: Array<RecipientResult> = []
          let retryAfterSeconds = 0
          const record = Effect.suspend(() =>
            withTenant(
              botId,
              Effect.andThen(
                recordRecipients(botId, id, results),
                releaseRecipients(
                  botId,
                  id,
                  batch.filter((r) => !results.some((done) => done.userId === r.userId)).map((r) => r.userId)
                )
              )
            )
          ).pipe(
            Effect.retry({
              while: isTransientDatabaseError,
              schedule: Schedule.exponential("200 millis").pipe(Schedule.upTo({ duration: `${LEASE_SECONDS} seconds` }))
            }),
            Effect.orDie
          )
          yield* restore(
            Effect.forEach(
              batch,
              (recipient) =>
                Effect.gen(function* () {
                  const wait = nextSlot()
                  if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
                  // Once the request is on its way, it is seen through and noted, also when stopping
                  // (noted inside the same region: a stop right after it would skip a later step).
                  yield* Effect.uninterruptible(
                    Effect.map(deliver(api, recipient, broadcast.content, tenant), (outcome) => {
                      broadcastMessages.inc({ outcome: outcome.outcome === "pending" ? "retry" : outcome.outcome })
                      results.push({ userId: recipient.userId, outcome: outcome.outcome, error: outcome.error })
                      if (outcome.outcome === "pending") {
                        retryAfterSeconds = Math.max(retryAfterSeconds, outcome.retryAfterSeconds)
                      }
                    })
                  )
                }),
              { concurrency: window, discard: true }
            )
          ).pipe(Effect.ensuring(record))
          return { _tag: "Sent", results, retryAfterSeconds } as const
        })
      )
      if (sent._tag === "Lost") return yield* status
      if (sent._tag === "Finished") {
        yield* withTenant(botId, finishBroadcast(botId, id, claimedBy))
        return yield* status
      }
      const refused = sent.results.find((r) => r.outcome === "pending")
      if (refused !== undefined) {
        // Telegram asked to wait (429 past the client's own patience) or failed: the broadcast is due again then.
        const reason = refused.error ?? "Telegram did not take the message"
        yield* Effect.logInfo(`broadcast paused for ${sent.retryAfterSeconds} s: ${reason}`)
        yield* status
        return yield* broadcastQueue.retryLater(id, sent.retryAfterSeconds, reason)
      }
      if (Date.now() - shownAt >= PROGRESS_EVERY_MS) {
        shownAt = Date.now()
        yield* status
      }
    }
  }).pipe(
    Effect.scoped,
    // Stopping (a deploy, a hand-over): the next worker may take it at once.
    Effect.onInterrupt(() => broadcastQueue.retryLater(claimed.id, 0, "handed over").pipe(Effect.ignore)),
    Effect.catchCauseIf(
      (cause) => !Cause.hasInterruptsOnly(cause),
      (cause) =>
        Effect.logWarning(`broadcast failed, will be retried: ${causeSummary(cause)}`).pipe(
          Effect.andThen(broadcastQueue.retryLater(claimed.id, RETRY_SECONDS, causeSummary(cause))),
          Effect.ignore
        )
    ),
    Effect.annotateLogs({ bot_id: claimed.botId, broadcast_id: claimed.id }),
    (send) =>
      Effect.acquireUseRelease(
        Effect.sync(() => broadcastsRunning.inc()),
        () => send,
        () => Effect.sync(() => broadcastsRunning.dec())
      )
  )

/**
 * The worker, claiming broadcasts as `claimedBy` (this process's runner name):
 * on the insert trigger's NOTIFY and every OUTBOX_SWEEP_SECONDS, it claims as
 * many due broadcasts as it has room for and sends each on its own fiber.
 */
export const broadcastWorker = (claimedBy: string) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const config = yield* AppConfig
      const tokens = yield* BotTokens
      const running = yield* FiberMap.make<number>()
      const claimMore = Effect.gen(function* () {
        const room = MAX_BROADCASTS_PER_PROCESS - (yield* FiberMap.size(running))
        if (room <= 0) return
        const claimed = yield* broadcastQueue.claim(room, LEASE_SECONDS, claimedBy)
        for (const broadcast of claimed) {
          yield* FiberMap.run(running, broadcast.id, sendBroadcast(broadcast, claimedBy), { onlyIfMissing: true })
        }
      })
      yield* drainOnNotify({
        channel: BROADCASTS_CHANNEL,
        sweepSeconds: config.outboxSweepSeconds,
        what: "broadcast",
        // The notifier needs the watcher's first picture to know every active bot.
        drain: tokens.ready.pipe(Effect.andThen(claimMore))
      })
    })
  )
