/**
 * The card-to-card payment state machine (DESIGN.md §4), every step inside the
 * caller's tenant transaction:
 *
 *   start ──▶ pending ──receipt──▶ pending (receipt_submitted_at) ──approve──▶ approved
 *                │                                   └───────────reject───▶ rejected
 *                ├──user cancels (no receipt yet)──▶ cancelled
 *                └──deadline passes (no receipt)──▶ expired
 *
 * Each transition locks the payment row (`FOR UPDATE`) and checks the status it
 * leaves, so a double click, a second admin or a replayed update finds the
 * payment already moved on and changes nothing. Approval credits the wallet,
 * records the deposit, counts the card's success once, and completes the
 * purchase the payment was for.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { planAsSold } from "../tenants/plans.ts"
import { announceSale } from "../tenants/sale-notices.ts"
import { pickCard } from "./card-rotation.ts"
import { countCardFailure, countCardSuccess } from "../tenants/payment-cards.ts"
import type { CandidateCard } from "../tenants/payment-cards.ts"
import {
  AmountOutOfRange,
  PaymentAlreadyReviewed,
  PaymentExpired,
  PaymentNotFound,
  PendingPaymentExists
} from "./errors.ts"
import { completePurchase } from "./purchase.ts"
import type { PurchaseOutcome } from "./purchase.ts"
import { newTrackingNumber } from "./tracking-number.ts"
import { creditWallet, lockWallet } from "./wallet.ts"
import { userContact } from "../tenants/users.ts"
import type { UserContact } from "../tenants/users.ts"

export interface AmountLimits {
  readonly min: number
  readonly max: number
}

export const checkAmount = (amount: number, limits: AmountLimits) =>
  Number.isSafeInteger(amount) && amount >= limits.min && amount <= limits.max
    ? Effect.void
    : Effect.fail(new AmountOutOfRange({ amount, min: limits.min, max: limits.max }))

export interface StartCardPayment {
  readonly userId: number
  readonly amount: number
  /** The plan bought with it; null for a wallet top-up. */
  readonly planId: number | null
  readonly ttlMinutes: number
  readonly limits: AmountLimits
  /** The promo discount the amount was quoted with (promo-discount.ts): held by this payment while pending. */
  readonly promoRedemptionId?: number | undefined
}

export interface StartedCardPayment {
  readonly id: number
  readonly trackingNumber: string
  readonly amount: number
  readonly expiresAt: Date
  readonly card: CandidateCard
}

/** Opens a pending payment on the card the rotation picks. One pending payment per user. */
export const startCardPayment = Effect.fn("startCardPayment")(function* (botId: number, input: StartCardPayment) {
  const sql = yield* SqlClient.SqlClient
  yield* checkAmount(input.amount, input.limits)
  // The user's row lock orders this against the same user's other payment starts.
  yield* lockWallet(botId, input.userId)
  const [pending] = yield* sql<{ trackingNumber: string }>`
    SELECT tracking_number FROM card_to_card_payments
    WHERE bot_id = ${botId} AND user_id = ${input.userId} AND status = 'pending'`
  if (pending) return yield* new PendingPaymentExists({ trackingNumber: pending.trackingNumber })
  const card = yield* pickCard(botId)
  const [row] = yield* sql<{ id: number; trackingNumber: string; expiresAt: Date }>`
    INSERT INTO card_to_card_payments (bot_id, user_id, card_id, plan_id, amount, tracking_number, expires_at,
                                       promo_redemption_id)
    VALUES (${botId}, ${input.userId}, ${card.id}, ${input.planId}, ${input.amount}, ${newTrackingNumber()},
            now() + make_interval(mins => ${input.ttlMinutes}::int), ${input.promoRedemptionId ?? null})
    RETURNING id, tracking_number, expires_at`
  return {
    id: row!.id,
    trackingNumber: row!.trackingNumber,
    amount: input.amount,
    expiresAt: row!.expiresAt,
    card
  } satisfies StartedCardPayment
})

export interface CardPaymentRow {
  readonly id: number
  readonly userId: number
  readonly cardId: number | null
  readonly planId: number | null
  readonly amount: number
  readonly trackingNumber: string
  readonly status: "pending" | "approved" | "rejected" | "cancelled" | "expired"
  readonly receiptType: "image" | "text" | "both" | null
  readonly receiptText: string | null
  readonly receiptImageFileId: string | null
  readonly receiptSubmittedAt: Date | null
  readonly expiresAt: Date
  readonly adminNotes: string | null
  readonly promoRedemptionId: number | null
}

const COLUMNS = `id, user_id, card_id, plan_id, amount, tracking_number, status, receipt_type, receipt_text,
  receipt_image_file_id, receipt_submitted_at, expires_at, admin_notes, promo_redemption_id`

/** Locks the payment; PaymentNotFound when it is not this tenant's (or not this user's, when given). */
const lockPayment = (botId: number, paymentId: number, userId?: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<CardPaymentRow>`
      SELECT ${sql.unsafe(COLUMNS)} FROM card_to_card_payments
      WHERE bot_id = ${botId} AND id = ${paymentId} ${userId === undefined ? sql`` : sql`AND user_id = ${userId}`}
      FOR UPDATE`
    if (!row) return yield* new PaymentNotFound({ paymentId })
    return row
  })

const lockPending = (botId: number, paymentId: number, userId?: number) =>
  Effect.flatMap(lockPayment(botId, paymentId, userId), (row) =>
    row.status === "pending"
      ? Effect.succeed(row)
      : Effect.fail(new PaymentAlreadyReviewed({ paymentId, status: row.status }))
  )

/** The user's pending payment, if any. */
export const pendingCardPayment = Effect.fn("pendingCardPayment")(function* (botId: number, userId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<CardPaymentRow>`
    SELECT ${sql.unsafe(COLUMNS)} FROM card_to_card_payments
    WHERE bot_id = ${botId} AND user_id = ${userId} AND status = 'pending'`
  return row
})

export interface Receipt {
  readonly text: string | undefined
  readonly imageFileId: string | undefined
}

/**
 * Attaches the user's receipt. A payment past its deadline without a receipt
 * expires here (one atomic change) instead of taking the receipt.
 */
export const submitReceipt = Effect.fn("submitReceipt")(function* (
  botId: number,
  userId: number,
  paymentId: number,
  receipt: Receipt
) {
  const sql = yield* SqlClient.SqlClient
  const row = yield* lockPending(botId, paymentId, userId)
  if (row.receiptSubmittedAt !== null) return yield* new PaymentAlreadyReviewed({ paymentId, status: "submitted" })
  const [expired] = yield* sql<{ id: number }>`
    UPDATE card_to_card_payments SET status = 'expired'
    WHERE bot_id = ${botId} AND id = ${paymentId} AND expires_at <= now() RETURNING id`
  if (expired) return yield* new PaymentExpired({ paymentId })
  const type =
    receipt.text !== undefined && receipt.imageFileId !== undefined
      ? "both"
      : receipt.imageFileId !== undefined
        ? "image"
        : "text"
  const [updated] = yield* sql<CardPaymentRow>`
    UPDATE card_to_card_payments
    SET receipt_type = ${type}, receipt_text = ${receipt.text?.slice(0, 2000) ?? null},
        receipt_image_file_id = ${receipt.imageFileId ?? null}, receipt_submitted_at = now()
    WHERE bot_id = ${botId} AND id = ${paymentId}
    RETURNING ${sql.unsafe(COLUMNS)}`
  return updated!
})

/** The user gives up on a payment they have not sent a receipt for. */
export const cancelCardPayment = Effect.fn("cancelCardPayment")(function* (
  botId: number,
  userId: number,
  paymentId: number
) {
  const sql = yield* SqlClient.SqlClient
  const row = yield* lockPending(botId, paymentId, userId)
  if (row.receiptSubmittedAt !== null) return yield* new PaymentAlreadyReviewed({ paymentId, status: "submitted" })
  yield* sql`UPDATE card_to_card_payments SET status = 'cancelled' WHERE bot_id = ${botId} AND id = ${paymentId}`
  return row
})

export interface Reviewer {
  /** The admin's users row in this tenant, when they have one. */
  readonly userId: number | undefined
  readonly telegramId: number
}

/** Who paid: the user's row id, Telegram chat and language. */
export type PaymentOwner = UserContact

const ownerOf = (botId: number, userId: number) => Effect.map(userContact(botId, userId), (owner) => owner!)

export interface Approved {
  readonly payment: CardPaymentRow
  readonly owner: PaymentOwner
  readonly balanceAfterDeposit: number
  /** The purchase the payment paid for; undefined for a top-up (or a plan since deleted). */
  readonly purchase: (PurchaseOutcome & { readonly planName: string }) | undefined
}

/** Approves once: credits the wallet, counts the card's success, completes the purchase. */
export const approveCardPayment = Effect.fn("approveCardPayment")(function* (
  botId: number,
  paymentId: number,
  reviewer: Reviewer
) {
  const sql = yield* SqlClient.SqlClient
  const payment = yield* lockPending(botId, paymentId)
  yield* sql`
    UPDATE card_to_card_payments
    SET status = 'approved', admin_reviewed_by = ${reviewer.userId ?? null},
        admin_reviewer_telegram_id = ${reviewer.telegramId}, admin_reviewed_at = now()
    WHERE bot_id = ${botId} AND id = ${paymentId}`
  const owner = yield* ownerOf(botId, payment.userId)
  const deposit = yield* creditWallet(botId, payment.userId, {
    amount: payment.amount,
    type: "deposit",
    method: "card_to_card",
    reference: payment.trackingNumber
  })
  yield* sql`UPDATE card_to_card_payments SET transaction_id = ${deposit.transactionId}
    WHERE bot_id = ${botId} AND id = ${paymentId}`
  if (payment.cardId !== null) {
    yield* countCardSuccess(botId, payment.cardId)
  }
  const purchase = yield* purchaseFor(botId, owner, payment, "card_to_card", payment.trackingNumber)
  // A payment for a plan is announced as that sale (completePurchase); a plain top-up here.
  if (payment.planId === null) {
    yield* announceSale(
      botId,
      payment.userId,
      Effect.succeed({ event: "top_up" as const, amount: payment.amount, method: "card_to_card" })
    )
  }
  return {
    payment: { ...payment, status: "approved" },
    owner,
    balanceAfterDeposit: deposit.balanceAfter,
    purchase
  } satisfies Approved
})

/** Completes the plan a payment was for, if it still exists (even if no longer on sale: the user paid for it). */
export const purchaseFor = (
  botId: number,
  owner: PaymentOwner,
  payment: {
    readonly planId: number | null
    readonly amount: number
    readonly promoRedemptionId: number | null
  },
  method: "card_to_card" | "zarinpal",
  reference: string
) =>
  Effect.gen(function* () {
    const { planId, amount: price } = payment
    if (planId === null) return undefined
    const plan = yield* planAsSold(botId, planId)
    if (!plan) return undefined
    const outcome = yield* completePurchase(botId, {
      userId: owner.userId,
      telegramId: owner.telegramId,
      plan,
      price,
      method,
      reference,
      discountRedemptionId: payment.promoRedemptionId
    }).pipe(
      // The price was credited a moment ago in this same transaction, under the user's row lock.
      Effect.catchTag("InsufficientBalance", (e) => Effect.die(e))
    )
    return { ...outcome, planName: plan.name }
  })

export interface Rejected {
  readonly payment: CardPaymentRow
  readonly owner: PaymentOwner
}

/** Rejects once, with the admin's reason (or none); counts the card's failure. */
export const rejectCardPayment = Effect.fn("rejectCardPayment")(function* (
  botId: number,
  paymentId: number,
  reviewer: Reviewer,
  reason: string | null
) {
  const sql = yield* SqlClient.SqlClient
  const payment = yield* lockPending(botId, paymentId)
  yield* sql`
      UPDATE card_to_card_payments
      SET status = 'rejected', admin_notes = ${reason?.slice(0, 1000) ?? null}, admin_reviewed_by = ${reviewer.userId ?? null},
          admin_reviewer_telegram_id = ${reviewer.telegramId}, admin_reviewed_at = now()
      WHERE bot_id = ${botId} AND id = ${paymentId}`
  if (payment.cardId !== null) {
    yield* countCardFailure(botId, payment.cardId)
  }
  return {
    payment: { ...payment, status: "rejected", adminNotes: reason },
    owner: yield* ownerOf(botId, payment.userId)
  } satisfies Rejected
})

/** A payment as shown to admins: the receipt with the buyer and plan. */
export interface PaymentForReview extends CardPaymentRow {
  readonly telegramId: number
  readonly username: string | null
  readonly firstName: string | null
  readonly planName: string | null
  readonly cardLast4: string | null
}

export const paymentForReview = Effect.fn("paymentForReview")(function* (botId: number, paymentId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<PaymentForReview>`
    SELECT ${sql.unsafe(COLUMNS.replace(/(\w+)/g, "p.$1"))}, u.telegram_id, u.username, u.first_name,
           pl.name AS plan_name, right(c.card_number, 4) AS card_last4
    FROM card_to_card_payments p
    JOIN users u ON u.id = p.user_id AND u.bot_id = p.bot_id
    LEFT JOIN bot_plans pl ON pl.id = p.plan_id AND pl.bot_id = p.bot_id
    LEFT JOIN tenant_payment_cards c ON c.id = p.card_id AND c.bot_id = p.bot_id
    WHERE p.bot_id = ${botId} AND p.id = ${paymentId}`
  return row
})

/** Pending payments with a receipt, oldest first: the admins' queue. */
export const pendingReceipts = Effect.fn("pendingReceipts")(function* (botId: number, limit = 10) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<PaymentForReview>`
    SELECT ${sql.unsafe(COLUMNS.replace(/(\w+)/g, "p.$1"))}, u.telegram_id, u.username, u.first_name,
           pl.name AS plan_name, right(c.card_number, 4) AS card_last4
    FROM card_to_card_payments p
    JOIN users u ON u.id = p.user_id AND u.bot_id = p.bot_id
    LEFT JOIN bot_plans pl ON pl.id = p.plan_id AND pl.bot_id = p.bot_id
    LEFT JOIN tenant_payment_cards c ON c.id = p.card_id AND c.bot_id = p.bot_id
    WHERE p.bot_id = ${botId} AND p.status = 'pending' AND p.receipt_submitted_at IS NOT NULL
    ORDER BY p.receipt_submitted_at, p.id LIMIT ${limit}`
})
