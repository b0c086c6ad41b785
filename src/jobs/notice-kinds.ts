/**
 * What the jobs tell people, one kind per row of job_notices (migrations/006).
 * Each is recorded in the transaction of the change it announces and sent by
 * the notice worker (notice-worker.ts) through the tenant's bot.
 */
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
