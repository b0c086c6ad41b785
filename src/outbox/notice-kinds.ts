/**
 * What the jobs tell people, one kind per row of job_notices (migrations/006).
 * Each is recorded in the transaction of the change it announces and sent by
 * the notice worker (notice-worker.ts) through the tenant's bot.
 */
import type { CompletedPurchase } from "../messages/payment-messages.ts"

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

/** What the user is told after a job credited their ZarinPal payment (stored as JSON with the notice). */
export interface ZarinpalPaidPayload {
  readonly amount: number
  readonly balanceAfterDeposit: number
  readonly purchase: CompletedPurchase | null
}
