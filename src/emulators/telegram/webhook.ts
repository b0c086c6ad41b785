// Webhooks as the official Bot API server delivers them (telegram-bot-api/
// WebhookActor.cpp, Client.cpp process_set_webhook_query, do_set_webhook,
// JsonWebhookInfo):
// - each update is POSTed as JSON ({"update_id":…,"message":{…}}) with
//   X-Telegram-Bot-Api-Secret-Token when a secret is set;
// - updates are grouped in queues (webhook_queue_id: a chat's messages, a user's
//   button presses, …): a queue's next update goes out only after the previous
//   one was answered 2xx, so a chat's messages stay in order while different
//   queues — even of the same chat — run side by side and may overtake each other;
// - at most max_connections requests at once, one per connection; after setWebhook,
//   or when nothing succeeded for 10 s, one connection (new ones at most 1 per 2 s),
//   else new connections at most 10 per 0.5 s (create_new_connections);
// - a non-2xx answer, a connection error or a timeout is retried: at once the
//   first time, then after 2, 4, 8 … s (at most 60–120 s), or after the answer's
//   Retry-After (on_update_error); an update that timed out may have been handled
//   and is delivered again — twice for the receiver;
// - the only errors getWebhookInfo shows are those the real one shows
//   ("Wrong response from the webhook: 500 Internal Server Error",
//   "Connection refused", "Read timeout expired").
import { lookup } from "node:dns/promises"
import { Agent as HttpAgent, request as httpRequest } from "node:http"
import type { ClientRequest, IncomingMessage } from "node:http"
import { Agent as HttpsAgent, request as httpsRequest } from "node:https"
import { isIP } from "node:net"
import { badRequest } from "./errors.ts"
import type { ApiError } from "./errors.ts"
import { dropExpired, forget } from "./polling.ts"
import type { BotState, EmulatorState, QueuedUpdate } from "./state.ts"
import { unixNow } from "./state.ts"

/** WebhookActor: WEBHOOK_MAX_RESEND_TIMEOUT, and on_update_error's MAX_RETRY_AFTER. */
const MAX_RESEND_S = 60
const MAX_RETRY_AFTER_S = 3600
/** create_new_connections: "active" while the last success is less than 10 s old. */
const ACTIVE_FOR_MS = 10_000
/** start_up: active_new_connection_flood_.add_limit(0.5, 10), pending_…add_limit(2, 1). */
const ACTIVE_FLOOD = { windowMs: 500, count: 10 }
const PENDING_FLOOD = { windowMs: 2000, count: 1 }

/** Runs a Bot API method a webhook answered with (a "webhook reply"). */
export type WebhookReplyDispatch = (bot: BotState, params: Record<string, unknown>) => void

interface RetryState {
  delayS: number
  failCount: number
  wakeupAt: number
}

export interface WebhookRuntime {
  readonly url: URL
  readonly maxConnections: number
  readonly secretToken: string
  /** the address connections go to (fixed by ip_address, or resolved) */
  readonly ipAddress: string
  readonly agent: HttpAgent
  readonly dispatch: WebhookReplyDispatch
  readonly inFlight: Map<QueuedUpdate, ClientRequest>
  readonly retries: Map<number, RetryState>
  connections: number
  readonly activeFlood: number[]
  readonly pendingFlood: number[]
  lastSuccessAt: number
  lastErrorDate: number
  lastErrorMessage: string | undefined
  timer: NodeJS.Timeout | undefined
  closed: boolean
  /** requests sent, and those that failed (non-2xx, connection error, timeout) */
  requests: number
  failures: number
}

// ------------------------------------------------------------------ setWebhook's checks

/** td::parse_url with https as the default protocol: a URL, or 400 "invalid webhook URL specified". */
export function parseWebhookUrl(raw: string): URL {
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw) ? raw : `https://${raw}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw badRequest("invalid webhook URL specified")
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw badRequest("invalid webhook URL specified")
  }
  return url
}

/** do_set_webhook: 1–256 characters of A-Z a-z 0-9 _ - (an empty secret means none). */
export function checkSecretToken(secret: string): void {
  if (secret.length > 256) throw badRequest("secret token is too long")
  if (!/^[A-Za-z0-9_-]*$/.test(secret)) throw badRequest("secret token contains unallowed characters")
}

const badWebhook = (why: string): ApiError => badRequest(`bad webhook: ${why}`)

/** IPAddress::is_reserved for IPv4 (loopback, private, link-local, multicast, …). */
function isReservedIPv4(ip: string): boolean {
  const [a = 0, b = 0] = ip.split(".").map(Number)
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  )
}

/**
 * What WebhookActor checks before its first connection (start_up, resolve_ip_address,
 * check_ip_address); a failure fails setWebhook with "bad webhook: …". With
 * `publicOnly` (the webhookPublicUrl rule) as the real server: https only, on
 * ports 443, 80, 88 or 8443, to a public IPv4 address. Off by default so that
 * tests can receive webhooks on http://127.0.0.1:<port>.
 */
export async function verifyWebhook(url: URL, fixedIp: string | undefined, publicOnly: boolean): Promise<string> {
  if (publicOnly) {
    const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port)
    if (url.protocol !== "https:") throw badWebhook("An HTTPS URL must be provided for webhook")
    if (![443, 88, 80, 8443].includes(port)) throw badWebhook("Webhook can be set up only on ports 80, 88, 443 or 8443")
  }
  let ip = fixedIp
  if (ip === undefined) {
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
    if (isIP(host) !== 0) ip = host
    else {
      try {
        ip = (await lookup(host, publicOnly ? { family: 4 } : {})).address
      } catch (e) {
        const code = (e as { code?: string }).code
        throw badWebhook(
          `Failed to resolve host: ${code === "EAI_AGAIN" ? "Temporary failure in name resolution" : "Name or service not known"}`
        )
      }
    }
  }
  if (isIP(ip) === 0) throw badWebhook("Invalid IP address specified")
  if (publicOnly) {
    if (isIP(ip) !== 4) throw badWebhook("IPv6-only addresses are not allowed")
    if (isReservedIPv4(ip)) throw badWebhook(`IP address ${ip} is reserved`)
  }
  return ip
}

// ------------------------------------------------------------------ delivery

export function startWebhook(
  state: EmulatorState,
  bot: BotState,
  input: { url: URL; maxConnections: number; secretToken: string; ipAddress: string; dispatch: WebhookReplyDispatch }
): WebhookRuntime {
  const agentOptions = { keepAlive: true, maxSockets: input.maxConnections }
  const rt: WebhookRuntime = {
    url: input.url,
    maxConnections: input.maxConnections,
    secretToken: input.secretToken,
    ipAddress: input.ipAddress,
    agent: input.url.protocol === "https:" ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions),
    dispatch: input.dispatch,
    inFlight: new Map(),
    retries: new Map(),
    connections: 0,
    activeFlood: [],
    pendingFlood: [],
    // start_up: last_success_time_ = now - 2 * IP_ADDRESS_CACHE_TIME (not active)
    lastSuccessAt: 0,
    lastErrorDate: 0,
    lastErrorMessage: undefined,
    timer: undefined,
    closed: false,
    requests: 0,
    failures: 0
  }
  bot.webhookRuntime = rt
  queueMicrotask(() => pumpWebhook(state, bot))
  return rt
}

/** WebhookActor::close: in-flight requests are dropped; their updates stay queued. */
export function closeWebhook(bot: BotState): void {
  const rt = bot.webhookRuntime
  if (!rt) return
  rt.closed = true
  bot.webhookRuntime = undefined
  clearTimeout(rt.timer)
  for (const req of rt.inFlight.values()) req.destroy()
  rt.inFlight.clear()
  rt.agent.destroy()
}

/** Room in a FloodControlFast limit now, or the time there will be. */
function floodWait(times: number[], limit: { windowMs: number; count: number }, now: number): number {
  while (times.length > 0 && times[0]! <= now - limit.windowMs) times.shift()
  return times.length < limit.count ? 0 : times[times.length - limit.count]! + limit.windowMs - now
}

/** WebhookActor::loop: load, open connections, send what is ready; wakes itself for retries. */
export function pumpWebhook(state: EmulatorState, bot: BotState): void {
  const rt = bot.webhookRuntime
  if (!rt || rt.closed) return
  clearTimeout(rt.timer)
  rt.timer = undefined
  const now = Date.now()
  dropExpired(bot, now)
  // load_updates: at most 2 × max_connections updates are loaded at a time
  const loaded = bot.queue.slice(0, rt.maxConnections * 2)
  const heads = new Map<string, QueuedUpdate>()
  for (const entry of loaded) if (!heads.has(entry.queueKey)) heads.set(entry.queueKey, entry)
  let wakeAt = Number.POSITIVE_INFINITY
  const ready: Array<{ entry: QueuedUpdate; at: number }> = []
  for (const entry of heads.values()) {
    if (rt.inFlight.has(entry)) continue
    const at = rt.retries.get(entry.id)?.wakeupAt ?? 0
    if (at <= now) ready.push({ entry, at })
    else wakeAt = Math.min(wakeAt, at)
  }
  ready.sort((a, b) => a.at - b.at || a.entry.id - b.entry.id)

  // create_new_connections
  const active = now - rt.lastSuccessAt < ACTIVE_FOR_MS
  let need = Math.min(heads.size, rt.maxConnections)
  if (!active) need = Math.min(need, 1)
  const flood = active ? rt.activeFlood : rt.pendingFlood
  const limit = active ? ACTIVE_FLOOD : PENDING_FLOOD
  while (rt.connections < need) {
    const wait = floodWait(flood, limit, now)
    if (wait > 0) {
      wakeAt = Math.min(wakeAt, now + wait)
      break
    }
    flood.push(now)
    rt.connections++
  }

  // send_updates: one request per free connection
  for (const { entry } of ready) {
    if (rt.inFlight.size >= rt.connections) break
    send(state, bot, rt, entry)
  }
  if (wakeAt !== Number.POSITIVE_INFINITY) {
    rt.timer = setTimeout(() => pumpWebhook(state, bot), Math.max(0, wakeAt - now))
    rt.timer.unref()
  }
}

function send(state: EmulatorState, bot: BotState, rt: WebhookRuntime, entry: QueuedUpdate): void {
  const body = JSON.stringify(entry.update)
  const headers: Record<string, string | number> = {
    host: rt.url.host,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body)
  }
  if (rt.secretToken !== "") headers["x-telegram-bot-api-secret-token"] = rt.secretToken
  if (rt.url.username !== "" || rt.url.password !== "") {
    const userinfo = `${decodeURIComponent(rt.url.username)}:${decodeURIComponent(rt.url.password)}`
    headers.authorization = `Basic ${Buffer.from(userinfo).toString("base64")}`
  }
  const options = {
    protocol: rt.url.protocol,
    host: rt.ipAddress,
    servername: rt.url.hostname,
    port: rt.url.port === "" ? undefined : Number(rt.url.port),
    path: `${rt.url.pathname}${rt.url.search}`,
    method: "POST",
    headers,
    agent: rt.agent
  }
  rt.requests++
  bot.counters.webhookRequests++
  let settled = false
  const done = (
    outcome: { ok: true } | { ok: false; error?: string; retryAfter?: number; closeConnection: boolean }
  ) => {
    if (settled) return
    settled = true
    if (rt.closed) return
    rt.inFlight.delete(entry)
    if (outcome.ok) {
      rt.lastSuccessAt = Date.now()
      rt.retries.delete(entry.id)
      forget(state, bot, entry)
    } else {
      rt.failures++
      bot.counters.webhookFailures++
      if (!outcome.closeConnection) {
        // the connection stays (keep-alive)
      } else rt.connections = Math.max(0, rt.connections - 1)
      if (outcome.error !== undefined) {
        rt.lastErrorDate = unixNow()
        rt.lastErrorMessage = outcome.error
      }
      retryLater(state, bot, rt, entry, outcome.retryAfter ?? 0)
    }
    state.emit(bot, { type: "webhook" })
    pumpWebhook(state, bot)
  }
  const req = (rt.url.protocol === "https:" ? httpsRequest : httpRequest)(options, (res: IncomingMessage) => {
    const chunks: Buffer[] = []
    res.on("data", (c: Buffer) => chunks.push(c))
    res.on("error", () => done({ ok: false, closeConnection: true }))
    res.on("end", () => {
      const code = res.statusCode ?? 0
      if (code >= 200 && code <= 299) {
        done({ ok: true })
        webhookReply(rt, bot, res, Buffer.concat(chunks))
        return
      }
      const retryAfter = Number.parseInt(String(res.headers["retry-after"] ?? "0"), 10)
      done({
        ok: false,
        error: `Wrong response from the webhook: ${code} ${res.statusMessage ?? ""}`.trimEnd(),
        retryAfter: Number.isFinite(retryAfter) ? retryAfter : 0,
        closeConnection: res.headers.connection?.toLowerCase() === "close"
      })
    })
  })
  // HttpOutboundConnection's idle timeout: "Read timeout expired", the connection is closed
  req.setTimeout(state.rulesFor(bot).webhookTimeoutMs, () => {
    done({ ok: false, error: "Read timeout expired", closeConnection: true })
    req.destroy()
  })
  req.on("error", (e: NodeJS.ErrnoException) => done({ ok: false, error: connectionError(e), closeConnection: true }))
  rt.inFlight.set(entry, req)
  req.end(body)
}

/** The text of a connection error as td's socket layer words it; undefined for a plain hang-up. */
function connectionError(e: NodeJS.ErrnoException): string | undefined {
  switch (e.code) {
    case "ECONNREFUSED":
      return "Connection refused"
    case "ECONNRESET":
      // Node reports a peer that closed without answering as "socket hang up":
      // the real server then logs "Webhook connection closed" and shows nothing.
      return e.message === "socket hang up" ? undefined : "Connection reset by peer"
    case "EHOSTUNREACH":
      return "No route to host"
    case "ENETUNREACH":
      return "Network is unreachable"
    case "ETIMEDOUT":
      return "Connection timed out"
    default:
      return e.message
  }
}

/** on_update_error: at once the first time, then doubling from 2 s (at most 60–120 s), or Retry-After. */
function retryLater(state: EmulatorState, bot: BotState, rt: WebhookRuntime, entry: QueuedUpdate, header: number) {
  const now = Date.now()
  const retryAfter = Math.min(MAX_RETRY_AFTER_S, Math.max(0, header))
  const r = rt.retries.get(entry.id) ?? { delayS: 1, failCount: 0, wakeupAt: 0 }
  let nextDelay = r.delayS
  let effective = retryAfter
  if (retryAfter === 0 && r.failCount > 0) {
    const maxTimeout = MAX_RESEND_S + Math.floor(Math.random() * (MAX_RESEND_S + 1))
    nextDelay = Math.min(maxTimeout, nextDelay * 2)
    effective = nextDelay
  }
  if (now + effective * 1000 > entry.expiresAt) {
    rt.retries.delete(entry.id)
    forget(state, bot, entry) // "Drop update": too late to deliver
    return
  }
  rt.retries.set(entry.id, { delayS: nextDelay, failCount: r.failCount + 1, wakeupAt: now + effective * 1000 })
}

/** A 2xx whose JSON body names a method (not get*, setWebhook, deleteWebhook, close, logOut) is executed. */
function webhookReply(rt: WebhookRuntime, bot: BotState, res: IncomingMessage, body: Buffer): void {
  if (body.length === 0 || !(res.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) return
  let params: unknown
  try {
    params = JSON.parse(body.toString("utf8"))
  } catch {
    return
  }
  if (typeof params !== "object" || params === null || Array.isArray(params)) return
  const method = (params as { method?: unknown }).method
  if (typeof method !== "string") return
  const m = method.toLowerCase()
  if (m === "" || m === "deletewebhook" || m === "setwebhook" || m === "close" || m === "logout" || m.startsWith("get"))
    return
  rt.dispatch(bot, params as Record<string, unknown>)
}
