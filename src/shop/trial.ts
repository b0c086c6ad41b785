/**
 * The free trial (flag `trial_subscription`; TRIAL_DAYS, TRIAL_TRAFFIC_GB,
 * TRIAL_DEVICES, TRIAL_SQUADS): once per customer of a tenant, never for one who
 * has (or had) a subscription. In the caller's tenant transaction:
 *
 * 1. the customer's row is stamped `trial_started_at` by one UPDATE that
 *    requires no earlier stamp and no subscription — the row lock makes two
 *    presses, two replicas or a replayed update grant it once, and a purchase
 *    (which locks the same row first) is ordered with it;
 * 2. a `trial` subscription is inserted with the trial's limits and squads;
 * 3. the provisioning task is queued, as for a sale (src/vpn/provision-task.ts).
 *
 * A purchase during the trial replaces it (src/payments/purchase.ts): the paid
 * days start at the purchase, on the same panel user. The trial costs the
 * tenant nothing (no sale, no tenant-wallet charge).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { announceSale } from "../tenants/sale-notices.ts"
import { enqueueTask } from "../payments/outbox.ts"
import { GIB } from "../payments/tenant-wallet.ts"
import { panelUsername } from "../vpn/remnawave-client.ts"
import { trialSquads } from "../tenants/squads.ts"

export interface TrialTerms {
  readonly days: number
  /** 0 = unlimited. */
  readonly trafficGb: number
  readonly devices: number
}

export type TrialOutcome =
  | { readonly _tag: "Granted"; readonly subscriptionId: number; readonly expiresAt: Date }
  | { readonly _tag: "NotEligible" }

export const grantTrial = Effect.fn("grantTrial")(function* (
  botId: number,
  customer: { readonly userId: number; readonly telegramId: number },
  terms: TrialTerms
) {
  const sql = yield* SqlClient.SqlClient
  const claimed = yield* sql<{ id: number }>`
    UPDATE users SET trial_started_at = now()
    WHERE bot_id = ${botId} AND id = ${customer.userId} AND trial_started_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.bot_id = ${botId} AND s.user_id = ${customer.userId})
    RETURNING id`
  if (claimed.length === 0) return { _tag: "NotEligible" } satisfies TrialOutcome
  const squads = JSON.stringify(yield* trialSquads(botId))
  const [subscription] = yield* sql<{ id: number; expiresAt: Date }>`
    INSERT INTO subscriptions (bot_id, user_id, plan_id, status, panel_username, traffic_limit_bytes, device_limit,
                               internal_squads, period_started_at, expires_at)
    VALUES (${botId}, ${customer.userId}, NULL, 'trial', ${panelUsername(botId, customer.telegramId)},
            ${Math.round(terms.trafficGb * GIB)}, ${terms.devices},
            ARRAY(SELECT jsonb_array_elements_text(${squads}::jsonb)), now(),
            date_trunc('second', now()) + make_interval(days => ${terms.days}::int))
    RETURNING id, expires_at`
  yield* enqueueTask(botId, "provision_subscription", subscription!.id)
  yield* announceSale(botId, customer.userId, Effect.succeed({ event: "trial" as const, amount: 0 }))
  return {
    _tag: "Granted",
    subscriptionId: subscription!.id,
    expiresAt: subscription!.expiresAt
  } satisfies TrialOutcome
})
