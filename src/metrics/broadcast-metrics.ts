/**
 * Broadcasts' series (src/outbox/broadcast-worker.ts). No tenant label: one
 * broadcast sends thousands of messages (DESIGN.md §5: per-tenant labels only on
 * low-rate series).
 */
import * as prom from "prom-client"
import { registry } from "./registry.ts"

export const broadcastMessages = new prom.Counter({
  name: "botfleet_broadcast_messages_total",
  help: "Broadcast messages by outcome: sent, blocked (the customer blocked the bot), failed, unknown (in flight at a crash, or unanswered), retry (Telegram did not take it yet)",
  labelNames: ["outcome"],
  registers: [registry]
})

export const broadcastsRunning = new prom.Gauge({
  name: "botfleet_broadcasts_running",
  help: "Broadcasts this process is sending now",
  registers: [registry]
})
