import { spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import { run } from "@grammyjs/runner"
import { Bot, GrammyError, HttpError, InlineKeyboard, InputFile } from "grammy"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_USER, TINY_PNG, startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"

let emu: TelegramEmulator

beforeAll(async () => {
  emu = await startTelegramEmulator()
})
afterAll(async () => {
  await emu.close()
})

interface Envelope {
  ok: boolean
  result?: any
  error_code?: number
  description?: string
  parameters?: { retry_after?: number }
}

async function call(token: string, method: string, params: Record<string, unknown> = {}, signal?: AbortSignal) {
  const res = await fetch(`${emu.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
    ...(signal ? { signal } : {})
  })
  return { status: res.status, body: (await res.json()) as Envelope }
}

async function control(path: string, body?: unknown) {
  const res = await fetch(
    `${emu.url}/control/${path}`,
    body === undefined ? {} : { method: "POST", body: JSON.stringify(body) }
  )
  return { status: res.status, body: (await res.json()) as { ok: boolean; result?: any; error?: string } }
}

/** A bot, and private chats with these users opened (as if they had pressed Start). */
function newBot(username?: string, openChats: number[] = []) {
  const info = emu.createBot(username === undefined ? {} : { username })
  const bot = new Bot(info.token, { client: { apiRoot: emu.url } })
  for (const userId of openChats) emu.openPrivateChat(info.token, { userId })
  return { token: info.token, info, bot }
}

/** Starts grammY's long polling and returns a stopper that waits for it to end. */
async function startPolling(bot: Bot, token: string): Promise<() => Promise<void>> {
  const done = bot.start()
  await emu.waitForPoller(token)
  return async () => {
    await bot.stop()
    await done
  }
}

const ids = (r: Envelope) => (r.result as Array<{ update_id: number }>).map((u) => u.update_id)

describe("authentication", () => {
  it("answers 401 for unknown and revoked tokens on every method, 404 for malformed ones", async () => {
    const unknown = `123456:${"A".repeat(35)}`
    expect(await call(unknown, "getMe")).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: "Unauthorized" }
    })
    expect((await call(unknown, "noSuchMethod")).status).toBe(401)
    expect((await call("not-a-token", "getMe")).body).toEqual({ ok: false, error_code: 404, description: "Not Found" })

    const { token, bot } = newBot()
    expect((await call(token, "getMe")).status).toBe(200)
    emu.revokeToken(token)
    const revoked = await call(token, "getMe")
    expect(revoked.status).toBe(401)
    await expect(bot.api.sendMessage(1, "x")).rejects.toMatchObject({ error_code: 401, description: "Unauthorized" })
    expect(emu.stats(token).unauthorized).toBe(2)
  })

  it("ends a pending long poll with 401 when the token is revoked", async () => {
    const { token } = newBot()
    const poll = call(token, "getUpdates", { timeout: 10 })
    await emu.waitForPoller(token)
    emu.revokeToken(token)
    expect((await poll).status).toBe(401)
    expect(emu.stats(token).activePollers).toBe(0)
  })
})

describe("getMe and method routing", () => {
  it("getMe through grammY", async () => {
    const { bot, info } = newBot("shop_one_bot")
    const me = await bot.api.getMe()
    expect(me).toMatchObject({ id: info.id, is_bot: true, username: "shop_one_bot", can_join_groups: true })
    expect(info.id).toBe(Number(info.token.split(":")[0]))
  })

  it("accepts GET query params, urlencoded bodies, case-insensitive names; unknown method is 404", async () => {
    const { token } = newBot(undefined, [42])
    const get = await (await fetch(`${emu.url}/bot${token}/sendmessage?chat_id=42&text=hi`)).json()
    expect(get).toMatchObject({ ok: true, result: { chat: { id: 42 }, text: "hi" } })
    const form = await fetch(`${emu.url}/bot${token}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        chat_id: "42",
        text: "form",
        reply_markup: JSON.stringify({ inline_keyboard: [[{ text: "a", callback_data: "a" }]] })
      })
    })
    expect(await form.json()).toMatchObject({
      ok: true,
      result: { message_id: 2, text: "form", reply_markup: { inline_keyboard: [[{ callback_data: "a" }]] } }
    })
    expect(await call(token, "sendTelepathy")).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: "Not Found" }
    })
    expect(emu.stats(token).callsByMethod).toMatchObject({ sendMessage: 2, sendTelepathy: 1 })
  })
})

describe("getUpdates", () => {
  it("a long poll answers as soon as an update is injected, and times out empty otherwise", async () => {
    const { token } = newBot()
    let t0 = Date.now()
    const poll = call(token, "getUpdates", { timeout: 5 })
    await emu.waitForPoller(token)
    const { updateId } = emu.injectMessage(token, { text: "hello" })
    const r = await poll
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(r.body.result).toHaveLength(1)
    expect(r.body.result[0]).toMatchObject({
      update_id: updateId,
      message: { text: "hello", chat: { id: DEFAULT_USER.id, type: "private" } }
    })

    t0 = Date.now()
    const empty = await call(token, "getUpdates", { offset: updateId + 1, timeout: 1 })
    const elapsed = Date.now() - t0
    expect(empty.body).toEqual({ ok: true, result: [] })
    expect(elapsed).toBeGreaterThanOrEqual(950)
    expect(elapsed).toBeLessThan(1800)
  })

  it("redelivers until confirmed by a higher offset; negative offsets take from the end", async () => {
    const { token } = newBot()
    const [a, b, c] = ["one", "two", "three"].map((text) => emu.injectMessage(token, { text }).updateId) as [
      number,
      number,
      number
    ]
    expect(b).toBe(a + 1)
    expect(c).toBe(b + 1)
    expect(ids((await call(token, "getUpdates")).body)).toEqual([a, b, c])
    // the same offset again within 0.5 s gets limit 1 (polling.test.ts)
    expect(ids((await call(token, "getUpdates", { offset: a })).body)).toEqual([a, b, c])
    expect(ids((await call(token, "getUpdates", { offset: b })).body)).toEqual([b, c])
    expect(emu.stats(token)).toMatchObject({ pendingUpdates: 2, confirmedOffset: b })
    expect(ids((await call(token, "getUpdates", { offset: c + 1 })).body)).toEqual([])
    expect(emu.stats(token)).toMatchObject({ pendingUpdates: 0, confirmedOffset: c + 1 })

    const more = [1, 2, 3].map((n) => emu.injectMessage(token, { text: `m${n}` }).updateId)
    expect(more[0]).toBe(c + 1)
    expect(ids((await call(token, "getUpdates", { offset: -1 })).body)).toEqual([more[2]])
    expect(emu.stats(token).pendingUpdates).toBe(1)
  })

  it("honours limit (1-100, default 100)", async () => {
    const { token } = newBot()
    for (let i = 0; i < 105; i++) emu.injectMessage(token, { text: `n${i}` })
    expect((await call(token, "getUpdates", { offset: 1, limit: 2 })).body.result).toHaveLength(2)
    expect((await call(token, "getUpdates", { offset: 2, limit: 0 })).body.result).toHaveLength(1)
    expect((await call(token, "getUpdates", { offset: 3 })).body.result).toHaveLength(100)
  })

  it("ends the OLDER of two concurrent polls with 409 and counts the overlap", async () => {
    const { token } = newBot()
    const first = call(token, "getUpdates", { timeout: 10 })
    await emu.waitForPoller(token)
    const second = call(token, "getUpdates", { timeout: 10 })
    const r1 = await first
    expect(r1).toEqual({
      status: 409,
      body: {
        ok: false,
        error_code: 409,
        description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
      }
    })
    const { updateId } = emu.injectMessage(token, { text: "for the survivor" })
    expect(ids((await second).body)).toEqual([updateId])
    await new Promise((r) => setTimeout(r, 600)) // an overlap is judged 500 ms after it began
    const s = emu.stats(token)
    expect(s).toMatchObject({ maxConcurrentPollers: 2, conflicts: 1, activePollers: 0, getUpdatesCalls: 2 })
    expect(s.firstGetUpdatesAt).toBeTypeOf("number")
    expect(emu.summary().botsWithOverlappingPolls).toBeGreaterThanOrEqual(1)
  })

  it("a sequential grammY poller never overlaps", async () => {
    const { token, bot } = newBot()
    bot.on("message:text", (ctx) => ctx.reply(`echo ${ctx.message.text}`))
    const stop = await startPolling(bot, token)
    for (let i = 0; i < 3; i++) {
      emu.injectMessage(token, { text: `m${i}` })
      await emu.waitForSent(token, DEFAULT_USER.id, (m) => m.text === `echo m${i}`)
    }
    await stop()
    const s = emu.stats(token)
    expect(s.maxConcurrentPollers).toBe(1)
    expect(s.conflicts).toBe(0)
    expect(s.pendingUpdates).toBe(0)
  })

  it("cleans up a long poll whose client disconnects", async () => {
    const { token } = newBot()
    const abort = new AbortController()
    const poll = call(token, "getUpdates", { timeout: 30 }, abort.signal).catch((e: unknown) => e)
    await emu.waitForPoller(token)
    expect(emu.stats(token).activePollers).toBe(1)
    abort.abort()
    await poll
    await emu.waitForStats(token, (s) => s.activePollers === 0, 2000)
    // the next poll is not in conflict with the abandoned one
    expect((await call(token, "getUpdates", { offset: 1, timeout: 0 })).status).toBe(200)
    expect(emu.stats(token).conflicts).toBe(0)
  })

  it("drops update kinds excluded by allowed_updates", async () => {
    const { token } = newBot()
    await call(token, "getUpdates", { allowed_updates: ["callback_query"] })
    expect(emu.injectMessage(token, { text: "ignored" }).dropped).toBe(true)
    expect((await call(token, "getUpdates", { offset: 1 })).body.result).toEqual([])
  })
})

describe("webhooks", () => {
  it("409 for getUpdates while a webhook is set; setWebhook ends a pending poll; deleteWebhook drops", async () => {
    const { token } = newBot()
    const pending = call(token, "getUpdates", { timeout: 10 })
    await emu.waitForPoller(token)
    // nothing listens on port 1: deliveries fail and the updates stay pending
    const url = "http://127.0.0.1:1/hook"
    expect((await call(token, "setWebhook", { url })).body.result).toBe(true)
    expect((await pending).body).toMatchObject({
      error_code: 409,
      description: "Conflict: terminated by setWebhook request"
    })
    emu.injectMessage(token, { text: "a" })
    emu.injectMessage(token, { text: "b" })
    expect((await call(token, "getWebhookInfo")).body.result).toMatchObject({ url, pending_update_count: 2 })

    await call(token, "deleteWebhook", { drop_pending_updates: true })
    expect((await call(token, "getWebhookInfo")).body.result).toEqual({
      url: "",
      has_custom_certificate: false,
      pending_update_count: 0
    })
    expect((await call(token, "getUpdates")).status).toBe(200)
    expect(emu.stats(token).conflicts).toBe(1)
  })
})

describe("sending and reading back", () => {
  it("sendMessage with an inline keyboard is readable through both control APIs", async () => {
    const { token, bot, info } = newBot(undefined, [555])
    const chatId = 555
    const msg = await bot.api.sendMessage(chatId, "Pick <b>one</b>", {
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text("Yes", "yes").text("No", "no")
    })
    expect(msg).toMatchObject({
      message_id: 1,
      chat: { id: chatId },
      from: { id: info.id, is_bot: true },
      text: "Pick one"
    })
    expect(msg.entities).toEqual([{ type: "bold", offset: 5, length: 3 }])
    const reply = await bot.api.sendMessage(chatId, "Second", {
      reply_parameters: { message_id: msg.message_id },
      reply_markup: { keyboard: [[{ text: "Menu" }]], resize_keyboard: true }
    })
    expect(reply.message_id).toBe(2)
    expect(reply.reply_to_message?.message_id).toBe(1)
    expect(reply.reply_markup).toBeUndefined() // reply keyboards are not part of Message

    const [first, second] = emu.sentMessages(token, chatId)
    expect(first).toMatchObject({ messageId: 1, text: "Pick one", rawText: "Pick <b>one</b>", parseMode: "HTML" })
    expect(first!.replyMarkup).toEqual({
      inline_keyboard: [
        [
          { text: "Yes", callback_data: "yes" },
          { text: "No", callback_data: "no" }
        ]
      ]
    })
    expect(second).toMatchObject({ replyToMessageId: 1, replyMarkup: { keyboard: [[{ text: "Menu" }]] } })

    const http = await control(`bots/${token}/sent?chat_id=${chatId}`)
    expect(http.body.result).toHaveLength(2)
    expect(http.body.result[0].replyMarkup.inline_keyboard[0][1].callback_data).toBe("no")

    await expect(bot.api.sendMessage(chatId, "x", { reply_parameters: { message_id: 99 } })).rejects.toMatchObject({
      description: "Bad Request: message to be replied not found"
    })
  })

  it("callback query reaches bot.on('callback_query:data'); answer and edit are recorded", async () => {
    const { token, bot } = newBot(undefined, [777])
    const seen: string[] = []
    bot.on("callback_query:data", async (ctx) => {
      seen.push(ctx.callbackQuery.data)
      await ctx.answerCallbackQuery({ text: `Got ${ctx.callbackQuery.data}` })
      await ctx.editMessageText(`Chosen: ${ctx.callbackQuery.data}`)
    })
    const sent = await bot.api.sendMessage(777, "Choose", {
      reply_markup: new InlineKeyboard().text("Apples", "fruit:apple")
    })
    const stop = await startPolling(bot, token)
    const { callbackQueryId } = emu.injectCallbackQuery(token, {
      from: { id: 777, first_name: "Ann" },
      messageId: sent.message_id,
      data: "fruit:apple"
    })
    const answer = await emu.waitForCallbackAnswer(token)
    const edited = await emu.waitForSent(token, 777, (m) => m.edits.length > 0)
    await stop()
    expect(seen).toEqual(["fruit:apple"])
    expect(answer).toMatchObject({
      callbackQueryId,
      text: "Got fruit:apple",
      data: "fruit:apple",
      chatId: 777,
      messageId: sent.message_id
    })
    expect(edited.text).toBe("Chosen: fruit:apple")
    expect(edited.replyMarkup).toBeUndefined() // editing without reply_markup drops the keyboard
    expect(edited.edits[0]).toMatchObject({ method: "editMessageText", text: "Chosen: fruit:apple" })
    // a second answer to the same query is refused, as on Telegram
    const again = await call(token, "answerCallbackQuery", { callback_query_id: callbackQueryId })
    expect(again.body.description).toBe(
      "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
  })

  it("/start payload reaches bot.command('start') with ctx.match", async () => {
    const { token, bot } = newBot()
    bot.command("start", (ctx) => ctx.reply(`match=${ctx.match}`))
    const stop = await startPolling(bot, token)
    emu.injectMessage(token, {
      text: "/start payload",
      from: { id: 4242, first_name: "Bo", username: "bo", language_code: "de" }
    })
    const reply = await emu.waitForSent(token, 4242)
    await stop()
    expect(reply.text).toBe("match=payload")
    expect(reply.message.chat).toMatchObject({ id: 4242, type: "private", username: "bo" })
  })

  it("works under @grammyjs/runner; group chats, topics and stickers", async () => {
    const { token, bot } = newBot()
    bot.on("message:sticker", (ctx) => ctx.reply("Please send a photo of the receipt, not a sticker"))
    bot.on("message:text", (ctx) =>
      ctx.reply(`topic ${ctx.message.message_thread_id}`, { message_thread_id: ctx.message.message_thread_id! })
    )
    const handle = run(bot)
    await emu.waitForPoller(token)
    emu.injectSticker(token, { from: 9 })
    const group = -1001234567890
    emu.injectMessage(token, { text: "hi", from: 9, chatId: group, messageThreadId: 17 })
    const refusal = await emu.waitForSent(token, 9)
    const topic = await emu.waitForSent(token, group)
    await handle.stop()
    expect(refusal.text).toMatch(/receipt/)
    expect(topic).toMatchObject({
      text: "topic 17",
      messageThreadId: 17,
      message: { chat: { type: "supergroup" }, is_topic_message: true }
    })
  })

  it("photo injection → getFile → download the same bytes", async () => {
    const { token, bot } = newBot()
    const bytes = new Uint8Array([...TINY_PNG])
    const { fileId, updateId } = emu.injectPhoto(token, { caption: "receipt", bytes })
    const [update] = (await call(token, "getUpdates")).body.result
    expect(update.update_id).toBe(updateId)
    expect(update.message.caption).toBe("receipt")
    expect(update.message.photo.at(-1).file_id).toBe(fileId)
    const file = await bot.api.getFile(fileId!)
    expect(file.file_size).toBe(bytes.length)
    const res = await fetch(`${emu.url}/file/bot${token}/${file.file_path}`)
    expect(res.status).toBe(200)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
    // another bot cannot use this file_id
    const other = newBot()
    await expect(other.bot.api.getFile(fileId!)).rejects.toMatchObject({ description: "Bad Request: invalid file_id" })
    expect((await fetch(`${emu.url}/file/bot${other.token}/${file.file_path}`)).status).toBe(404)
  })

  it("sendPhoto/sendDocument with uploaded InputFiles (multipart) store the bytes", async () => {
    const { token, bot } = newBot(undefined, [31])
    const sent = await bot.api.sendPhoto(31, new InputFile(Buffer.from(TINY_PNG), "cat.png"), {
      caption: "*Cat*",
      parse_mode: "MarkdownV2",
      reply_markup: new InlineKeyboard().url("Shop", "https://shop.example.com")
    })
    expect(sent.caption).toBe("Cat")
    expect(sent.photo).toHaveLength(2)
    const big = sent.photo!.at(-1)!
    expect(big).toMatchObject({ width: 1, height: 1 })
    const file = await bot.api.getFile(big.file_id)
    const downloaded = new Uint8Array(
      await (await fetch(`${emu.url}/file/bot${token}/${file.file_path}`)).arrayBuffer()
    )
    expect(downloaded).toEqual(TINY_PNG)
    expect(emu.sentMessages(token, 31)[0]).toMatchObject({
      method: "sendPhoto",
      photoFileId: big.file_id,
      caption: "Cat"
    })

    // re-sending by file_id works; non-image bytes are refused like Telegram does
    expect((await bot.api.sendPhoto(31, big.file_id)).photo!.at(-1)!.file_id).toBe(big.file_id)
    await expect(bot.api.sendPhoto(31, new InputFile(Buffer.from("not an image")))).rejects.toMatchObject({
      description: "Bad Request: IMAGE_PROCESS_FAILED"
    })

    const doc = await bot.api.sendDocument(31, new InputFile(Buffer.from("a,b\n1,2\n"), "report.csv"))
    expect(doc.document).toMatchObject({ file_name: "report.csv", mime_type: "text/csv", file_size: 8 })
    expect(emu.sentMessages(token, 31).at(-1)!.documentFileId).toBe(doc.document!.file_id)
  })
})

describe("validation as Telegram words it", () => {
  it("rejects bad text, parse errors and invalid keyboards", async () => {
    const { bot } = newBot(undefined, [1])
    const fails = (p: Promise<unknown>) =>
      p.then(
        () => "resolved",
        (e: GrammyError) => `${e.error_code} ${e.description}`
      )
    expect(await fails(bot.api.sendMessage(1, ""))).toBe("400 Bad Request: message text is empty")
    expect(await fails(bot.api.sendMessage(1, "x".repeat(4097)))).toBe("400 Bad Request: message is too long")
    expect(await fails(bot.api.sendMessage(1, "a<br>b", { parse_mode: "HTML" }))).toBe(
      '400 Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 1'
    )
    expect(await fails(bot.api.sendMessage(1, "<b>bold", { parse_mode: "HTML" }))).toBe(
      "400 Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    expect(await fails(bot.api.sendMessage(1, "Total: 5.00", { parse_mode: "MarkdownV2" }))).toBe(
      "400 Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'"
    )
    expect(await fails(bot.api.sendMessage(1, "hi my_name", { parse_mode: "Markdown" }))).toBe(
      "400 Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 5"
    )
    expect(
      await fails(bot.api.sendMessage(1, "x", { reply_markup: new InlineKeyboard().text("t", "d".repeat(65)) }))
    ).toBe("400 Bad Request: BUTTON_DATA_INVALID")
    expect(
      await fails(
        bot.api.sendMessage(1, "x", { reply_markup: { inline_keyboard: [[{ text: "only text" } as never]] } })
      )
    ).toBe("400 Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    const ok = await bot.api.sendMessage(1, "Tom &amp; Jerry & <i>co</i> \\ 1 > 0", { parse_mode: "HTML" })
    expect(ok.text).toBe("Tom & Jerry & co \\ 1 > 0")
    const md = await bot.api.sendMessage(1, "*b* _i_ __u__ `c` [l](https://x.example) 5\\.00", {
      parse_mode: "MarkdownV2"
    })
    expect(md.text).toBe("b i u c l 5.00")
    expect(md.entities!.map((e) => e.type)).toEqual(["bold", "italic", "underline", "code", "text_link"])
  })
})

describe("other methods", () => {
  it("edit, delete, commands, chat actions, chat members, blocked users", async () => {
    const { token, bot, info } = newBot(undefined, [50])
    const m = await bot.api.sendMessage(50, "v1", { reply_markup: new InlineKeyboard().text("a", "a") })
    await expect(
      bot.api.editMessageText(50, m.message_id, "v1", { reply_markup: new InlineKeyboard().text("a", "a") })
    ).rejects.toMatchObject({
      description: expect.stringMatching(/^Bad Request: message is not modified/)
    })
    const e = await bot.api.editMessageReplyMarkup(50, m.message_id, {
      reply_markup: new InlineKeyboard().text("b", "b")
    })
    expect(e).toMatchObject({
      edit_date: expect.any(Number),
      reply_markup: { inline_keyboard: [[{ callback_data: "b" }]] }
    })
    expect(await bot.api.deleteMessage(50, m.message_id)).toBe(true)
    await expect(bot.api.editMessageText(50, m.message_id, "v2")).rejects.toMatchObject({
      description: "Bad Request: message to edit not found"
    })
    await expect(bot.api.deleteMessage(50, m.message_id)).rejects.toMatchObject({
      description: "Bad Request: message to delete not found"
    })
    expect(emu.sentMessages(token, 50)[0]).toMatchObject({
      deletedAt: expect.any(Number),
      edits: [{ method: "editMessageReplyMarkup" }]
    })

    await bot.api.setMyCommands([
      { command: "start", description: "Start" },
      { command: "orders", description: "My orders" }
    ])
    await bot.api.setMyCommands([{ command: "start", description: "Старт" }], { language_code: "ru" })
    expect((await bot.api.getMyCommands()).map((c) => c.command)).toEqual(["start", "orders"])
    expect(await bot.api.getMyCommands({ language_code: "ru" })).toEqual([{ command: "start", description: "Старт" }])
    expect(emu.commands(token)).toHaveLength(2)
    await expect(bot.api.setMyCommands([{ command: "Bad-Cmd", description: "x" }])).rejects.toMatchObject({
      description: "Bad Request: BOT_COMMAND_INVALID"
    })

    expect(await bot.api.sendChatAction(50, "typing")).toBe(true)
    expect(emu.chatActions(token, 50)).toMatchObject([{ action: "typing" }])

    const group = -100777
    emu.setChatAdmins(token, { chatId: group, userIds: [11], creatorId: 10 })
    expect((await bot.api.getChatMember(group, 11)).status).toBe("administrator")
    expect((await bot.api.getChatMember(group, 10)).status).toBe("creator")
    expect((await bot.api.getChatMember(group, 12)).status).toBe("member")
    expect((await bot.api.getChatMember(group, info.id)).user.is_bot).toBe(true)

    emu.setUserBlocked(token, { userId: 50 })
    await expect(bot.api.sendMessage(50, "still there?")).rejects.toMatchObject({
      error_code: 403,
      description: "Forbidden: bot was blocked by the user"
    })
    const updates = (await call(token, "getUpdates")).body.result
    expect(updates.at(-1).my_chat_member.new_chat_member.status).toBe("kicked")
  })
})

describe("fault injection", () => {
  it("429 with retry_after surfaces in grammY's GrammyError.parameters", async () => {
    const { token, bot } = newBot(undefined, [1])
    emu.injectFault(token, { kind: "rate_limit", retryAfter: 7, count: 2 })
    for (let i = 0; i < 2; i++) {
      const err = await bot.api.sendMessage(1, "x").catch((e: unknown) => e)
      expect(err).toBeInstanceOf(GrammyError)
      expect((err as GrammyError).error_code).toBe(429)
      expect((err as GrammyError).description).toBe("Too Many Requests: retry after 7")
      expect((err as GrammyError).parameters.retry_after).toBe(7)
    }
    expect((await bot.api.sendMessage(1, "x")).text).toBe("x")
    expect(emu.stats(token).faultsServed).toBe(2)
  })

  it("a fault can be limited to one method and to a duration", async () => {
    const { token, bot } = newBot()
    emu.injectFault(token, { kind: "rate_limit", durationMs: 3000, method: "getUpdates" })
    const r = await call(token, "getUpdates")
    expect(r.status).toBe(429)
    expect(r.body.parameters!.retry_after).toBeGreaterThanOrEqual(2)
    expect((await call(token, "getUpdates")).status).toBe(429)
    expect((await bot.api.getMe()).id).toBeTypeOf("number")
    emu.clearFaults(token)
    expect((await call(token, "getUpdates")).status).toBe(200)
  })

  it("5xx (JSON or nginx HTML) and dropped connections", async () => {
    const { token, bot } = newBot(undefined, [1])
    emu.injectFault(token, { kind: "server_error", count: 2 })
    for (let i = 0; i < 2; i++) {
      const r = await call(token, "getMe")
      expect(r).toEqual({ status: 502, body: { ok: false, error_code: 502, description: "Bad Gateway" } })
    }
    expect((await call(token, "getMe")).status).toBe(200)

    emu.injectFault(token, { kind: "server_error", status: 503, html: true })
    const html = await fetch(`${emu.url}/bot${token}/getMe`)
    expect(html.status).toBe(503)
    expect(html.headers.get("content-type")).toBe("text/html")
    await html.text()

    emu.injectFault(token, { kind: "network", method: "sendMessage" })
    await expect(bot.api.sendMessage(1, "x")).rejects.toBeInstanceOf(HttpError)
    expect((await bot.api.sendMessage(1, "y")).text).toBe("y")
  })

  it("adds latency to every call, or to one method", async () => {
    const { token, bot } = newBot(undefined, [1])
    emu.setLatency(token, { ms: 150 })
    const t0 = Date.now()
    await bot.api.getMe()
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
    emu.setLatency(token, { ms: 0 })
    emu.setLatency(token, { ms: 200, method: "sendMessage" })
    // Only sendMessage is slowed: getMe, sent after it, is answered first, in one
    // request (no retry), while sendMessage still waits.
    const before = emu.stats(token)
    const order: string[] = []
    const slow = bot.api.sendMessage(1, "slow").then(() => order.push("sendMessage"))
    await emu.waitForCall(token, "sendMessage")
    await bot.api.getMe().then(() => order.push("getMe"))
    expect(order).toEqual(["getMe"])
    await slow
    expect(order).toEqual(["getMe", "sendMessage"])
    const after = emu.stats(token)
    expect(after.callsByMethod.getMe).toBe(before.callsByMethod.getMe! + 1)
    expect(after.totalCalls).toBe(before.totalCalls + 2)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140 + 190)
  })
})

describe("HTTP control API", () => {
  it("creates bots, injects, reads stats, summary and faults over HTTP", async () => {
    const created = await control("bots", { username: "http_shop_bot" })
    expect(created.status).toBe(200)
    const token: string = created.body.result.token
    expect(created.body.result.username).toBe("http_shop_bot")

    const given = `99887766:${"b".repeat(35)}`
    expect((await control("createBot", { token: given })).body.result.id).toBe(99887766)
    expect((await control("createBot", { token: given })).status).toBe(409)

    const poll = call(token, "getUpdates", { timeout: 5 })
    expect((await control(`bots/${token}/waitForPoller`, { timeoutMs: 2000 })).body.ok).toBe(true)
    const inj = await control("injectMessage", { token, text: "/buy 3", from: { id: 31337, first_name: "Eve" } })
    expect(inj.body.result).toMatchObject({ updateId: 1, chatId: 31337, messageId: 1 })
    const upd = (await poll).body.result[0]
    expect(upd.message.entities).toEqual([{ type: "bot_command", offset: 0, length: 4 }])

    const photo = await control(`bots/${token}/injectPhoto`, {
      bytesBase64: Buffer.from(TINY_PNG).toString("base64"),
      caption: "paid"
    })
    expect(photo.body.result.fileId).toMatch(/^AgAC/)

    await call(token, "sendMessage", { chat_id: 31337, text: "thanks" })
    expect(
      (await control(`bots/${token}/waitForSent`, { chatId: 31337, textIncludes: "thanks" })).body.result.text
    ).toBe("thanks")

    const stats = await control(`bots/${token}/stats`)
    expect(stats.body.result).toMatchObject({
      getUpdatesCalls: 1,
      activePollers: 0,
      maxConcurrentPollers: 1,
      pendingUpdates: 2
    })
    const many = await control("stats", { tokens: [token, given, "nope"] })
    expect(Object.keys(many.body.result).sort()).toEqual([token, given].sort())

    const summary = await control("summary?polled_within_ms=60000")
    expect(summary.body.result).toMatchObject({ tokens: emu.listBots().length, activePolls: 0 })
    expect(summary.body.result.polledWithin).toBeGreaterThanOrEqual(1)
    expect(summary.body.result.getUpdatesCalls).toBeGreaterThanOrEqual(1)

    expect((await control(`bots/${token}/faults`, { kind: "rate_limit", retryAfter: 3 })).body.ok).toBe(true)
    expect((await call(token, "getMe")).body.parameters).toEqual({ retry_after: 3 })

    const revoke = await fetch(`${emu.url}/control/bots/${token}`, { method: "DELETE" })
    expect(revoke.status).toBe(200)
    expect((await call(token, "getMe")).status).toBe(401)
    expect((await control("noSuchOperation", {})).status).toBe(404)
  })
})

describe("standalone main.ts", () => {
  it("prints its URL, serves, and exits cleanly on SIGTERM", async () => {
    const main = fileURLToPath(new URL("../../src/emulators/telegram/main.ts", import.meta.url))
    const child = spawn(process.execPath, [main, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] })
    try {
      const [line] = (await once(child.stdout!, "data")) as [Buffer]
      const url = /(http:\/\/\S+)/.exec(line.toString())![1]!
      const created = (await (await fetch(`${url}/control/bots`, { method: "POST", body: "{}" })).json()) as Envelope
      const me = (await (await fetch(`${url}/bot${created.result.token}/getMe`)).json()) as Envelope
      expect(me.result.id).toBe(created.result.id)
    } finally {
      child.kill("SIGTERM")
    }
    const [code] = await once(child, "exit")
    expect(code).toBe(0)
  })
})
