/**
 * ZarinPal payments, the database side (every function runs inside the
 * caller's tenant transaction). The gateway calls themselves happen outside
 * any transaction: the payment request in the outbox worker
 * (src/outbox/request-zarinpal-payment.ts), verification in the callback (src/api/zarinpal-callback/settle.ts).
 *
 *   start ──▶ pending (no authority) ──request──▶ pending (authority) ──verified──▶ paid
 *                                                     ├──Status=NOK────────────▶ cancelled
 *                                                     └──refused/mismatch──────▶ failed
 *
 * Every transition locks the row and checks it is still pending, so replayed
 * callbacks, concurrent callbacks on two replicas and the reconciliation job
 * credit a payment at most once.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { announceSale } from "../tenants/sale-notices.ts"
import type { PaymentOwner } from "./card-payments.ts"
import { checkAmount, purchaseFor } from "./card-payments.ts"
import type { AmountLimits } from "./card-payments.ts"
import { enqueueTask } from "./outbox.ts"
import { creditWallet } from "./wallet.ts"

export interface ZarinpalPaymentRow {
  readonly id: number
  readonly userId: number
  readonly planId: number | null
  readonly amount: number
  readonly zarinpalAuthority: string | null
  readonly zarinpalRefId: string | null
  readonly status: "pending" | "paid" | "failed" | "cancelled" | "expired"
  readonly description: string | null
  readonly expiresAt: Date
  readonly telegramId: number
  readonly language: "fa" | "en" | "ru" | null
  readonly promoRedemptionId: number | null
}

const SELECT = `SELECT p.id, p.user_id, p.plan_id, p.amount, p.zarinpal_authority, p.zarinpal_ref_id, p.status,
    p.description, p.expires_at, u.telegram_id, u.language, p.promo_redemption_id
  FROM zarinpal_payments p JOIN users u ON u.id = p.user_id AND u.bot_id = p.bot_id`

export interface StartZarinpalPayment {
  readonly userId: number
  readonly amount: number
  readonly planId: number | null
  readonly description: string
  readonly ttlMinutes: number
  readonly limits: AmountLimits
  /** The promo discount the amount was quoted with (promo-discount.ts): held by this payment while pending. */
  readonly promoRedemptionId?: number | undefined
}

/** Records the payment and queues its gateway request (made after commit, outside this transaction). */
export const startZarinpalPayment = Effect.fn("startZarinpalPayment")(function* (
  botId: number,
  input: StartZarinpalPayment
) {
  const sql = yield* SqlClient.SqlClient
  yield* checkAmount(input.amount, input.limits)
  const [row] = yield* sql<{ id: number }>`
    INSERT INTO zarinpal_payments (bot_id, user_id, plan_id, amount, description, expires_at, promo_redemption_id)
    VALUES (${botId}, ${input.userId}, ${input.planId}, ${input.amount}, ${input.description.slice(0, 500)},
            now() + make_interval(mins => ${input.ttlMinutes}::int), ${input.promoRedemptionId ?? null})
    RETURNING id`
  yield* enqueueTask(botId, "zarinpal_request", row!.id)
  return row!.id
})

export const zarinpalPaymentById = Effect.fn("zarinpalPaymentById")(function* (botId: number, paymentId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<ZarinpalPaymentRow>`${sql.unsafe(SELECT)} WHERE p.bot_id = ${botId} AND p.id = ${paymentId}`
  return row
})

export const zarinpalPaymentByAuthority = Effect.fn("zarinpalPaymentByAuthority")(function* (
  botId: number,
  authority: string
) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<ZarinpalPaymentRow>`
    ${sql.unsafe(SELECT)} WHERE p.bot_id = ${botId} AND p.zarinpal_authority = ${authority}`
  return row
})

/** Stores the authority the gateway gave; false when the payment moved on or already has one. */
export const recordAuthority = Effect.fn("recordAuthority")(function* (
  botId: number,
  paymentId: number,
  authority: string,
  callbackUrl: string
) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
      UPDATE zarinpal_payments SET zarinpal_authority = ${authority}, callback_url = ${callbackUrl}
      WHERE bot_id = ${botId} AND id = ${paymentId} AND status = 'pending' AND zarinpal_authority IS NULL
      RETURNING id`
  return rows.length > 0
})

const lockPending = (botId: number, paymentId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<ZarinpalPaymentRow>`
      ${sql.unsafe(SELECT)} WHERE p.bot_id = ${botId} AND p.id = ${paymentId} FOR UPDATE OF p`
    return row?.status === "pending" ? row : undefined
  })

/**
 * Claims this payment's verify slot: true at most once per `intervalSeconds`
 * (cluster-wide, one conditional UPDATE), and only while it is pending. A
 * callback that gets false does not ask ZarinPal.
 */
export const claimZarinpalVerify = Effect.fn("claimZarinpalVerify")(function* (
  botId: number,
  paymentId: number,
  intervalSeconds: number
) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
    UPDATE zarinpal_payments SET verify_claimed_at = clock_timestamp()
    WHERE bot_id = ${botId} AND id = ${paymentId} AND status = 'pending'
      AND (verify_claimed_at IS NULL
           OR verify_claimed_at <= clock_timestamp() - make_interval(secs => ${intervalSeconds}::double precision))
    RETURNING id`
  return rows.length > 0
})

/** pending → cancelled (the user cancelled at the bank, and verify said unpaid); undefined when it was not pending. */
export const cancelZarinpalPayment = Effect.fn("cancelZarinpalPayment")(function* (botId: number, paymentId: number) {
  const sql = yield* SqlClient.SqlClient
  const row = yield* lockPending(botId, paymentId)
  if (!row) return undefined
  yield* sql`UPDATE zarinpal_payments SET status = 'cancelled' WHERE bot_id = ${botId} AND id = ${paymentId}`
  return row
})

/** pending → failed, with the reason for operators; undefined when it was not pending. */
export const failZarinpalPayment = Effect.fn("failZarinpalPayment")(function* (
  botId: number,
  paymentId: number,
  reason: string
) {
  const sql = yield* SqlClient.SqlClient
  const row = yield* lockPending(botId, paymentId)
  if (!row) return undefined
  yield* sql`UPDATE zarinpal_payments SET status = 'failed', failure_reason = ${reason.slice(0, 500)}
    WHERE bot_id = ${botId} AND id = ${paymentId}`
  return row
})

export interface Verified {
  readonly refId: number
  readonly cardPan: string | undefined
}

/**
 * pending → paid once ZarinPal verified it: credits the wallet (a `deposit`)
 * and completes the plan it paid for. Undefined when it was not pending (a
 * replay, or another replica got there first).
 */
export const markZarinpalPaid = Effect.fn("markZarinpalPaid")(function* (
  botId: number,
  paymentId: number,
  verified: Verified
) {
  const sql = yield* SqlClient.SqlClient
  const row = yield* lockPending(botId, paymentId)
  if (!row) return undefined
  const reference = row.zarinpalAuthority ?? `ZP${paymentId}`
  const deposit = yield* creditWallet(botId, row.userId, {
    amount: row.amount,
    type: "deposit",
    method: "zarinpal",
    reference
  })
  yield* sql`
    UPDATE zarinpal_payments
    SET status = 'paid', zarinpal_ref_id = ${String(verified.refId)}, card_pan = ${verified.cardPan ?? null},
        transaction_id = ${deposit.transactionId}
    WHERE bot_id = ${botId} AND id = ${paymentId}`
  const owner: PaymentOwner = { userId: row.userId, telegramId: row.telegramId, language: row.language }
  const purchase = yield* purchaseFor(botId, owner, row, "zarinpal", reference)
  // A payment for a plan is announced as that sale (completePurchase); a plain top-up here.
  if (row.planId === null) {
    yield* announceSale(
      botId,
      row.userId,
      Effect.succeed({ event: "top_up" as const, amount: row.amount, method: "zarinpal" })
    )
  }
  return { payment: row, owner, balanceAfterDeposit: deposit.balanceAfter, purchase }
})
