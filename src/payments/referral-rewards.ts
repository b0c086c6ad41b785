/**
 * The referral program's money (flag referral_program; REFERRAL_COMMISSION_PERCENT,
 * REFERRAL_FIRST_PURCHASE_BONUS_REFERRER, REFERRAL_FIRST_PURCHASE_BONUS_REFERRED),
 * inside the sale's own transaction (purchase.ts): the referrer's commission on
 * the price paid, and on the referred customer's first rewarded purchase a bonus
 * for each side. Each reward is a referral_rewards row whose unique keys (per
 * sale and kind; per referred customer and bonus) are taken BEFORE the wallet is
 * credited, so a replayed approval or a second replica credits nothing twice.
 * Each reward is announced to the notification group like a sale (sale-notices.ts).
 */
import { Effect } from "effect"
import { linkRewardTransaction, lockReferrer, recordReward } from "../tenants/referrals.ts"
import type { RewardKind } from "../tenants/referrals.ts"
import { announceSale } from "../tenants/sale-notices.ts"
import { loadTenant } from "../tenants/tenant-cache.ts"
import { shopSettings } from "../tenants/shop-settings.ts"
import { creditWallet } from "./wallet.ts"

export interface ReferralTerms {
  readonly referrerId: number
  readonly commissionPercent: number
  readonly bonusReferrer: number
  readonly bonusReferred: number
}

/**
 * Who to reward for this buyer's sale, with the tenant's terms as stored now;
 * undefined when the program is off or the buyer was not referred. Locks the
 * referrer's row: call it right after the buyer's lock, before the tenant's bot
 * row is locked (lock order: buyer, referrer, bot).
 */
export const referralTermsFor = Effect.fn("referralTermsFor")(function* (botId: number, buyerId: number) {
  const tenant = yield* loadTenant(botId)
  if (!tenant.flags.has("referral_program")) return undefined
  const referrerId = yield* lockReferrer(botId, buyerId)
  if (referrerId === undefined) return undefined
  const { referral } = shopSettings(tenant)
  return { referrerId, ...referral } satisfies ReferralTerms
})

const reward = (
  botId: number,
  kind: RewardKind,
  to: number,
  referredUserId: number,
  amount: number,
  saleReference: string
) =>
  Effect.gen(function* () {
    if (amount <= 0) return
    const rewardId = yield* recordReward(botId, { userId: to, referredUserId, kind, saleReference, amount })
    if (rewardId === undefined) return
    const credit = yield* creditWallet(botId, to, {
      amount,
      type: "referral",
      method: "wallet",
      reference: `ref:${kind}:${saleReference}`
    })
    yield* linkRewardTransaction(botId, rewardId, credit.transactionId)
    // The notification group hears of it with the sale (when the tenant has one).
    yield* announceSale(botId, to, Effect.succeed({ event: "referral_reward" as const, amount }))
  })

/** Credits what the sale earns its referrer (and the bonuses), in the sale's transaction. */
export const rewardReferral = Effect.fn("rewardReferral")(function* (
  botId: number,
  terms: ReferralTerms | undefined,
  sale: { readonly userId: number; readonly price: number; readonly reference: string }
) {
  if (!terms) return
  const commission = Math.floor((sale.price * terms.commissionPercent) / 100)
  yield* reward(botId, "commission", terms.referrerId, sale.userId, commission, sale.reference)
  yield* reward(botId, "bonus_referrer", terms.referrerId, sale.userId, terms.bonusReferrer, sale.reference)
  yield* reward(botId, "bonus_referred", sale.userId, sale.userId, terms.bonusReferred, sale.reference)
})
