/**
 * The referral program's statements (migration 022): the users table's referral
 * columns (each customer's link code, who referred them) and referral_rewards.
 * Each runs in the tenant transaction its caller has open: /start's attribution,
 * the sale that rewards the referrer (src/payments/referral-rewards.ts) and the
 * "Invite friends" screen.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/** The deep-link payload prefix: t.me/<bot>?start=ref_<code>. */
export const REFERRAL_PAYLOAD_PREFIX = "ref_"

/**
 * Attributes the customer to the owner of `code`, once: only a customer created
 * by this very transaction (created_at = now(), the transaction's start — the
 * update that registered them), never one already attributed, never to
 * themselves. Returns the referrer's id when attributed.
 */
export const attributeReferral = (botId: number, userId: number, code: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ referrerId: number }>`
      UPDATE users me SET referred_by_user_id = r.id, referred_at = now()
      FROM users r
      WHERE me.bot_id = ${botId} AND me.id = ${userId} AND me.referred_by_user_id IS NULL AND me.created_at = now()
        AND r.bot_id = ${botId} AND r.referral_code = ${code} AND r.id <> me.id
      RETURNING r.id AS referrer_id`
    return row?.referrerId
  })

/**
 * The customer's referrer, its row locked (FOR NO KEY UPDATE, as lockWallet):
 * a sale locks the buyer, then the referrer, then the tenant's bot row. A
 * referrer is always an older customer, so two sales never lock two customers
 * in opposite orders.
 */
export const lockReferrer = (botId: number, userId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ id: number }>`
      SELECT r.id FROM users me JOIN users r ON r.bot_id = me.bot_id AND r.id = me.referred_by_user_id
      WHERE me.bot_id = ${botId} AND me.id = ${userId}
      FOR NO KEY UPDATE OF r`
    return row?.id
  })

export type RewardKind = "commission" | "bonus_referrer" | "bonus_referred"

/** Records a reward; false when this sale's reward of this kind (or this customer's bonus) exists already. */
export const recordReward = (
  botId: number,
  reward: {
    readonly userId: number
    readonly referredUserId: number
    readonly kind: RewardKind
    readonly saleReference: string
    readonly amount: number
  }
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ id: number }>`
      INSERT INTO referral_rewards (bot_id, user_id, referred_user_id, kind, sale_reference, amount)
      VALUES (${botId}, ${reward.userId}, ${reward.referredUserId}, ${reward.kind}, ${reward.saleReference}, ${reward.amount})
      ON CONFLICT DO NOTHING
      RETURNING id`
    return row?.id
  })

export const linkRewardTransaction = (botId: number, rewardId: number, transactionId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE referral_rewards SET transaction_id = ${transactionId} WHERE bot_id = ${botId} AND id = ${rewardId}`
  })

export interface ReferralSummary {
  readonly code: string
  readonly invited: number
  /** Every reward this customer was credited as a referrer. */
  readonly earned: number
}

export const referralSummary = (botId: number, userId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<ReferralSummary>`
      SELECT u.referral_code AS code,
             (SELECT count(*)::integer FROM users i WHERE i.bot_id = u.bot_id AND i.referred_by_user_id = u.id) AS invited,
             (SELECT COALESCE(sum(amount), 0)::bigint FROM referral_rewards w
              WHERE w.bot_id = u.bot_id AND w.user_id = u.id AND w.kind <> 'bonus_referred') AS earned
      FROM users u WHERE u.bot_id = ${botId} AND u.id = ${userId}`
    return row
  })
