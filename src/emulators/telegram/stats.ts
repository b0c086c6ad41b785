import type { BotState, EmulatorState } from "./state.ts"

export interface BotStats {
  token: string
  botId: number
  revoked: boolean
  getUpdatesCalls: number
  /** getUpdates requests in flight right now (normally 0 or 1) */
  activePollers: number
  /** most getUpdates requests ever in flight at once; 2+ means two pollers overlapped */
  maxConcurrentPollers: number
  /** 409 answers issued (competing getUpdates, getUpdates under a webhook, setWebhook) */
  conflicts: number
  /** highest offset the bot has acknowledged */
  confirmedOffset: number
  /** updates queued but not yet confirmed */
  pendingUpdates: number
  /** epoch ms */
  firstGetUpdatesAt: number | null
  lastGetUpdatesAt: number | null
  callsByMethod: Record<string, number>
  totalCalls: number
  unauthorized: number
  faultsServed: number
  updatesDelivered: number
  /** sends refused with 429 by flood control */
  floodRefusals: number
  webhookUrl: string | null
  /** webhook requests made, and those that failed (non-2xx, connection error, timeout: each is retried) */
  webhookRequests: number
  webhookFailures: number
  /** webhook requests in flight now */
  webhookInFlight: number
}

export interface FleetSummary {
  tokens: number
  revoked: number
  /** bots with a getUpdates in flight now */
  activePolls: number
  /** bots polling now or whose last getUpdates started within polledWithinMs */
  polledWithin: number
  polledWithinMs: number
  getUpdatesCalls: number
  conflicts: number
  totalCalls: number
  unauthorized: number
  pendingUpdates: number
  /** bots whose maxConcurrentPollers ever exceeded 1 */
  botsWithOverlappingPolls: number
  /** sends refused with 429 by flood control, all bots */
  floodRefusals: number
}

export function botStats(bot: BotState): BotStats {
  const c = bot.counters
  return {
    token: bot.token,
    botId: bot.id,
    revoked: bot.revoked,
    getUpdatesCalls: c.getUpdatesCalls,
    activePollers: c.activePollers,
    maxConcurrentPollers: c.maxConcurrentPollers,
    conflicts: c.conflicts,
    confirmedOffset: c.confirmedOffset,
    pendingUpdates: bot.queue.length,
    firstGetUpdatesAt: c.firstGetUpdatesAt,
    lastGetUpdatesAt: c.lastGetUpdatesAt,
    callsByMethod: { ...c.callsByMethod },
    totalCalls: c.totalCalls,
    unauthorized: c.unauthorized,
    faultsServed: c.faultsServed,
    updatesDelivered: c.updatesDelivered,
    floodRefusals: c.floodRefusals,
    webhookUrl: bot.webhook?.url ?? null,
    webhookRequests: c.webhookRequests,
    webhookFailures: c.webhookFailures,
    webhookInFlight: bot.webhookRuntime?.inFlight.size ?? 0
  }
}

/** One pass over plain counters; cheap enough to poll with 10k+ bots. */
export function fleetSummary(state: EmulatorState, polledWithinMs: number): FleetSummary {
  const cutoff = Date.now() - polledWithinMs
  let revoked = 0
  let polledWithin = 0
  let pendingUpdates = 0
  let overlapping = 0
  for (const bot of state.bots.values()) {
    const c = bot.counters
    if (bot.revoked) revoked++
    if (c.activePollers > 0 || (c.lastGetUpdatesAt !== null && c.lastGetUpdatesAt >= cutoff)) polledWithin++
    if (c.maxConcurrentPollers > 1) overlapping++
    pendingUpdates += bot.queue.length
  }
  const t = state.totals
  return {
    tokens: state.bots.size,
    revoked,
    activePolls: t.botsPolling,
    polledWithin,
    polledWithinMs,
    getUpdatesCalls: t.getUpdatesCalls,
    conflicts: t.conflicts,
    totalCalls: t.totalCalls,
    unauthorized: t.unauthorized,
    pendingUpdates,
    botsWithOverlappingPolls: overlapping,
    floodRefusals: t.floodRefusals
  }
}
