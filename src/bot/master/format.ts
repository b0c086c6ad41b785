/** The master bot's texts (plain text, English: operators are the audience). */
import type { Bot } from "../../tenants/bots.ts"
import type { TenantContents, TenantOverview, TenantStatistics } from "../../fleet/fleet-admin.ts"
import type { TenantState } from "../../fleet/tenant-state.ts"

export const HELP = [
  "botfleet master bot — commands:",
  "/newtenant <token> <name> — create a tenant (the token is checked with Telegram first)",
  "/tenants [page] — every tenant with its state",
  "/tenant <id> — one tenant: state and statistics",
  "/activate <id> · /deactivate <id>",
  "/delete <id> — shows what would be deleted, then asks to confirm",
  "/rotatetoken <id> — a new API token (shown once; the old one stops working)",
  "/topup <id> <amount> [reference] — credit the tenant's wallet",
  "/stats — the fleet in numbers"
].join("\n")

const STATE_MARK: Record<TenantState, string> = {
  running: "🟢",
  starting: "🟡",
  pending: "🟡",
  backoff: "🟠",
  "crash-looping": "🔴",
  unauthorized: "⛔",
  webhook_conflict: "⚠️",
  stopped: "⚪",
  inactive: "⏸"
}

export const amount = (n: number, currency: string) => `${n.toLocaleString("en-US")} ${currency}`

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GB`

export const tenantLine = ({ bot, state }: TenantOverview) =>
  `${STATE_MARK[state]} #${bot.id} ${bot.name}${bot.telegramUsername ? ` @${bot.telegramUsername}` : ""}${
    bot.isMaster ? " (master)" : ""
  } — ${state}`

export const tenantList = (tenants: ReadonlyArray<TenantOverview>, page: number, pageSize: number) => {
  const pages = Math.max(1, Math.ceil(tenants.length / pageSize))
  const shown = tenants.slice((page - 1) * pageSize, page * pageSize)
  const byState = new Map<TenantState, number>()
  for (const t of tenants) byState.set(t.state, (byState.get(t.state) ?? 0) + 1)
  const summary = [...byState].map(([state, n]) => `${state} ${n}`).join(" · ")
  return [
    `${tenants.length} bots: ${summary || "none"}`,
    "",
    ...(shown.length > 0 ? shown.map(tenantLine) : ["(no bots on this page)"]),
    ...(pages > 1 ? ["", `page ${page} of ${pages} — /tenants <page>`] : [])
  ].join("\n")
}

export const contentsLines = (c: TenantContents) => [
  `users: ${c.users}`,
  `subscriptions: ${c.subscriptions} (${c.activeSubscriptions} active)`,
  `plans: ${c.plans}`,
  `payment cards: ${c.paymentCards}`,
  `card payments: ${c.cardPayments} (${c.pendingCardPayments} pending)`,
  `ZarinPal payments: ${c.zarinpalPayments}`,
  `wallet transactions: ${c.transactions}`,
  `support tickets: ${c.tickets}`,
  `tenant wallet ledger entries: ${c.walletTransactions}`
]

export const tenantDetails = (overview: TenantOverview, stats: TenantStatistics) => {
  const { bot, status } = overview
  return [
    tenantLine(overview),
    `created ${bot.createdAt.toISOString().slice(0, 10)} · Telegram id ${bot.telegramBotId}`,
    status
      ? `runner: ${status.state}${status.runner ? ` on ${status.runner}` : ""}, ${status.restartCount} restarts` +
        (status.lastError ? `\nlast error: ${status.lastError.slice(0, 200)}` : "")
      : "runner: none yet",
    "",
    `wallet: ${amount(stats.walletBalance, stats.currency)} (rate ${amount(bot.trafficRatePerGb, stats.currency)}/GB)`,
    `traffic sold: ${gb(stats.trafficSoldBytes)} · consumed: ${gb(stats.trafficConsumedBytes)}`,
    `revenue: ${amount(stats.revenue, stats.currency)} (30 days: ${amount(stats.revenueLast30Days, stats.currency)})`,
    `new users in 30 days: ${stats.newUsersLast30Days}`,
    "",
    ...contentsLines(stats)
  ].join("\n")
}

export const deleteConfirmation = (bot: Bot, contents: TenantContents) =>
  [
    `Delete #${bot.id} ${bot.name}${bot.telegramUsername ? ` @${bot.telegramUsername}` : ""}?`,
    "This stops the bot and deletes everything it holds, for good:",
    ...contentsLines(contents).map((line) => `• ${line}`),
    `• tenant wallet balance: ${amount(bot.walletBalance, bot.currency)}`
  ].join("\n")

export const fleetStats = (tenants: ReadonlyArray<TenantOverview>) => {
  const tenantsOnly = tenants.filter((t) => !t.bot.isMaster)
  const count = (state: TenantState) => tenantsOnly.filter((t) => t.state === state).length
  const balances = new Map<string, number>()
  for (const { bot } of tenantsOnly) balances.set(bot.currency, (balances.get(bot.currency) ?? 0) + bot.walletBalance)
  return [
    `tenants: ${tenantsOnly.length} (${tenantsOnly.filter((t) => t.bot.isActive).length} active)`,
    `running ${count("running")} · crash-looping ${count("crash-looping")} · unauthorized ${count("unauthorized")} · ` +
      `backoff ${count("backoff")} · pending ${count("pending")} · inactive ${count("inactive")}`,
    `tenant wallets: ${[...balances].map(([currency, total]) => amount(total, currency)).join(", ") || "none"}`,
    `traffic sold: ${gb(tenantsOnly.reduce((sum, t) => sum + t.bot.trafficSoldBytes, 0))}`
  ].join("\n")
}
