/**
 * The subscriptions table's statements: a completed purchase activates or
 * extends the user's subscription (purchase.ts), the outbox's provisioning task
 * reads it and records what the panel answered
 * (src/outbox/provision-subscription.ts), and the shop shows it. Each runs in
 * the tenant transaction its caller has open (an update's `ctx.run`, or
 * `withTenant`).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { planSquads } from "../tenants/squads.ts"
import { panelUsername } from "../vpn/remnawave-client.ts"
import { GIB } from "./tenant-wallet.ts"

/**
 * The user's subscription gets the plan's limits and period: from now for a
 * new one, from its current expiry (or now, if it already ran out) for a renewal.
 */
export const activateSubscription = (
  botId: number,
  input: {
    readonly userId: number
    readonly telegramId: number
    readonly plan: {
      readonly id: number
      readonly periodDays: number
      readonly trafficLimitGb: number
      readonly deviceLimit: number
    }
  }
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const squads = JSON.stringify(yield* planSquads(botId, input.plan.id))
    // A free trial is replaced, not extended: the paid days start now (same row, same panel user).
    const [subscription] = yield* sql<{ id: number; expiresAt: Date; inserted: boolean }>`
    INSERT INTO subscriptions (bot_id, user_id, plan_id, status, panel_username, traffic_limit_bytes, device_limit,
                               internal_squads, period_started_at, expires_at)
    VALUES (${botId}, ${input.userId}, ${input.plan.id}, 'active', ${panelUsername(botId, input.telegramId)},
            ${Math.round(input.plan.trafficLimitGb * GIB)}, ${input.plan.deviceLimit},
            ARRAY(SELECT jsonb_array_elements_text(${squads}::jsonb)), now(),
            date_trunc('second', now()) + make_interval(days => ${input.plan.periodDays}::int))
    ON CONFLICT (bot_id, user_id) DO UPDATE SET
      period_started_at = now(),
      plan_id = EXCLUDED.plan_id,
      status = 'active',
      traffic_limit_bytes = EXCLUDED.traffic_limit_bytes,
      device_limit = EXCLUDED.device_limit,
      internal_squads = EXCLUDED.internal_squads,
      expires_at = CASE WHEN subscriptions.status = 'trial' THEN date_trunc('second', now())
                        ELSE GREATEST(subscriptions.expires_at, date_trunc('second', now())) END
                   + make_interval(days => ${input.plan.periodDays}::int)
    RETURNING id, expires_at, (xmax = 0) AS inserted`
    return subscription!
  })

/** "My subscription": what the shop shows. */
export interface SubscriptionView {
  readonly status: string
  readonly expiresAt: Date
  readonly trafficLimitBytes: number
  /** As the panel last reported it (the panel_sync job). */
  readonly trafficUsedBytes: number
  readonly deviceLimit: number | null
  /** HWID devices connected, as the panel last reported it; null before the first sync. */
  readonly devicesConnected: number | null
  readonly subscriptionUrl: string | null
  readonly planName: string | null
  /** The plan to renew with one press, when it is still on sale. */
  readonly renewPlanId: number | null
  readonly autoRenew: boolean
  readonly expired: boolean
}

export const subscriptionOf = (botId: number, userId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<SubscriptionView>`
      SELECT s.status, s.expires_at, s.traffic_limit_bytes, s.traffic_used_bytes, s.device_limit, s.devices_connected,
             s.subscription_url, p.name AS plan_name,
             CASE WHEN p.is_active THEN p.id END AS renew_plan_id, s.auto_renew, s.expires_at <= now() AS expired
      FROM subscriptions s LEFT JOIN bot_plans p ON p.id = s.plan_id AND p.bot_id = s.bot_id
      WHERE s.bot_id = ${botId} AND s.user_id = ${userId}`
    return row
  })

/** A subscription as provisioning needs it, with its user's chat and language. */
export interface SubscriptionToProvision {
  readonly id: number
  readonly expiresAt: Date
  readonly trafficLimitBytes: number
  readonly deviceLimit: number | null
  readonly internalSquads: ReadonlyArray<string>
  readonly provisionedAt: Date | null
  readonly telegramId: number
  readonly language: "fa" | "en" | "ru" | null
}

export const subscriptionToProvision = (botId: number, subscriptionId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<SubscriptionToProvision>`
        SELECT s.id, s.expires_at, s.traffic_limit_bytes, s.device_limit, s.internal_squads, s.provisioned_at,
               u.telegram_id, u.language
        FROM subscriptions s JOIN users u ON u.id = s.user_id AND u.bot_id = s.bot_id
        WHERE s.bot_id = ${botId} AND s.id = ${subscriptionId}`
    return rows[0]
  })

/**
 * Records the panel user's uuid and link, only if the row still has the values
 * that were written to the panel (`sub`); false when a renewal changed it meanwhile.
 */
export const recordProvisioned = (
  botId: number,
  sub: Pick<SubscriptionToProvision, "id" | "expiresAt" | "trafficLimitBytes" | "deviceLimit" | "internalSquads">,
  panelUser: { readonly uuid: string; readonly username: string; readonly subscriptionUrl: string }
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const recorded = yield* sql`
          UPDATE subscriptions
          SET panel_uuid = ${panelUser.uuid}, panel_username = ${panelUser.username},
              subscription_url = ${panelUser.subscriptionUrl}, provisioned_at = now()
          WHERE bot_id = ${botId} AND id = ${sub.id}
            AND date_trunc('milliseconds', expires_at) = ${sub.expiresAt}
            AND traffic_limit_bytes = ${sub.trafficLimitBytes}
            AND device_limit IS NOT DISTINCT FROM ${sub.deviceLimit}
            AND internal_squads = ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(sub.internalSquads)}::jsonb))
          RETURNING id`
    return recorded.length > 0
  })

/**
 * An admin's change of the customer's subscription by `days` (src/shop/customer-admin.ts):
 * more days run from max(now, expiry), as a renewal does, and bring an ended
 * subscription back; fewer days never move the end before now, and a
 * subscription that has already ended cannot be shortened (undefined, as when there is none).
 */
export const shiftSubscriptionExpiry = Effect.fn("shiftSubscriptionExpiry")(function* (
  botId: number,
  userId: number,
  days: number
) {
  const sql = yield* SqlClient.SqlClient
  const now = sql`date_trunc('second', now())`
  const [row] =
    days > 0
      ? yield* sql<{ id: number; expiresAt: Date }>`
          UPDATE subscriptions
          SET expires_at = GREATEST(expires_at, ${now}) + make_interval(days => ${days}::int),
              status = CASE WHEN status = 'trial' THEN 'trial' ELSE 'active' END
          WHERE bot_id = ${botId} AND user_id = ${userId}
          RETURNING id, expires_at`
      : yield* sql<{ id: number; expiresAt: Date }>`
          UPDATE subscriptions
          SET expires_at = GREATEST(expires_at - make_interval(days => ${-days}::int), ${now})
          WHERE bot_id = ${botId} AND user_id = ${userId} AND expires_at > now() AND status IN ('active', 'trial')
          RETURNING id, expires_at`
  return row
})
