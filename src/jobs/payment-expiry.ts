/**
 * payment_expiry (DESIGN.md §4), every PAYMENT_EXPIRY_INTERVAL_SECONDS:
 *
 * 1. Card payments past their deadline without a receipt: pending → expired,
 *    each user told once (fleet-expire-card-payments.ts: one statement, the
 *    status change guarded by the old status, the notice in the same statement).
 * 2. Card payments past their deadline WITH a receipt are never expired: the
 *    tenant's admins get one reminder listing them, at most once per
 *    ADMIN_REMINDER_INTERVAL_MINUTES per payment (fleet-remind-receipts.ts).
 * 3. Pending ZarinPal payments past their TTL are verified once more: paid →
 *    credited like a callback would (once, whoever is first); not paid (-51,
 *    or an authority ZarinPal does not know, -54) → expired; refused (our
 *    amount differs, merchant refused) → failed, the admins alerted, as the
 *    callback does; ZarinPal unreachable → left pending and asked again later:
 *    that host (production or sandbox) is not asked again for 5 s, doubling
 *    to 5 min while it stays unreachable, so an outage does not stall every
 *    tick on timeouts. Without an authority (the request
 *    never got one) or without a merchant id any more, nothing can be
 *    verified: expired. (The `zarinpal` flag switched off meanwhile does not
 *    skip the verification: the user may have paid before it went off.)
 *
 * Card expiry also has a fallback on every process (ExpiryFallbackLive): the
 * schedule's tick is owned by one runner, and when that runner is killed the
 * cluster needs ≈10 s to move it (SHARD_LOCK_EXPIRATION); meanwhile every
 * process expires card payments overdue by more than
 * PAYMENT_EXPIRY_FALLBACK_SECONDS, with the same single statement, so an
 * expiry still happens once and within ~5 s of its deadline. In normal
 * operation the 1 s tick gets there first and the fallback finds nothing.
 */
import { Clock, Effect, Layer, Schedule } from "effect"
import { AppConfig } from "../config.ts"
import { withTenant } from "../db/tenant.ts"
import { tenantOf } from "../tenants/tenant-cache.ts"
import { isTransientDatabaseError } from "../db/transient.ts"
import { causeSummary } from "../logging.ts"
import { countPayment } from "../payments/payment-metrics.ts"
import { zarinpalPaymentById } from "../payments/zarinpal-payments.ts"
import { jobItems } from "../metrics/job-metrics.ts"
import type { JobRun } from "./scheduled-job.ts"
import { fleetDueZarinpalPayments } from "./sql/fleet-due-zarinpal-payments.ts"
import { fleetExpireCardPayments } from "./sql/fleet-expire-card-payments.ts"
import { fleetRemindReceipts } from "./sql/fleet-remind-receipts.ts"
import { reportSkippedTenant } from "./skip-tenant.ts"
import { creditPaid, expireZarinpal, failZarinpal, verifyPayment, zarinpalSettingsOf } from "./zarinpal-settlement.ts"

/** Rows per statement; a backlog (after an outage) is worked through in several, up to MAX_BATCHES per run. */
const BATCH = 500
const MAX_BATCHES = 20
/** ZarinPal verifications in flight per run. */
const ZARINPAL_CONCURRENCY = 8

/** pending → expired for every card payment overdue by more than `graceSeconds` without a receipt; how many. */
export const expireCardPayments = Effect.fn("expireCardPayments")(function* (graceSeconds: number) {
  let total = 0
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const perBot = yield* fleetExpireCardPayments({ limit: BATCH, graceSeconds })
    let expired = 0
    for (const { botId, expired: n } of perBot) {
      expired += n
      for (let i = 0; i < n; i++) countPayment(botId, "card_to_card", "expired")
    }
    total += expired
    if (expired < BATCH) break
  }
  return total
})

/** Reminders queued for receipts past their deadline; how many receipts they list. */
export const remindReceipts = Effect.fn("remindReceipts")(function* (intervalMinutes: number) {
  let total = 0
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const rows = yield* fleetRemindReceipts({ limit: BATCH, intervalMinutes })
    const listed = rows.reduce((sum, r) => sum + r.receipts, 0)
    total += listed
    if (listed < BATCH) break
  }
  return total
})

/**
 * Per-process memory of the ZarinPal hosts (production, sandbox) that could not
 * be reached: not asked again until their wait is over. Lost on a restart or
 * when the schedule moves to another runner, which then asks once more.
 */
export const makeVerifyBackoff = () => {
  const waits = new Map<string, { readonly failures: number; readonly until: number }>()
  return {
    ready: (host: string, now: number) => (waits.get(host)?.until ?? 0) <= now,
    failed: (host: string, now: number) => {
      const failures = (waits.get(host)?.failures ?? 0) + 1
      waits.set(host, { failures, until: now + Math.min(300_000, 5_000 * 2 ** (failures - 1)) })
    },
    reached: (host: string) => void waits.delete(host)
  }
}
export type VerifyBackoff = ReturnType<typeof makeVerifyBackoff>

export type ExpirySettlement = "paid" | "expired" | "failed" | "moved" | "unavailable" | "deferred"

/** One pending ZarinPal payment past its TTL: verified once more, then credited, expired or failed. */
export const settleExpiredZarinpal = Effect.fn("settleExpiredZarinpal")(function* (
  botId: number,
  paymentId: number,
  backoff: VerifyBackoff
) {
  const payment = yield* withTenant(botId, zarinpalPaymentById(botId, paymentId))
  if (payment?.status !== "pending") return "moved" satisfies ExpirySettlement
  const settings = zarinpalSettingsOf(yield* tenantOf(botId), { evenIfSwitchedOff: true })
  if (payment.zarinpalAuthority === null || settings === undefined) {
    return (yield* expireZarinpal(botId, paymentId)) ? "expired" : "moved"
  }
  const host = settings.sandbox ? "sandbox" : "production"
  if (!backoff.ready(host, yield* Clock.currentTimeMillis)) return "deferred" satisfies ExpirySettlement
  const verdict = yield* verifyPayment(settings, { amount: payment.amount, authority: payment.zarinpalAuthority })
  if (verdict._tag === "Unavailable") {
    backoff.failed(host, yield* Clock.currentTimeMillis)
    yield* Effect.logWarning(`ZarinPal payment ${paymentId} of bot ${botId} not verified yet: ${verdict.reason}`)
    return "unavailable" satisfies ExpirySettlement
  }
  backoff.reached(host)
  switch (verdict._tag) {
    case "Paid":
      return (yield* creditPaid(botId, paymentId, verdict.verified, { reopenExpired: false })) ? "paid" : "moved"
    case "NotPaid":
    case "Unknown":
      return (yield* expireZarinpal(botId, paymentId)) ? "expired" : "moved"
    case "Refused":
      return (yield* failZarinpal(botId, paymentId, verdict.reason)) ? "failed" : "moved"
  }
})

/** Every due ZarinPal payment; how many were settled, and how many could not be for now. */
export const expireDueZarinpal = Effect.fn("expireDueZarinpal")(function* (backoff: VerifyBackoff) {
  const due = yield* fleetDueZarinpalPayments(BATCH)
  let settled = 0
  let failures = 0
  yield* Effect.forEach(
    due,
    (p) =>
      settleExpiredZarinpal(p.botId, p.id, backoff).pipe(
        Effect.tap((outcome) =>
          Effect.sync(() => {
            // "deferred" (its host is being waited for) is not counted again every tick.
            if (outcome === "unavailable") failures++
            else if (outcome !== "moved" && outcome !== "deferred") settled++
          })
        ),
        // One payment's trouble (a bug, a constraint) does not hold up the others; a database outage does.
        Effect.catchIf(
          (e) => !isTransientDatabaseError(e),
          (e) =>
            Effect.sync(() => failures++).pipe(
              Effect.andThen(
                reportSkippedTenant("payment_expiry", p.botId, `ZarinPal payment ${p.id} not settled: ${String(e)}`)
              )
            )
        )
      ),
    { concurrency: ZARINPAL_CONCURRENCY, discard: true }
  )
  return { settled, failures }
})

/** The job's run. Card expiry first: it is one cheap statement and must not wait behind ZarinPal. */
export const makePaymentExpiryRun = (options: { readonly reminderIntervalMinutes: number }) => {
  const backoff = makeVerifyBackoff()
  return Effect.gen(function* () {
    const expired = yield* expireCardPayments(0)
    const reminded = yield* remindReceipts(options.reminderIntervalMinutes)
    const zarinpal = yield* expireDueZarinpal(backoff)
    return { items: expired + reminded + zarinpal.settled, failures: zarinpal.failures } satisfies JobRun
  })
}

/** See the module comment: card expiry on every process for payments the schedule is late with. */
export const ExpiryFallbackLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const grace = config.paymentExpiryFallbackSeconds
    if (grace <= 0) return
    const sweep = expireCardPayments(grace).pipe(
      Effect.tap((n) =>
        n > 0
          ? Effect.sync(() => jobItems.inc({ job: "payment_expiry" }, n)).pipe(
              Effect.andThen(
                Effect.logInfo(
                  `payment expiry fallback: ${n} card payment(s) overdue by more than ${grace} s expired here`
                )
              )
            )
          : Effect.void
      ),
      // A database outage: quietly (the schedule logs it) and less often, until it is back.
      Effect.retry({
        while: isTransientDatabaseError,
        schedule: Schedule.min([Schedule.exponential("1 second"), Schedule.spaced("30 seconds")])
      }),
      Effect.catchCause((cause) => Effect.logWarning(`payment expiry fallback failed: ${causeSummary(cause)}`))
    )
    yield* Effect.forkScoped(sweep.pipe(Effect.repeat(Schedule.spaced("1 second"))))
  })
)
