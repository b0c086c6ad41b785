/**
 * The notices of a tenant's customers and admins, one kind per row of
 * job_notices (migrations/006): what a change tells people. A notice is recorded
 * in the caller's transaction (a tenant transaction: the job_notices RLS policy
 * admits only this tenant's rows), so it exists exactly when the change it
 * announces committed; the statement trigger's NOTIFY wakes the notice workers
 * (src/outbox/notice-worker.ts) at commit, which send it through the tenant's bot.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export type NoticeKind =
  /** A card payment's deadline passed without a receipt (subject: the card payment). */
  | "card_payment_expired"
  /** A ZarinPal payment passed its TTL and verification said it was not paid (subject: the ZarinPal payment). */
  | "zarinpal_payment_expired"
  /** A job verified and credited a ZarinPal payment (subject: the payment; payload: ZarinpalPaidPayload). */
  | "zarinpal_paid"
  /** A job's verification refused a ZarinPal payment (subject: the payment; payload: { reason }). */
  | "zarinpal_failed"
  /** Receipts past their payment's deadline still wait for an admin (payload: { paymentIds }). */
  | "receipt_reminder"
  /**
   * A message an update's handler was sending when its transaction committed early
   * (payload: UpdateMessagePayload, src/outbox/update-messages.ts): leased to that
   * process while it sends; sent by the notice worker if the process died meanwhile.
   */
  | "update_message"
  /** A subscription ends within EXPIRY_REMINDER_DAYS (subject: the subscription; payload: { days, periodEnd }). */
  | "subscription_expiring"
  /** A subscription ended (subject: the subscription; payload: { periodEnd }). */
  | "subscription_expired"
  /** A subscription ended EXPIRED_REMINDER_DAYS ago and was not renewed (payload: { days, periodEnd }). */
  | "subscription_expired_reminder"
  /** Auto-renewal charged the wallet and extended (payload: { amount, balanceAfter, expiresAt, plan }). */
  | "auto_renewed"
  /** Auto-renewal found the wallet short (payload: { price, balance, shortfall, periodEnd }); once per period. */
  | "auto_renew_low_balance"
  /** The panel sync found panel users deleted or disabled out of band (payload: { drift, users }); to admins. */
  | "panel_drift"
  /**
   * A sale, renewal, trial, top-up or referral reward for the notification group (payload: SalePayload,
   * src/tenants/sale-notices.ts; user: the customer).
   */
  | "sale"
  /** The day's figures for the tenant's admins, once per tenant and day (payload: DailySummary, src/shop/daily-summary.ts). */
  | "daily_summary"

export interface NewNotice {
  readonly kind: NoticeKind
  readonly subjectId: number | null
  readonly userId: number | null
  readonly payload?: unknown
}

export const enqueueNotice = Effect.fn("enqueueNotice")(function* (botId: number, notice: NewNotice) {
  const sql = yield* SqlClient.SqlClient
  // JSON goes in as text: the client's name transforms must not touch the payload's keys.
  yield* sql`
    INSERT INTO job_notices (bot_id, kind, subject_id, user_id, payload)
    VALUES (${botId}, ${notice.kind}, ${notice.subjectId}, ${notice.userId}, ${JSON.stringify(notice.payload ?? {})}::jsonb)`
})
