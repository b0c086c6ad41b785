/**
 * Typed outcomes of the shop's payment operations that callers act on (tell the
 * user, refuse the admin). Each carries a stable `code`.
 */
import { Schema } from "effect"

/** No such payment for this tenant (a forged id, or another tenant's: row-level security hides it). */
export class PaymentNotFound extends Schema.TaggedError<PaymentNotFound>()("PaymentNotFound", {
  paymentId: Schema.Number
}) {
  readonly code = "payment_not_found"
  override get message() {
    return `payment ${this.paymentId} does not exist`
  }
}

/** The payment left `pending` already: approved, rejected, cancelled or expired. */
export class PaymentAlreadyReviewed extends Schema.TaggedError<PaymentAlreadyReviewed>()("PaymentAlreadyReviewed", {
  paymentId: Schema.Number,
  status: Schema.String
}) {
  readonly code = "payment_already_reviewed"
  override get message() {
    return `payment ${this.paymentId} is already ${this.status}`
  }
}

/** The user already has a pending card payment (the database allows one). */
export class PendingPaymentExists extends Schema.TaggedError<PendingPaymentExists>()("PendingPaymentExists", {
  trackingNumber: Schema.String
}) {
  readonly code = "pending_payment_exists"
  override get message() {
    return `a pending card payment (${this.trackingNumber}) already exists`
  }
}

/** The amount is outside the tenant's MIN_PAYMENT_AMOUNT … MAX_PAYMENT_AMOUNT. */
export class AmountOutOfRange extends Schema.TaggedError<AmountOutOfRange>()("AmountOutOfRange", {
  amount: Schema.Number,
  min: Schema.Number,
  max: Schema.Number
}) {
  readonly code = "amount_out_of_range"
  override get message() {
    return `amount ${this.amount} is outside ${this.min} … ${this.max}`
  }
}

/** The tenant has no active card to receive a transfer. */
export class NoActiveCard extends Schema.TaggedError<NoActiveCard>()("NoActiveCard", {}) {
  readonly code = "no_active_card"
  override get message() {
    return "the shop has no active card"
  }
}

/** The plan does not exist, is not this tenant's, or is no longer on sale. */
export class PlanUnavailable extends Schema.TaggedError<PlanUnavailable>()("PlanUnavailable", {
  planId: Schema.Number
}) {
  readonly code = "plan_unavailable"
  override get message() {
    return `plan ${this.planId} is not available`
  }
}

/** The user's wallet does not cover the amount. */
export class InsufficientBalance extends Schema.TaggedError<InsufficientBalance>()("InsufficientBalance", {
  balance: Schema.Number,
  required: Schema.Number
}) {
  readonly code = "insufficient_balance"
  override get message() {
    return `the wallet balance ${this.balance} does not cover ${this.required}`
  }
}

/** The payment's deadline passed before the receipt came. */
export class PaymentExpired extends Schema.TaggedError<PaymentExpired>()("PaymentExpired", {
  paymentId: Schema.Number
}) {
  readonly code = "payment_expired"
  override get message() {
    return `payment ${this.paymentId} has expired`
  }
}
