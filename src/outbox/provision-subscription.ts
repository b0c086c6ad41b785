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
 *    done repeats steps 2–4, which change nothing but may repeat the message) —
 *    except for a `sync_subscription` task (an admin took days: nothing to announce).
 */
import { Effect } from "effect"
import { alertAdmins } from "../messages/admin-alerts.ts"
import { formatDateTime } from "../messages/format.ts"
import { localeOf, translator } from "../messages/i18n.ts"
import { TelegramNotifier } from "../telegram/notifier.ts"
import { tenantOf } from "../tenants/tenant-cache.ts"
import { withTenant } from "../db/tenant.ts"
import { recordProvisioned, subscriptionToProvision } from "../payments/subscriptions.ts"
import type { ClaimedTask } from "./fleet-queue.ts"
import type { TaskOutcome } from "./task.ts"
import { syncPanelUser } from "../vpn/panel-sync.ts"

const ROUNDS = 3

export const provisionSubscription = (
  task: ClaimedTask,
  options: { readonly tellCustomer: boolean } = { tellCustomer: true }
) =>
  Effect.gen(function* () {
    const botId = task.botId
    const load = withTenant(botId, subscriptionToProvision(botId, task.subjectId))

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
      const recorded = yield* withTenant(botId, recordProvisioned(botId, sub, panelUser))
      if (recorded) link = panelUser.subscriptionUrl
      else sub = yield* load
    }
    if (!sub) return { _tag: "Done" } satisfies TaskOutcome
    if (link === undefined)
      return { _tag: "Retry", reason: "the subscription kept changing while it was provisioned" } satisfies TaskOutcome
    if (!options.tellCustomer) return { _tag: "Done" } satisfies TaskOutcome

    const tenant = yield* tenantOf(botId)
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
    const tenant = yield* tenantOf(task.botId)
    yield* alertAdmins(tenant, "alert-provision-failed", { subscription: String(task.subjectId), reason })
  })
