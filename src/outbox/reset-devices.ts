/**
 * The outbox task behind "Reset devices" (queued by the customer's press, run
 * by the outbox worker outside any tenant transaction): the panel forgets every
 * HWID device of the subscription's panel user (repeatable: deleting all twice
 * leaves none), then the customer is told (at least once).
 */
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { withTenant } from "../db/tenant.ts"
import { localeOf, translator } from "../messages/i18n.ts"
import { TelegramNotifier } from "../telegram/notifier.ts"
import { tenantOf } from "../tenants/tenant-cache.ts"
import { RemnawaveClient } from "../vpn/remnawave-client.ts"
import type { ClaimedTask } from "./fleet-queue.ts"
import type { TaskOutcome } from "./task.ts"

export const resetDevices = (task: ClaimedTask) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const botId = task.botId
    const [sub] = yield* withTenant(
      botId,
      sql<{ panelUuid: string | null; telegramId: number; language: "fa" | "en" | "ru" | null }>`
        SELECT s.panel_uuid, u.telegram_id, u.language
        FROM subscriptions s JOIN users u ON u.id = s.user_id AND u.bot_id = s.bot_id
        WHERE s.bot_id = ${botId} AND s.id = ${task.subjectId}`
    )
    if (!sub?.panelUuid) return { _tag: "Done" } satisfies TaskOutcome
    const remnawave = yield* RemnawaveClient
    const user = yield* remnawave.getUserByUuid(sub.panelUuid)
    if (Option.isSome(user) && user.value.id !== undefined) yield* remnawave.deleteAllDevices(user.value.id)
    const tenant = yield* tenantOf(botId)
    const t = translator(localeOf(sub.language, tenant.defaultLanguage))
    const notifier = yield* TelegramNotifier
    const sent = yield* notifier.send(botId, sub.telegramId, t("devices-reset-done")).pipe(
      Effect.map(() => true),
      Effect.catch((e) => Effect.succeed(e.permanent))
    )
    return sent
      ? ({ _tag: "Done" } satisfies TaskOutcome)
      : ({ _tag: "Retry", reason: "the customer could not be told yet" } satisfies TaskOutcome)
  })

export const resetDevicesGaveUp = (task: ClaimedTask, reason: string) =>
  Effect.logWarning(`devices of subscription ${task.subjectId} not reset: ${reason}`)
