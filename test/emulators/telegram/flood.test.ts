// Telegram's flood control (Bots FAQ: ~1 message/s per chat with short bursts,
// 20 messages/min per group, ~30 messages/s per bot), answered as the Bot API
// server passes it on: 429 "Too Many Requests: retry after N" with
// parameters.retry_after and a Retry-After header.
import { GrammyError } from "grammy"
import { describe, expect, it } from "vitest"
import { ALL_BOTS } from "../../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../../src/emulators/telegram/index.ts"
import { call, control, newBot, sleep, useEmulator } from "./support.ts"

const ctx = useEmulator()

/** A chat the bot knows: the user wrote to it (or, for a group, wrote there). */
function knownChat(emu: TelegramEmulator, token: string, chatId: number, userId = chatId): number {
  emu.injectMessage(token, { text: "hi", from: userId, chatId })
  return chatId
}

const send = (emu: TelegramEmulator, token: string, chatId: number, text = "x") =>
  call(emu, token, "sendMessage", { chat_id: chatId, text })

describe("flood control", () => {
  it("per chat: a short burst passes, then 429 with retry_after until the bucket refills", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const chat = knownChat(emu, token, 501)
    const other = knownChat(emu, token, 502)
    const burst = emu.rules(token).floodLimits.perChat.burst
    for (let i = 0; i < burst; i++) expect((await send(emu, token, chat)).status).toBe(200)
    const refused = await send(emu, token, chat)
    expect(refused.status).toBe(429)
    expect(refused.body).toEqual({
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 1",
      parameters: { retry_after: 1 }
    })
    expect(refused.headers.get("retry-after")).toBe("1")
    expect((await send(emu, token, other)).status).toBe(200) // another chat is not affected
    await sleep(1050)
    expect((await send(emu, token, chat)).status).toBe(200)
    expect(emu.sentMessages(token, chat)).toHaveLength(burst + 1) // the refused one was not sent
    expect(emu.stats(token).floodRefusals).toBe(1)
  })

  it("edits count as messages; callback answers, chat actions and getMe do not", async () => {
    const { emu } = ctx
    const { token, bot } = newBot(emu)
    const chat = knownChat(emu, token, 503)
    const m = await bot.api.sendMessage(chat, "v0")
    for (let i = 1; i < 5; i++) await bot.api.editMessageText(chat, m.message_id, `v${i}`)
    const err = await bot.api.editMessageText(chat, m.message_id, "v5").catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GrammyError)
    expect((err as GrammyError).error_code).toBe(429)
    expect((err as GrammyError).parameters.retry_after).toBe(1)
    for (let i = 0; i < 10; i++) {
      expect(await bot.api.sendChatAction(chat, "typing")).toBe(true)
      expect((await bot.api.getMe()).id).toBeTypeOf("number")
    }
  })

  it("copyMessage and forwardMessage are messages too", async () => {
    const { emu } = ctx
    const { token, bot } = newBot(emu)
    const from = knownChat(emu, token, 511)
    const to = knownChat(emu, token, 512)
    const original = await bot.api.sendMessage(from, "receipt #1")
    const copy = await bot.api.copyMessage(to, from, original.message_id)
    const forwarded = await bot.api.forwardMessage(to, from, original.message_id)
    expect(emu.sentMessages(token, to).map((m) => [m.method, m.text])).toEqual([
      ["copyMessage", "receipt #1"],
      ["forwardMessage", "receipt #1"]
    ])
    expect(copy.message_id).toBe(emu.sentMessages(token, to)[0]!.messageId)
    expect(forwarded.forward_origin).toMatchObject({ type: "user", sender_user: { is_bot: true } })
    await expect(bot.api.copyMessage(to, from, 999)).rejects.toMatchObject({
      description: "Bad Request: message to copy not found"
    })
    for (let i = 0; i < 3; i++) await bot.api.copyMessage(to, from, original.message_id)
    await expect(bot.api.forwardMessage(to, from, original.message_id)).rejects.toMatchObject({ error_code: 429 })
  })

  it("per group: at most 20 messages a minute", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    // the per-chat bucket is widened for this token, so only the group limit shows
    emu.setRules(token, { floodLimits: { perChat: { burst: 100 } } })
    const group = knownChat(emu, token, -1001000001500, 504)
    for (let i = 0; i < 20; i++) expect((await send(emu, token, group)).status).toBe(200)
    const refused = await send(emu, token, group)
    expect(refused.status).toBe(429)
    expect(refused.body.parameters!.retry_after).toBeGreaterThanOrEqual(59)
    expect(refused.body.parameters!.retry_after).toBeLessThanOrEqual(60)
  })

  it("per bot: about 30 messages a second over all chats", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const chats = Array.from({ length: 31 }, (_, i) => knownChat(emu, token, 600 + i))
    // sent together, so all arrive within the second
    const statuses = (await Promise.all(chats.map((chat) => send(emu, token, chat)))).map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(30)
    expect(statuses.filter((s) => s === 429)).toHaveLength(1)
  })

  it("can be switched off for one token, or fleet-wide through the control API", async () => {
    const { emu } = ctx
    const quiet = newBot(emu)
    emu.setRules(quiet.token, { floodControl: false })
    const chat = knownChat(emu, quiet.token, 701)
    for (let i = 0; i < 12; i++) expect((await send(emu, quiet.token, chat)).status).toBe(200)

    const loud = newBot(emu)
    const loudChat = knownChat(emu, loud.token, 702)
    const set = await control(emu, "setRules", { rules: { floodControl: false } })
    expect(set.body.result.floodControl).toBe(false)
    try {
      for (let i = 0; i < 12; i++) expect((await send(emu, loud.token, loudChat)).status).toBe(200)
      expect((await control(emu, `rules?token=${loud.token}`)).body.result.floodControl).toBe(false)
    } finally {
      emu.setRules(ALL_BOTS, { floodControl: true })
    }
    expect((await control(emu, "rules")).body.result.floodControl).toBe(true)
    expect((await control(emu, "setRules", { rules: { floodKontrol: false } })).body).toEqual({
      ok: false,
      error: "unknown rule floodKontrol"
    })
  })
})
