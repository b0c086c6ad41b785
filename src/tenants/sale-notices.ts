/**
 * "Something was sold": purchases, renewals, trials, top-ups and referral
 * rewards announced in the tenant's notification group (NOTIFICATION_GROUP_ID,
 * in its NOTIFICATION_TOPIC_ID topic). Recorded in the sale's own transaction as
 * a `sale` notice (src/tenants/notices.ts), so the announcement exists exactly
 * when the sale committed, and sent by the notice worker
 * (src/outbox/notice-messages.ts). A tenant without a notification group gets
 * no row at all — as before routing existed.
 */
import { Effect } from "effect"
import { isConfigSet } from "./configurations.ts"
import { enqueueNotice } from "./notices.ts"

export type SaleEvent = "purchase" | "renewal" | "trial" | "top_up" | "referral_reward"

/** What a `sale` notice carries (its user is the customer: the buyer, or the referrer who earned the reward). */
export interface SalePayload {
  readonly event: SaleEvent
  /** In the tenant's currency unit; 0 for a trial. */
  readonly amount: number
  /** How the money came in (card_to_card, zarinpal, wallet, …); absent for a trial or a reward. */
  readonly method?: string | undefined
  /** The plan sold or renewed, by name. */
  readonly plan?: string | undefined
}

/**
 * Records the announcement of a sale, in the caller's tenant transaction;
 * nothing when the tenant set no group (`sale` is only worked out then).
 */
export const announceSale = <E, R>(botId: number, userId: number, sale: Effect.Effect<SalePayload, E, R>) =>
  Effect.gen(function* () {
    if (!(yield* isConfigSet(botId, "NOTIFICATION_GROUP_ID"))) return
    yield* enqueueNotice(botId, { kind: "sale", subjectId: null, userId, payload: yield* sale })
  }).pipe(Effect.withSpan("announceSale"))
