/**
 * The outbox task that brings a subscription to the panel and hands the user
 * its link (queued by a completed purchase, run by the outbox worker outside any
 * tenant transaction):
 *
 * 1. read the subscription (its expiry and limits are already final: the
 *    purchase transaction computed them);
 * 2. write them to the panel as absolute values (panel-sync.ts) — repeatable;
 * 3. record the panel's uuid and link on the row, but only if the row still has
 *    the values just written: a renewal committed meanwhile makes us go round
 *    again, so the panel always ends at the latest expiry;
 * 4. send the link to the user (at-least-once: a crash before the task is marked
 *    done repeats steps 2–4, which change nothing but may repeat the message).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { alertAdmins } from "../bot/admin-alerts.ts"
import { formatDateTime } from "../bot/format.ts"
import { localeOf, translator } from "../bot/i18n.ts"
import { TelegramNotifier } from "../bot/notifier.ts"
import { TenantCache } from "../bot/tenant.ts"
import { withTenant } from "../db/tenant.ts"
import type { ClaimedTask } from "../payments/fleet-outbox.ts"
import type { TaskOutcome } from "../payments/outbox-worker.ts"
import { syncPanelUser } from "./panel-sync.ts"

interface SubscriptionRow {
  readonly id: number
  readonly expiresAt: Date
  readonly trafficLimitBytes: number
  readonly deviceLimit: number | null
  readonly internalSquads: ReadonlyArray<string>
  readonly provisionedAt: Date | null
  readonly telegramId: number
  readonly language: "fa" | "en" | "ru" | null
}

const ROUNDS = 3

export const provisionSubscription = (task: ClaimedTask) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const botId = task.botId
    const load = withTenant(
      botId,
      sql<SubscriptionRow>`
        SELECT s.id, s.expires_at, s.traffic_limit_bytes, s.device_limit, s.internal_squads, s.provisioned_at,
               u.telegram_id, u.language
        FROM subscriptions s JOIN users u ON u.id = s.user_id AND u.bot_id = s.bot_id
        WHERE s.bot_id = ${botId} AND s.id = ${task.subjectId}`
    ).pipe(Effect.map((rows) => rows[0]))

    let sub = yield* load
    if (!sub) return { _tag: "Done" } satisfies TaskOutcome
    const renewal = sub.provisionedAt !== null
    let link: string | undefined
    for (let round = 0; round < ROUNDS && sub && link === undefined; round++) {
      const panelUser = yield* syncPanelUser({
        botId,
        telegramId: sub.telegramId,
        expiresAt: sub.expiresAt,
        trafficLimitBytes: sub.trafficLimitBytes,
        deviceLimit: sub.deviceLimit ?? 1,
        internalSquads: sub.internalSquads
      })
      const recorded = yield* withTenant(
        botId,
        sql`
          UPDATE subscriptions
          SET panel_uuid = ${panelUser.uuid}, panel_username = ${panelUser.username},
              subscription_url = ${panelUser.subscriptionUrl}, provisioned_at = now()
          WHERE bot_id = ${botId} AND id = ${sub.id}
            AND date_trunc('milliseconds', expires_at) = ${sub.expiresAt}
            AND traffic_limit_bytes = ${sub.trafficLimitBytes}
            AND device_limit IS NOT DISTINCT FROM ${sub.deviceLimit}
            AND internal_squads = ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(sub.internalSquads)}::jsonb))
          RETURNING id`
      )
      if (recorded.length > 0) link = panelUser.subscriptionUrl
      else sub = yield* load
    }
    if (!sub) return { _tag: "Done" } satisfies TaskOutcome
    if (link === undefined)
      return { _tag: "Retry", reason: "the subscription kept changing while it was provisioned" } satisfies TaskOutcome

    const tenant = yield* withTenant(
      botId,
      TenantCache.use((cache) => cache.get(botId))
    )
    const locale = localeOf(sub.language, tenant.defaultLanguage)
    const t = translator(locale)
    const notifier = yield* TelegramNotifier
    const text = t(renewal ? "subscription-extended" : "subscription-ready", {
      expires: formatDateTime(locale, sub.expiresAt),
      link
    })
    const sent = yield* notifier
      .send(botId, sub.telegramId, text, { link_preview_options: { is_disabled: true } })
      .pipe(
        Effect.map(() => true),
        Effect.catch((e) =>
          e.permanent
            ? Effect.as(Effect.logWarning(`subscription link not delivered: ${e.message}`), true)
            : Effect.succeed(false)
        )
      )
    return sent
      ? ({ _tag: "Done" } satisfies TaskOutcome)
      : ({ _tag: "Retry", reason: "the link could not be sent yet" } satisfies TaskOutcome)
  })

/** After the last retry: the user paid, so the admins must hear about it. */
export const provisionGaveUp = (task: ClaimedTask, reason: string) =>
  Effect.gen(function* () {
    const tenant = yield* withTenant(
      task.botId,
      TenantCache.use((cache) => cache.get(task.botId))
    )
    yield* alertAdmins(tenant, "alert-provision-failed", { subscription: String(task.subjectId), reason })
  })
