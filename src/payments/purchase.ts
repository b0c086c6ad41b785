/**
 * Completing a purchase: a plan paid from the user's wallet (directly, or right
 * after a card or ZarinPal payment credited it). In one tenant transaction:
 *
 * 1. the user's row is locked (every money move of a user takes this lock first,
 *    then the tenant's bot row: one order, no deadlocks);
 * 2. the tenant wallet is charged for the traffic sold (tenant-wallet.ts; a
 *    charge the tenant cannot cover refuses the sale and changes nothing — the
 *    user's money stays in their wallet);
 * 3. the price leaves the user's wallet (a `purchase` transaction);
 * 4. the subscription is created or extended from max(now, current expiry) — a
 *    free trial is replaced instead: the paid days start now, the trial's
 *    remaining days are not added (same row, so the same panel user; subscriptions.ts);
 * 5. a provisioning task is queued; the panel is updated after commit, outside
 *    this transaction (src/outbox/provision-subscription.ts);
 * 6. the promo discount that priced it is marked used (promo-discount.ts), and
 *    the referrer's commission and first-purchase bonuses are credited
 *    (referral-rewards.ts) — in this same transaction, so a sale and its rewards
 *    commit together, once;
 * 7. the sale is announced to the notification group, if the tenant has one
 *    (a first purchase, or a renewal when the customer bought before).
 */
import { Effect } from "effect"
import { InsufficientBalance } from "./errors.ts"
import { enqueueTask } from "./outbox.ts"
import { useDiscount } from "../tenants/promo-codes.ts"
import { referralTermsFor, rewardReferral } from "./referral-rewards.ts"
import { activateSubscription } from "./subscriptions.ts"
import { chargeSale } from "./tenant-wallet.ts"
import { boughtBefore, debitWallet, lockWallet } from "./wallet.ts"
import { announceSale } from "../tenants/sale-notices.ts"
import type { PaymentMethod } from "./wallet.ts"

export interface PurchasedPlan {
  readonly id: number
  readonly name: string
  readonly periodDays: number
  /** 0 = unlimited. */
  readonly trafficLimitGb: number
  readonly deviceLimit: number
}

export interface PurchaseInput {
  readonly userId: number
  readonly telegramId: number
  readonly plan: PurchasedPlan
  /** What the user pays, in the tenant's unit (the price quoted when the payment started). */
  readonly price: number
  /** How the money came in: the wallet itself, or the payment that just credited it. */
  readonly method: PaymentMethod
  /** Unique per sale: the payment's tracking number or authority, or a wallet purchase id. */
  readonly reference: string
  /** The promo discount the price was quoted with (promo-discount.ts), used up by this sale. */
  readonly discountRedemptionId?: number | null | undefined
}

export type PurchaseOutcome =
  | {
      readonly _tag: "Completed"
      readonly subscriptionId: number
      readonly expiresAt: Date
      readonly renewed: boolean
      readonly balanceAfter: number
      readonly tenantCharge: number
      readonly tenantBalanceAfter: number
    }
  | { readonly _tag: "SaleRefused"; readonly tenantBalance: number; readonly required: number }

export const completePurchase = Effect.fn("completePurchase")(function* (botId: number, input: PurchaseInput) {
  const balance = yield* lockWallet(botId, input.userId)
  if (balance < input.price) return yield* new InsufficientBalance({ balance, required: input.price })
  const referral = yield* referralTermsFor(botId, input.userId)

  const charge = yield* chargeSale(botId, {
    trafficGb: input.plan.trafficLimitGb,
    reference: `sale:${input.reference}`
  }).pipe(
    Effect.map((c) => ({ _tag: "Charged" as const, ...c })),
    Effect.catchTag("TenantWalletInsufficient", (e) =>
      Effect.succeed({ _tag: "Refused" as const, balance: e.balance, required: e.required })
    )
  )
  if (charge._tag === "Refused") {
    return { _tag: "SaleRefused", tenantBalance: charge.balance, required: charge.required } satisfies PurchaseOutcome
  }

  const debit = yield* debitWallet(botId, input.userId, {
    amount: input.price,
    type: "purchase",
    method: input.method,
    reference: input.reference,
    description: input.plan.name
  })
  const subscription = yield* activateSubscription(botId, input)
  yield* enqueueTask(botId, "provision_subscription", subscription.id)
  if (input.discountRedemptionId != null) {
    // False only if another sale used it first (a ZarinPal payment reopened after its expiry): the price stands.
    yield* useDiscount(botId, input.discountRedemptionId, input.reference)
  }
  yield* rewardReferral(botId, referral, { userId: input.userId, price: input.price, reference: input.reference })
  yield* announceSale(
    botId,
    input.userId,
    Effect.map(boughtBefore(botId, input.userId, debit.transactionId), (renewal) => ({
      event: renewal ? ("renewal" as const) : ("purchase" as const),
      amount: input.price,
      method: input.method,
      plan: input.plan.name
    }))
  )
  return {
    _tag: "Completed",
    subscriptionId: subscription.id,
    expiresAt: subscription.expiresAt,
    renewed: !subscription.inserted,
    balanceAfter: debit.balanceAfter,
    tenantCharge: charge.amount,
    tenantBalanceAfter: charge.balanceAfter
  } satisfies PurchaseOutcome
})
