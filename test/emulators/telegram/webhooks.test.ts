// Webhooks as the official Bot API server delivers them (WebhookActor.cpp;
// Client.cpp process_set_webhook_query, do_set_webhook, JsonWebhookInfo).
import { createServer } from "node:http"
import type { IncomingHttpHeaders, Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { call, newBot, sleep, useEmulator } from "./support.ts"

const ctx = useEmulator()

interface Received {
  at: number
  done: number
  update: { update_id: number; message?: { text?: string; chat: { id: number } }; [k: string]: unknown }
  headers: IncomingHttpHeaders
}
interface Reply {
  status?: number
  headers?: Record<string, string>
  body?: unknown
  delayMs?: number
}

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
})

/** A webhook receiver; `reply` decides each answer (default 200 with an empty body). */
async function receiver(reply: (r: Received, n: number) => Reply = () => ({})) {
  const received: Received[] = []
  let inFlight = 0
  let maxInFlight = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      const r: Received = {
        at: Date.now(),
        done: 0,
        update: JSON.parse(Buffer.concat(chunks).toString()),
        headers: req.headers
      }
      received.push(r)
      const answer = reply(r, received.length)
      setTimeout(() => {
        inFlight--
        r.done = Date.now()
        const body = answer.body === undefined ? "" : JSON.stringify(answer.body)
        res.writeHead(answer.status ?? 200, {
          ...(answer.body === undefined ? {} : { "content-type": "application/json" }),
          ...answer.headers
        })
        res.end(body)
      }, answer.delayMs ?? 0)
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/hook`, received, maxInFlight: () => maxInFlight }
}

const until = async (check: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out")
    await sleep(10)
  }
}

describe("setWebhook", () => {
  it("checks the URL and the secret token with the real server's words", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const set = async (params: Record<string, unknown>) => {
      emu.state.bots.get(token)!.nextSetWebhookAt = 0 // one new URL a second: not under test here
      return (await call(emu, token, "setWebhook", params)).body.description
    }
    expect(await set({ url: "http://127.0.0.1:1/h", secret_token: "bad secret!" })).toBe(
      "Bad Request: secret token contains unallowed characters"
    )
    expect(await set({ url: "http://127.0.0.1:1/h", secret_token: "a".repeat(257) })).toBe(
      "Bad Request: secret token is too long"
    )
    expect(await set({ url: "ftp://127.0.0.1/h" })).toBe("Bad Request: invalid webhook URL specified")
    // The real server's address rules, off by default so tests can use loopback:
    emu.setRules(token, { webhookPublicUrl: true })
    expect(await set({ url: "http://127.0.0.1/h" })).toBe(
      "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    )
    expect(await set({ url: "https://127.0.0.1:9000/h" })).toBe(
      "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    )
    expect(await set({ url: "https://127.0.0.1:8443/h" })).toBe(
      "Bad Request: bad webhook: IP address 127.0.0.1 is reserved"
    )
    expect((await call(emu, token, "getWebhookInfo")).body.result.url).toBe("")
  })

  it("a new URL at most once a second; the same settings again are a no-op", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const hook = await receiver()
    expect((await call(emu, token, "setWebhook", { url: hook.url })).body.result).toBe(true)
    const again = await call(emu, token, "setWebhook", { url: hook.url })
    expect(again.body).toEqual({
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 1",
      parameters: { retry_after: 1 }
    })
    await sleep(1000)
    expect((await call(emu, token, "setWebhook", { url: hook.url })).body.result).toBe(true)
  })
})

describe("delivery", () => {
  it("POSTs each update as JSON with the secret token; getWebhookInfo as the real one", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const hook = await receiver()
    emu.injectMessage(token, { text: "queued before", from: 8001 })
    const set = await call(emu, token, "setWebhook", { url: hook.url, secret_token: "s3cr3t_-X" })
    expect(set.body).toEqual({ ok: true, result: true })
    const { updateId } = emu.injectMessage(token, { text: "after", from: 8001 })
    await until(() => hook.received.length === 2)
    expect(hook.received.map((r) => r.update.message?.text)).toEqual(["queued before", "after"])
    expect(hook.received[1]!.update.update_id).toBe(updateId)
    expect(hook.received[0]!.headers).toMatchObject({
      "x-telegram-bot-api-secret-token": "s3cr3t_-X",
      "content-type": "application/json"
    })
    await emu.waitForConfirmed(token, updateId)
    expect((await call(emu, token, "getWebhookInfo")).body.result).toEqual({
      url: hook.url,
      has_custom_certificate: false,
      pending_update_count: 0,
      max_connections: 40,
      ip_address: "127.0.0.1"
    })
    expect((await call(emu, token, "getUpdates")).body).toEqual({
      ok: false,
      error_code: 409,
      description:
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    })
  })

  it("retries a non-2xx answer at once, then after 2 s; last_error_* as the real one", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const hook = await receiver((_r, n) => (n <= 2 ? { status: 500 } : {}))
    await call(emu, token, "setWebhook", { url: hook.url })
    const { updateId } = emu.injectMessage(token, { text: "pay", from: 8002 })
    await until(() => hook.received.length === 2)
    const info = (await call(emu, token, "getWebhookInfo")).body.result
    expect(info).toMatchObject({
      pending_update_count: 1,
      last_error_message: "Wrong response from the webhook: 500 Internal Server Error"
    })
    expect(Math.abs(info.last_error_date - Date.now() / 1000)).toBeLessThan(5)
    await until(() => hook.received.length === 3, 6000)
    const [first, second, third] = hook.received
    expect(second!.at - first!.done).toBeLessThan(500) // the first retry: at once
    expect(third!.at - second!.done).toBeGreaterThanOrEqual(1900) // then 2 s
    expect(new Set(hook.received.map((r) => r.update.update_id))).toEqual(new Set([updateId]))
    await emu.waitForConfirmed(token, updateId)
    expect(emu.stats(token)).toMatchObject({ webhookRequests: 3, webhookFailures: 2, pendingUpdates: 0 })
  })

  it("a timed-out request is sent again: the receiver gets the update twice", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    emu.setRules(token, { webhookTimeoutMs: 300 }) // 60 s on Telegram; shorter is stricter
    const hook = await receiver((_r, n) => (n === 1 ? { delayMs: 600 } : {}))
    await call(emu, token, "setWebhook", { url: hook.url })
    const { updateId } = emu.injectMessage(token, { text: "slow", from: 8003 })
    await until(() => hook.received.length === 2)
    expect(hook.received.map((r) => r.update.update_id)).toEqual([updateId, updateId])
    await emu.waitForConfirmed(token, updateId)
    expect((await call(emu, token, "getWebhookInfo")).body.result.last_error_message).toBe("Read timeout expired")
  })

  it("one update of a chat at a time, in order; chats side by side up to max_connections", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const hook = await receiver(() => ({ delayMs: 60 }))
    await call(emu, token, "setWebhook", { url: hook.url, max_connections: 3 })
    // a first success makes the webhook "active" (before it: one connection)
    emu.injectMessage(token, { text: "warm-up", from: 8100 })
    await until(() => hook.received.length === 1 && hook.received[0]!.done > 0)
    for (let i = 0; i < 4; i++)
      for (const chat of [8101, 8102, 8103, 8104]) emu.injectMessage(token, { text: `${chat}:${i}`, from: chat })
    await until(() => hook.received.length === 17 && hook.received.every((r) => r.done > 0), 8000)
    expect(hook.maxInFlight()).toBe(3)
    for (const chat of [8101, 8102, 8103, 8104]) {
      const mine = hook.received.filter((r) => r.update.message?.chat.id === chat)
      expect(mine.map((r) => r.update.message?.text)).toEqual([0, 1, 2, 3].map((i) => `${chat}:${i}`))
      // each began after the previous one was answered
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.at).toBeGreaterThanOrEqual(mine[i - 1]!.done)
    }
  })

  it("a button press (a queue of its own) may overtake the chat's messages", async () => {
    const { emu } = ctx
    const { token, bot } = newBot(emu)
    emu.openPrivateChat(token, { userId: 8200 })
    const sent = await bot.api.sendMessage(8200, "menu", {
      reply_markup: { inline_keyboard: [[{ text: "buy", callback_data: "buy" }]] }
    })
    const hook = await receiver((r) => ({ delayMs: r.update.message ? 300 : 0 }))
    await call(emu, token, "setWebhook", { url: hook.url })
    emu.injectMessage(token, { text: "warm-up", from: 8201 })
    await until(() => hook.received.length === 1 && hook.received[0]!.done > 0)
    emu.injectMessage(token, { text: "one", from: 8200 })
    emu.injectMessage(token, { text: "two", from: 8200 })
    emu.injectCallbackQuery(token, { from: 8200, messageId: sent.message_id, data: "buy" })
    await until(() => hook.received.length === 4 && hook.received.every((r) => r.done > 0))
    const order = hook.received.slice(1).map((r) => r.update.message?.text ?? "callback")
    // "two" waits for "one" to be answered (300 ms); the press does not
    expect(order.indexOf("one")).toBeLessThan(order.indexOf("two"))
    expect(order.indexOf("callback")).toBeLessThan(order.indexOf("two"))
  })

  it("a refused connection is retried; last_error_message says so", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const hook = await receiver()
    const closed = hook.url
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
    await call(emu, token, "setWebhook", { url: closed })
    emu.injectMessage(token, { text: "nobody home", from: 8300 })
    await emu.waitForStats(token, (s) => s.webhookFailures >= 1)
    expect((await call(emu, token, "getWebhookInfo")).body.result).toMatchObject({
      pending_update_count: 1,
      last_error_message: "Connection refused"
    })
  })

  it("deleteWebhook (drop_pending_updates) stops delivery; a webhook reply is executed", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    emu.openPrivateChat(token, { userId: 8400 })
    const hook = await receiver((r) => ({
      body: { method: "sendMessage", chat_id: r.update.message!.chat.id, text: `got ${r.update.message!.text}` }
    }))
    await call(emu, token, "setWebhook", { url: hook.url })
    emu.injectMessage(token, { text: "ping", from: 8400 })
    expect((await emu.waitForSent(token, 8400)).text).toBe("got ping")
    const stopped = await receiver(() => ({ status: 502 }))
    await sleep(1000)
    await call(emu, token, "setWebhook", { url: stopped.url })
    emu.injectMessage(token, { text: "lost", from: 8400 })
    await until(() => stopped.received.length >= 1)
    expect((await call(emu, token, "deleteWebhook", { drop_pending_updates: true })).body.result).toBe(true)
    expect((await call(emu, token, "getWebhookInfo")).body.result).toEqual({
      url: "",
      has_custom_certificate: false,
      pending_update_count: 0
    })
    expect((await call(emu, token, "getUpdates")).body).toEqual({ ok: true, result: [] })
  })
})
