/** Repository records → API models, where they differ. */
import type { RuntimeStatus } from "../../tenants/bots.ts"
import type { Bot } from "../../tenants/bots.ts"
import type { TenantOverview } from "../../fleet/fleet-admin.ts"
import { redactTokens } from "../../logging.ts"
import type { BotStatus, BotView } from "./models.ts"

export const botView = (bot: Bot): typeof BotView.Type => ({
  ...bot,
  // Derived from the id, not from the stored token: the secret is never even read.
  telegramToken: `${bot.telegramBotId}:***`
})

export const statusView = ({ bot, state, status }: TenantOverview): typeof BotStatus.Type => {
  const s: RuntimeStatus | undefined = status
  return {
    botId: bot.id,
    isActive: bot.isActive,
    state,
    runnerState: s?.state ?? null,
    lastError: s?.lastError ? redactTokens(s.lastError) : null,
    lastErrorAt: s?.lastErrorAt ?? null,
    restartCount: s?.restartCount ?? 0,
    conflictCount: s?.conflictCount ?? 0,
    lastStartedAt: s?.lastStartedAt ?? null,
    runner: s?.runner ?? null,
    updatedAt: s?.updatedAt ?? null
  }
}
