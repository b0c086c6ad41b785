/**
 * Every Prometheus series botfleet exports, defined in one place (names are the
 * operator contract of DESIGN.md §7). Per-tenant labels (`bot_id`, never the
 * token) only on low-rate series; histograms carry no tenant label.
 */
import * as prom from "prom-client"

export const registry = new prom.Registry()
prom.collectDefaultMetrics({ register: registry })

const p = "botfleet_"

export const botsDesired = new prom.Gauge({
  name: `${p}bots_desired`,
  help: "Active bots in the database (cluster-wide desired set)",
  registers: [registry]
})
export const botsRunning = new prom.Gauge({
  name: `${p}bots_running`,
  help: "Bot runners running in this process",
  registers: [registry]
})
export const bucketsOwned = new prom.Gauge({
  name: `${p}buckets_owned`,
  help: "Bot buckets owned by this process",
  registers: [registry]
})
export const botUp = new prom.Gauge({
  name: `${p}bot_up`,
  help: "1 while the bot is polling Telegram in this process",
  labelNames: ["bot_id"],
  registers: [registry]
})
export const botState = new prom.Gauge({
  name: `${p}bot_state`,
  help: "1 for the bot's current runner state (starting, running, backoff, unauthorized, webhook_conflict)",
  labelNames: ["bot_id", "state"],
  registers: [registry]
})
export const botUpdates = new prom.Counter({
  name: `${p}bot_updates_total`,
  help: "Updates handled",
  labelNames: ["bot_id"],
  registers: [registry]
})
export const botHandlerErrors = new prom.Counter({
  name: `${p}bot_handler_errors_total`,
  help: "Updates whose handler failed",
  labelNames: ["bot_id"],
  registers: [registry]
})
export const botRestarts = new prom.Counter({
  name: `${p}bot_restarts_total`,
  help: "Runner restarts by the failure that caused them",
  labelNames: ["bot_id", "reason"],
  registers: [registry]
})
export const updateDuration = new prom.Histogram({
  name: `${p}bot_update_duration_seconds`,
  help: "Time to handle one update",
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry]
})
export const telegramApiErrors = new prom.Counter({
  name: `${p}telegram_api_errors_total`,
  help: "Failed Telegram Bot API calls by method and error code",
  labelNames: ["method", "code"],
  registers: [registry]
})
export const payments = new prom.Counter({
  name: `${p}payments_total`,
  help: "Payment status changes",
  labelNames: ["bot_id", "method", "status"],
  registers: [registry]
})
export const sendsRefused = new prom.Counter({
  name: `${p}bot_sends_refused_total`,
  help: "Sends Telegram refused for good (reason: blocked by the user, forbidden, chat not found), per bot",
  labelNames: ["bot_id", "reason"],
  registers: [registry]
})
export const deadLetters = new prom.Counter({
  name: `${p}dead_letters_total`,
  help: "Updates dead-lettered after their retries",
  registers: [registry]
})
export const reconcileDuration = new prom.Histogram({
  name: `${p}reconcile_duration_seconds`,
  help: "Time to bring the running bots in step with the desired set",
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  registers: [registry]
})
export const jobLastSuccess = new prom.Gauge({
  name: `${p}job_last_success_timestamp_seconds`,
  help: "Unix time of each job's last successful run",
  labelNames: ["job"],
  registers: [registry]
})
export const tenantSkips = new prom.Counter({
  name: `${p}tenant_skipped_total`,
  help: "Times a fleet-wide reader (a job, a listing) skipped one tenant whose data it could not read, by reader",
  labelNames: ["reader", "bot_id"],
  registers: [registry]
})
export const adminNoticesUndelivered = new prom.Counter({
  name: `${p}admin_notices_undelivered_total`,
  help: "Admin notices (a card receipt) that reached no admin when sent; queued for retry",
  labelNames: ["bot_id", "kind"],
  registers: [registry]
})
export const eventLoopLag = new prom.Gauge({
  name: `${p}event_loop_lag_seconds`,
  help: "Event-loop delay over the last scrape interval (p99)",
  registers: [registry]
})

/**
 * The per-bot series of one bot in this process. It remembers every label set
 * it touched so `forget()` removes exactly those when the bot leaves (prom-client
 * removes only complete label sets). A class, so 10,000 bots share its methods
 * rather than each holding a closure per method.
 */
export class BotSeries {
  private readonly botId: string
  /** Each label set touched, with how to remove it. */
  private readonly touched = new Map<string, () => void>()
  private currentState: string | undefined

  constructor(botId: number) {
    this.botId = String(botId)
  }

  private remember(key: string, remove: () => void): void {
    if (!this.touched.has(key)) this.touched.set(key, remove)
  }

  up(isUp: boolean): void {
    const bot_id = this.botId
    botUp.set({ bot_id }, isUp ? 1 : 0)
    this.remember("up", () => botUp.remove({ bot_id }))
  }

  state(state: string): void {
    if (this.currentState === state) return
    const bot_id = this.botId
    if (this.currentState !== undefined) botState.set({ bot_id, state: this.currentState }, 0)
    this.currentState = state
    botState.set({ bot_id, state }, 1)
    this.remember(`state:${state}`, () => botState.remove({ bot_id, state }))
  }

  updateHandled(): void {
    const bot_id = this.botId
    botUpdates.inc({ bot_id })
    this.remember("updates", () => botUpdates.remove({ bot_id }))
  }

  handlerError(): void {
    const bot_id = this.botId
    botHandlerErrors.inc({ bot_id })
    this.remember("errors", () => botHandlerErrors.remove({ bot_id }))
  }

  restart(reason: string): void {
    const bot_id = this.botId
    botRestarts.inc({ bot_id, reason })
    this.remember(`restart:${reason}`, () => botRestarts.remove({ bot_id, reason }))
  }

  sendRefused(reason: string): void {
    const bot_id = this.botId
    sendsRefused.inc({ bot_id, reason })
    this.remember(`refused:${reason}`, () => sendsRefused.remove({ bot_id, reason }))
  }

  payment(method: string, status: string): void {
    const bot_id = this.botId
    payments.inc({ bot_id, method, status })
    this.remember(`payment:${method}:${status}`, () => payments.remove({ bot_id, method, status }))
  }

  forget(): void {
    for (const remove of this.touched.values()) remove()
    this.touched.clear()
    this.currentState = undefined
  }
}

export const botSeries = (botId: number): BotSeries => new BotSeries(botId)
