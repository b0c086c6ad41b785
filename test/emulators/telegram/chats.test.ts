// Chats as the bot knows them (check_chat, check_chat_access, check_message_topic),
// blocked users, callback query age, and supplied entities (get_text_entity,
// TDLib's fix_formatted_text) — each answered with the real server's words.
import { describe, expect, it } from "vitest"
import { call, control, newBot, sleep, useEmulator } from "./support.ts"

const ctx = useEmulator()

const CHAT_NOT_FOUND = { ok: false, error_code: 400, description: "Bad Request: chat not found" }
const send = (token: string, params: Record<string, unknown>) => call(ctx.emu, token, "sendMessage", params)

describe("chats the bot knows", () => {
  it("400 chat not found for a user who never wrote to the bot and a group it is not in", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    expect((await send(token, { chat_id: 4001, text: "hello?" })).body).toEqual(CHAT_NOT_FOUND)
    expect((await send(token, { chat_id: -1001000004001, text: "hello?" })).body).toEqual(CHAT_NOT_FOUND)
    expect((await call(emu, token, "getChat", { chat_id: 4001 })).body).toEqual(CHAT_NOT_FOUND)
    expect(emu.sentMessages(token)).toEqual([])
    // once the user has written, the chat exists
    emu.injectMessage(token, { text: "hi", from: 4001 })
    expect((await send(token, { chat_id: 4001, text: "hello!" })).status).toBe(200)
  })

  it("a user seen only in a group can be read but not written to (403)", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    emu.injectMessage(token, { text: "hi all", from: 4002, chatId: -1001000004002 })
    expect((await send(token, { chat_id: -1001000004002, text: "hi group" })).status).toBe(200)
    expect((await send(token, { chat_id: 4002, text: "hi you" })).body).toEqual({
      ok: false,
      error_code: 403,
      description: "Forbidden: bot can't initiate conversation with a user"
    })
    expect((await call(emu, token, "getChat", { chat_id: 4002 })).body.result).toMatchObject({ type: "private" })
    expect((await send(token, { chat_id: 4002, text: "hi you" })).status).toBe(403) // reading did not open it
  })

  it("control API: open a private chat (as if Start was pressed), add the bot to a group", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    expect((await control(emu, "openPrivateChat", { token, userId: 4003 })).body.result).toEqual({ chatId: 4003 })
    expect((await send(token, { chat_id: 4003, text: "welcome, admin" })).status).toBe(200)
    expect(emu.stats(token).pendingUpdates).toBe(0) // quietly: no update
    const started = await control(emu, "openPrivateChat", { token, userId: 4004, sendStart: true })
    expect(started.body.result).toMatchObject({ chatId: 4004, updateId: 1 })

    const added = await control(emu, "addBotToChat", { token, chatId: -1001000004005, title: "Admins", notify: true })
    expect(added.body.result).toMatchObject({ chatId: -1001000004005, updateId: 2 })
    const updates = (await call(emu, token, "getUpdates", { offset: 2 })).body.result
    expect(updates[0].my_chat_member).toMatchObject({
      chat: { id: -1001000004005, type: "supergroup", title: "Admins" },
      old_chat_member: { status: "left" },
      new_chat_member: { status: "member", user: { is_bot: true } }
    })
    expect((await send(token, { chat_id: -1001000004005, text: "receipt" })).status).toBe(200)
    emu.setChatMemberStatus(token, {
      chatId: -1001000004005,
      userId: emu.listBots().find((b) => b.token === token)!.id,
      status: "left"
    })
    expect((await send(token, { chat_id: -1001000004005, text: "again" })).body.description).toBe(
      "Forbidden: bot is not a member of the supergroup chat"
    )
  })
})

describe("blocked users", () => {
  it("403 once the user blocked the bot; unblocking, or writing again, reopens the chat", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    emu.openPrivateChat(token, { userId: 4010 })
    expect((await control(emu, "blockBot", { token, userId: 4010 })).status).toBe(200)
    const blocked = { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" }
    expect((await send(token, { chat_id: 4010, text: "still there?" })).body).toEqual(blocked)
    expect((await call(emu, token, "sendPhoto", { chat_id: 4010, photo: "https://x.example/p.png" })).body).toEqual(
      blocked
    )
    expect((await control(emu, "unblockBot", { token, userId: 4010 })).status).toBe(200)
    expect((await send(token, { chat_id: 4010, text: "welcome back" })).status).toBe(200)

    emu.blockBot(token, { userId: 4010 })
    expect((await send(token, { chat_id: 4010, text: "x" })).status).toBe(403)
    const { updateId } = emu.injectMessage(token, { text: "/start", from: 4010 })
    expect((await send(token, { chat_id: 4010, text: "hello again" })).status).toBe(200)
    // the bot saw the unblock before the message
    const kinds = (await call(emu, token, "getUpdates", { offset: 1 })).body.result.map((u: Record<string, unknown>) =>
      Object.keys(u).find((k) => k !== "update_id")
    )
    expect(kinds).toEqual(["my_chat_member", "my_chat_member", "my_chat_member", "my_chat_member", "message"])
    expect(updateId).toBe(5)
  })
})

describe("forum topics", () => {
  it("400 message thread not found for a topic that does not exist; ignored outside forums", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const forum = -1001000004020
    emu.addBotToChat(token, { chatId: forum, isForum: true })
    const topic = (await control(emu, "createForumTopic", { token, chatId: forum, name: "Receipts" })).body.result
    expect(topic).toMatchObject({ chatId: forum, name: "Receipts" })
    const ok = await send(token, { chat_id: forum, message_thread_id: topic.messageThreadId, text: "in topic" })
    expect(ok.body.result).toMatchObject({ message_thread_id: topic.messageThreadId, is_topic_message: true })
    const notFound = { ok: false, error_code: 400, description: "Bad Request: message thread not found" }
    expect((await send(token, { chat_id: forum, message_thread_id: 999, text: "x" })).body).toEqual(notFound)
    expect((await send(token, { chat_id: forum, message_thread_id: 1, text: "x" })).body).toEqual(notFound)
    // a topic a user wrote in exists
    emu.injectMessage(token, { text: "q", from: 4021, chatId: forum, messageThreadId: 77 })
    expect((await send(token, { chat_id: forum, message_thread_id: 77, text: "a" })).status).toBe(200)
    // a private chat has no topics here
    emu.openPrivateChat(token, { userId: 4021 })
    expect((await send(token, { chat_id: 4021, message_thread_id: 5, text: "x" })).body).toEqual(notFound)
    // a supergroup that is not a forum ignores message_thread_id
    emu.addBotToChat(token, { chatId: -1001000004022 })
    const plain = await send(token, { chat_id: -1001000004022, message_thread_id: 5, text: "x" })
    expect(plain.status).toBe(200)
    expect(plain.body.result.message_thread_id).toBeUndefined()
  })
})

describe("answerCallbackQuery", () => {
  it("400 for a query past its age, an unknown id, or one already answered", async () => {
    const { emu } = ctx
    const { token, bot } = newBot(emu)
    expect(emu.rules(token).callbackQueryTtlMs).toBe(15_000)
    emu.setRules(token, { callbackQueryTtlMs: 200 }) // shorter is stricter: keeps the test quick
    emu.openPrivateChat(token, { userId: 4030 })
    const m = await bot.api.sendMessage(4030, "pick", {
      reply_markup: { inline_keyboard: [[{ text: "a", callback_data: "a" }]] }
    })
    const old = emu.injectCallbackQuery(token, { from: 4030, messageId: m.message_id, data: "a" })
    const fresh = emu.injectCallbackQuery(token, { from: 4030, messageId: m.message_id, data: "a" })
    const tooOld = {
      ok: false,
      error_code: 400,
      description: "Bad Request: query is too old and response timeout expired or query ID is invalid"
    }
    expect((await call(emu, token, "answerCallbackQuery", { callback_query_id: fresh.callbackQueryId })).body).toEqual({
      ok: true,
      result: true
    })
    await sleep(250)
    expect((await call(emu, token, "answerCallbackQuery", { callback_query_id: old.callbackQueryId })).body).toEqual(
      tooOld
    )
    expect((await call(emu, token, "answerCallbackQuery", { callback_query_id: "123" })).body).toEqual(tooOld)
  })
})

describe("supplied entities", () => {
  const fails = async (token: string, text: string, entities: unknown) =>
    (await send(token, { chat_id: 4040, text, entities })).body.description

  it("offsets and lengths are checked against the text in UTF-16 units", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    emu.openPrivateChat(token, { userId: 4040 })
    expect(await fails(token, "hello", [{ type: "bold", offset: 3, length: 5 }])).toBe(
      "Bad Request: entity beginning at UTF-16 offset 3 ends after the end of the text at UTF-16 offset 8"
    )
    expect(await fails(token, "hello", [{ type: "bold", offset: 6, length: 1 }])).toBe(
      "Bad Request: entity begins after the end of the text at UTF-16 offset 6"
    )
    expect(await fails(token, "hello", [{ type: "bold", offset: -1, length: 1 }])).toBe(
      "Bad Request: receive an entity with incorrect offset -1"
    )
    // 👍 is two UTF-16 units (four UTF-8 bytes)
    expect(await fails(token, "👍 ok", [{ type: "bold", offset: 1, length: 1 }])).toBe(
      "Bad Request: entity begins in a middle of a UTF-16 symbol at byte offset 4"
    )
    const ok = await send(token, {
      chat_id: 4040,
      text: "👍 ok",
      entities: [
        { type: "italic", offset: 3, length: 2 },
        { type: "bold", offset: 0, length: 2 },
        { type: "url", offset: 3, length: 2 }
      ]
    })
    expect(ok.body.result.entities).toEqual([
      { type: "bold", offset: 0, length: 2 },
      { type: "italic", offset: 3, length: 2 }
    ])
  })

  it("each entity is parsed: known types, required fields", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    emu.openPrivateChat(token, { userId: 4040 })
    expect(await fails(token, "hello", [{ type: "glow", offset: 0, length: 1 }])).toBe(
      "Bad Request: can't parse MessageEntity: Unsupported type specified"
    )
    expect(await fails(token, "hello", [{ type: "text_link", offset: 0, length: 5 }])).toBe(
      "Bad Request: can't parse MessageEntity: Can't find field \"url\""
    )
    expect(await fails(token, "hello", [{ type: "bold", offset: 0 }])).toBe(
      "Bad Request: can't parse MessageEntity: Can't find field \"length\""
    )
    expect(await fails(token, "hello", [{ type: "text_mention", offset: 0, length: 5, user: 7 }])).toBe(
      'Bad Request: can\'t parse MessageEntity: Field "user" must be of type Object'
    )
    expect(await fails(token, "hello", ["bold"])).toBe("Bad Request: can't parse MessageEntity: expected an Object")
    // a parse_mode wins: the entities are not even read
    const html = await send(token, {
      chat_id: 4040,
      text: "<b>hi</b>",
      parse_mode: "HTML",
      entities: [{ type: "glow", offset: 0, length: 99 }]
    })
    expect(html.body.result).toMatchObject({ text: "hi", entities: [{ type: "bold", offset: 0, length: 2 }] })
    const caption = await call(emu, token, "sendPhoto", {
      chat_id: 4040,
      photo: "https://x.example/p.png",
      caption: "paid",
      caption_entities: [{ type: "bold", offset: 2, length: 9 }]
    })
    expect(caption.body.description).toBe(
      "Bad Request: entity beginning at UTF-16 offset 2 ends after the end of the text at UTF-16 offset 11"
    )
  })
})
