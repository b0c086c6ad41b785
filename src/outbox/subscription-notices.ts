/**
 * What the subscription notices say (expiring, expired, expired a while ago),
 * rendered when sent, with a Renew button: the same plan when it is still on
 * sale, else the plan list. A notice whose period is over (the customer renewed
 * meanwhile) is dropped without a word.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { InlineKeyboard } from "grammy"
import { callbackData } from "../messages/callback-data.ts"
import { formatDateTime, formatNumber } from "../messages/format.ts"
import type { Translate } from "../messages/i18n.ts"
import type { Language } from "../tenants/tenant-cache.ts"
import { withTenant } from "../db/tenant.ts"
import type { NoticeOutcome } from "./notice-messages.ts"
import type { ClaimedNotice } from "./notice-queue.ts"

interface SubscriptionForNotice {
  readonly expiresAt: Date
  readonly planName: string | null
  readonly renewPlanId: number | null
}

const subscriptionForNotice = (botId: number, subscriptionId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<SubscriptionForNotice>`
      SELECT s.expires_at, p.name AS plan_name, CASE WHEN p.is_active THEN p.id END AS renew_plan_id
      FROM subscriptions s LEFT JOIN bot_plans p ON p.id = s.plan_id AND p.bot_id = s.bot_id
      WHERE s.bot_id = ${botId} AND s.id = ${subscriptionId}`
    return row
  })

export type SendToUser<E, R> = (
  render: (t: Translate, locale: Language) => { readonly text: string; readonly keyboard: InlineKeyboard }
) => Effect.Effect<NoticeOutcome, E, R>

export const subscriptionNotice = <E, R>(notice: ClaimedNotice, sendToUser: SendToUser<E, R>) =>
  Effect.gen(function* () {
    if (notice.subjectId === null) return { _tag: "Failed", reason: "the notice names no subscription" } as const
    const payload = JSON.parse(notice.payloadJson) as { readonly days?: number; readonly periodEnd?: string }
    const sub = yield* withTenant(notice.botId, subscriptionForNotice(notice.botId, notice.subjectId))
    if (!sub) return { _tag: "Done", note: "the subscription no longer exists" } satisfies NoticeOutcome
    if (payload.periodEnd !== undefined && sub.expiresAt.getTime() !== new Date(payload.periodEnd).getTime()) {
      return { _tag: "Done", note: "the subscription was renewed since" } satisfies NoticeOutcome
    }
    return yield* sendToUser((t, locale) => {
      const keyboard = new InlineKeyboard()
      if (sub.renewPlanId !== null) {
        keyboard
          .text(t("subscription-renew-same", { plan: sub.planName ?? "" }), callbackData.plan(sub.renewPlanId))
          .row()
      }
      keyboard.text(t("subscription-renew-button"), callbackData.menu("buy"))
      const variables = {
        expires: formatDateTime(locale, sub.expiresAt),
        days: formatNumber(locale, payload.days ?? 0)
      }
      const key =
        notice.kind === "subscription_expiring"
          ? "subscription-expiring"
          : notice.kind === "subscription_expired"
            ? "subscription-expired-now"
            : "subscription-expired-reminder"
      return { text: t(key, variables), keyboard }
    })
  })
