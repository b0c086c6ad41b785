/**
 * Issue 19, items 5 and 6. The tenant's own texts: saved through the API or the
 * bot's admin panel only when Telegram would take them (HTML parse mode,
 * 4,096 characters), shown to customers in their language with the built-in
 * text as fallback per language; rules and FAQ appear on the menu only once set.
 * Notification routing: sales, renewals and trials to the notification group's
 * topic, receipts to theirs, alerts to the admin topic, and the daily summary
 * once per tenant and day at its hour in its time zone, with the day's figures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dailySummaryAt } from "../../src/jobs/daily-summary.ts"
import { entitiesToHtml, parseTelegramHtml } from "../../src/telegram/html-text.ts"
import {
  ADMIN,
  ADMIN_CHAT,
  api,
  buttonData,
  buttonsOf,
  createTenant,
  fundWallet,
  mark,
  nextMessage,
  press,
  query,
  say,
  sendReceipt,
  startCardPurchase,
  startChat,
  startShop
} from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"
import type { SentMessage } from "../../src/emulators/telegram/index.ts"

const NOTIFY_GROUP = -1009876543210
const NOTIFY_TOPIC = 9
const RECEIPT_TOPIC = 5
const ADMIN_TOPIC = 7
const SUMMARY_ZONE = "Asia/Tehran"
const SECOND_ADMIN = 9002

let shop: Shop
let tenant: Tenant
/** The local hour (in SUMMARY_ZONE) that starts within the next hour: the summary is due then. */
let summaryAt: Date
let summaryHour: number

const localHour = (at: Date) =>
  Number(new Intl.DateTimeFormat("en-US", { timeZone: SUMMARY_ZONE, hour: "2-digit", hourCycle: "h23" }).format(at))

beforeAll(async () => {
  shop = await startShop()
  // Tehran is UTC+03:30: local hours start at :30 UTC.
  const now = Date.now()
  const boundary = Math.ceil((now - 30 * 60_000) / 3_600_000) * 3_600_000 + 30 * 60_000
  summaryAt = new Date(boundary + 60_000)
  summaryHour = localHour(summaryAt)
  tenant = await createTenant(shop, {
    flags: ["card_to_card", "trial_subscription"],
    config: {
      DEFAULT_LANGUAGE: "en",
      ADMIN_IDS: [ADMIN, SECOND_ADMIN],
      CARD_RECEIPT_TOPIC_ID: RECEIPT_TOPIC,
      ADMIN_TOPIC_ID: ADMIN_TOPIC,
      NOTIFICATION_GROUP_ID: NOTIFY_GROUP,
      NOTIFICATION_TOPIC_ID: NOTIFY_TOPIC,
      DAILY_SUMMARY_HOUR: summaryHour,
      TIME_ZONE: SUMMARY_ZONE
    }
  })
  shop.telegram.createForumTopic(tenant.token, { chatId: ADMIN_CHAT, name: "Alerts", messageThreadId: ADMIN_TOPIC })
  shop.telegram.addBotToChat(tenant.token, { chatId: NOTIFY_GROUP, title: "Sales", isForum: true })
  shop.telegram.createForumTopic(tenant.token, { chatId: NOTIFY_GROUP, name: "Sales", messageThreadId: NOTIFY_TOPIC })
})
afterAll(() => shop?.close())

const stored = async (key: string) =>
  query<{ configValue: unknown }>(
    shop,
    "SELECT config_value FROM bot_configurations WHERE bot_id = $1 AND config_key = $2",
    tenant.botId,
    key
  )

/**
 * Sends `text` until the bot's answer passes `ok`: a setting reaches the bot's
 * tenant cache through NOTIFY, a moment after it was saved. Paced, so the chat
 * stays under Telegram's per-chat limit.
 */
const askUntil = async (user: number, text: string, ok: (m: SentMessage) => boolean) => {
  const deadline = Date.now() + 8000
  for (;;) {
    const since = mark(shop, tenant, user)
    say(shop, tenant, user, text)
    const answer = await nextMessage(shop, tenant, user, since)
    if (ok(answer)) return answer
    if (Date.now() > deadline) throw new Error(`no answer to ${text} passed; last: ${answer.text}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

const menuOf = (message: { replyMarkup?: unknown }) => JSON.stringify(message.replyMarkup)

describe("the tenant's own texts", () => {
  it("refuses bad HTML and over-long texts through the API with the reason, saving nothing", async () => {
    const cases: Array<[string, RegExp]> = [
      ["<b>Welcome", /Can't find end tag corresponding to start tag "b"/],
      ["<div>Welcome</div>", /Unsupported start tag "div" at byte offset 0/],
      ["<b><i>Welcome</b></i>", /Unmatched end tag at byte offset 13, expected "<\/i>", found "<\/b>"/],
      ["<span>x</span>", /Tag "span" must have class "tg-spoiler"/],
      [`<b>${"a".repeat(4097)}</b>`, /is 4097 characters once formatting is removed; Telegram allows at most 4096/],
      ["<b> </b>", /empty/]
    ]
    for (const [html, reason] of cases) {
      const res = await api(shop, tenant, "PUT", "/config/TEXT_WELCOME_EN", { value: html })
      expect(res.status, html).toBe(400)
      expect(res.body.code).toBe("validation_failed")
      expect(res.body.fields[0].path).toBe("TEXT_WELCOME_EN")
      expect(res.body.fields[0].message, html).toMatch(reason)
    }
    expect(await stored("TEXT_WELCOME_EN")).toEqual([])
    // 4,096 characters after parsing is fine, however long the markup.
    const long = `<a href="https://example.com/${"x".repeat(500)}">${"a".repeat(4000)}</a>${"&lt;".repeat(96)}`
    expect((await api(shop, tenant, "PUT", "/config/TEXT_FAQ_RU", { value: long })).status).toBe(200)
    expect((await api(shop, tenant, "DELETE", "/config/TEXT_FAQ_RU")).status).toBe(204)
  })

  it("turns a message's own formatting into HTML that Telegram parses back to it", () => {
    const text = "😀 Bold and nested <tags> & a link, `code`"
    const entities = [
      { type: "bold", offset: 3, length: 15 },
      { type: "italic", offset: 12, length: 6 },
      { type: "underline", offset: 12, length: 6 },
      { type: "text_link", offset: 28, length: 6, url: 'https://example.com/?a=1&b="2"' },
      { type: "mention", offset: 0, length: 2 },
      { type: "code", offset: 36, length: 6 }
    ]
    const html = entitiesToHtml(text, entities)
    expect(html).toBe(
      '😀 <b>Bold and <i><u>nested</u></i></b> &lt;tags&gt; &amp; <a href="https://example.com/?a=1&amp;b=&quot;2&quot;">a link</a>, <code>`code`</code>'
    )
    const parsed = parseTelegramHtml(html)
    expect(parsed.text).toBe(text)
    // The same entities (two on one range may come back in either order).
    expect(parsed.entities).toHaveLength(5)
    expect(parsed.entities).toEqual(expect.arrayContaining(entities.filter((e) => e.type !== "mention")))
  })

  it("shows a customer the tenant's text in their language, else the built-in text in theirs", async () => {
    const before = await startChat(shop, tenant, 501)
    expect(menuOf(before)).not.toContain("Rules")
    expect(before.text).toContain("Welcome to")

    const welcome = "<b>Hello</b> from our <i>shop</i> &amp; friends"
    expect((await api(shop, tenant, "PUT", "/config/TEXT_WELCOME_EN", { value: welcome })).body).toEqual({
      key: "TEXT_WELCOME_EN",
      value: welcome
    })
    const rulesFa = "<b>قوانین</b>: بازپرداخت ندارد."
    expect((await api(shop, tenant, "PUT", "/config/TEXT_RULES_FA", { value: rulesFa })).status).toBe(200)

    // English customer: the shop's welcome (HTML parsed by Telegram), and a Rules entry on the menu.
    const own = await askUntil(501, "/start", (m) => m.text === "Hello from our shop & friends")
    expect(own.parseMode).toBe("HTML")
    expect(own.message.entities).toEqual([
      { type: "bold", offset: 0, length: 5 },
      { type: "italic", offset: 15, length: 4 }
    ])
    expect(menuOf(own)).toContain("📜 Rules")
    // Rules exist only in Persian: the English customer gets the built-in English text.
    let since = mark(shop, tenant, 501)
    say(shop, tenant, 501, "📜 Rules")
    expect((await nextMessage(shop, tenant, 501, since)).text).toContain("has not published its rules in your language")

    // Persian customer: the built-in Persian welcome (no Persian welcome set), the shop's Persian rules.
    const choose = await startChat(shop, tenant, 502)
    since = mark(shop, tenant, 502)
    press(shop, tenant, 502, choose, "lang:fa")
    const set = await nextMessage(shop, tenant, 502, since)
    expect(menuOf(set)).toContain("📜 قوانین")
    since = mark(shop, tenant, 502)
    say(shop, tenant, 502, "/start")
    const faWelcome = await nextMessage(shop, tenant, 502, since)
    expect(faWelcome.text).not.toContain("Hello")
    expect(faWelcome.parseMode).toBeUndefined()
    since = mark(shop, tenant, 502)
    say(shop, tenant, 502, "📜 قوانین")
    const rules = await nextMessage(shop, tenant, 502, since)
    expect(rules.text).toBe("قوانین: بازپرداخت ندارد.")
    expect(rules.parseMode).toBe("HTML")
  })

  it("lets the shop's admin edit a text in the bot: refused with the reason, previewed, saved, reset", async () => {
    // The screens, as one admin walks them.
    let since = mark(shop, tenant, ADMIN)
    say(shop, tenant, ADMIN, "/admin")
    const panel = await nextMessage(shop, tenant, ADMIN, since, "admin panel")
    since = mark(shop, tenant, ADMIN)
    press(shop, tenant, ADMIN, panel, buttonData(panel, "adm:x"))
    const kinds = await nextMessage(shop, tenant, ADMIN, since, "Pick one")
    since = mark(shop, tenant, ADMIN)
    press(shop, tenant, ADMIN, kinds, buttonData(kinds, "adm:x:faq"))
    const languages = await nextMessage(shop, tenant, ADMIN, since, "pick a language")
    expect(buttonsOf(languages)).toEqual(["adm:x:faq:fa", "adm:x:faq:en", "adm:x:faq:ru"])

    // The edit, by the second admin (each admin's chat has its own Telegram pace).
    since = mark(shop, tenant, SECOND_ADMIN)
    say(shop, tenant, SECOND_ADMIN, "/admin")
    const own = await nextMessage(shop, tenant, SECOND_ADMIN, since, "admin panel")
    since = mark(shop, tenant, SECOND_ADMIN)
    press(shop, tenant, SECOND_ADMIN, own, "adm:x:faq:en")
    await nextMessage(shop, tenant, SECOND_ADMIN, since, "Send the new")
    since = mark(shop, tenant, SECOND_ADMIN)
    say(shop, tenant, SECOND_ADMIN, "<b>Q:</b> <blink>How?</blink>")
    const refused = await nextMessage(shop, tenant, SECOND_ADMIN, since, "cannot be used")
    expect(refused.text).toContain('Unsupported start tag "blink" at byte offset 10')
    expect(await stored("TEXT_FAQ_EN")).toEqual([])

    // Written with Telegram's own formatting: saved as the HTML that gives it back, a literal "<" escaped.
    since = mark(shop, tenant, SECOND_ADMIN)
    shop.telegram.injectMessage(tenant.token, {
      text: "Q: How? 1 < 2\nA: Like this.",
      entities: [
        { type: "bold", offset: 0, length: 2 },
        { type: "expandable_blockquote", offset: 14, length: 13 }
      ],
      from: { id: SECOND_ADMIN, first_name: "Admin" }
    })
    const preview = await nextMessage(shop, tenant, SECOND_ADMIN, since, "Q: How?")
    expect(preview.parseMode).toBe("HTML")
    const save = await nextMessage(shop, tenant, SECOND_ADMIN, since, "Save it?")
    expect(await stored("TEXT_FAQ_EN")).toEqual([])
    since = mark(shop, tenant, SECOND_ADMIN)
    press(shop, tenant, SECOND_ADMIN, save, "adm:xs")
    await nextMessage(shop, tenant, SECOND_ADMIN, since, "Saved")
    expect(await stored("TEXT_FAQ_EN")).toEqual([
      { configValue: "<b>Q:</b> How? 1 &lt; 2\n<blockquote expandable>A: Like this.</blockquote>" }
    ])
    const faq = await askUntil(503, "❓ FAQ", (m) => m.text?.startsWith("Q: How?") === true)
    expect(faq.text).toBe("Q: How? 1 < 2\nA: Like this.")
    expect(faq.message.entities).toEqual([
      { type: "bold", offset: 0, length: 2 },
      { type: "expandable_blockquote", offset: 14, length: 13 }
    ])

    // Reset to the built-in text, from the languages screen.
    since = mark(shop, tenant, ADMIN)
    press(shop, tenant, ADMIN, languages, "adm:x:faq:en")
    const prompt = await nextMessage(shop, tenant, ADMIN, since, "Send the new")
    since = mark(shop, tenant, ADMIN)
    press(shop, tenant, ADMIN, prompt, buttonData(prompt, "adm:xr:faq:en"))
    await nextMessage(shop, tenant, ADMIN, since, "shows the built-in text again")
    expect(await stored("TEXT_FAQ_EN")).toEqual([])
  })
})

describe("notification routing", () => {
  const NOTIFY_TEXT = (m: { text?: string; messageThreadId?: number }) => m.messageThreadId === NOTIFY_TOPIC

  it("sends sales, renewals and trials to the notification topic, receipts to theirs, alerts to the admin topic", async () => {
    // A trial.
    let since = mark(shop, tenant, NOTIFY_GROUP)
    await startChat(shop, tenant, 601)
    say(shop, tenant, 601, "🎁 Free trial")
    const trial = await nextMessage(shop, tenant, NOTIFY_GROUP, since, "started the free trial")
    expect(trial.messageThreadId).toBe(NOTIFY_TOPIC)
    expect(trial.text).toContain("[601]")

    // A first purchase, then a renewal, from the wallet.
    const welcome = await startChat(shop, tenant, 602)
    await fundWallet(shop, tenant, 602, 1_000_000)
    for (const expected of ["bought Monthly 50GB", "renewed Monthly 50GB"]) {
      since = mark(shop, tenant, NOTIFY_GROUP)
      const userSince = mark(shop, tenant, 602)
      press(shop, tenant, 602, welcome, `pc:w:${tenant.planIds[0]}`)
      await nextMessage(shop, tenant, 602, userSince, /subscription is ready|subscription was extended/)
      const sale = await nextMessage(shop, tenant, NOTIFY_GROUP, since, expected)
      expect(sale.messageThreadId).toBe(NOTIFY_TOPIC)
      expect(sale.text).toContain("(wallet)")
    }

    // A receipt keeps its own topic, and is not a sale.
    await startCardPurchase(shop, tenant, 603, tenant.planIds[0]!)
    const receipt = await sendReceipt(shop, tenant, 603, { text: "paid" })
    expect(receipt.messageThreadId).toBe(RECEIPT_TOPIC)

    // An operational alert goes to the admin topic.
    since = mark(shop, tenant, ADMIN_CHAT)
    await query(
      shop,
      `INSERT INTO job_notices (bot_id, kind, payload) VALUES ($1, 'panel_drift', '{"drift":"deleted","users":["b1_u1"]}')`,
      tenant.botId
    )
    const alert = await nextMessage(shop, tenant, ADMIN_CHAT, since, "b1_u1")
    expect(alert.messageThreadId).toBe(ADMIN_TOPIC)
    expect(shop.telegram.sentMessages(tenant.token, NOTIFY_GROUP).every(NOTIFY_TEXT)).toBe(true)
  })

  it("sends the daily summary once, at the tenant's hour in its time zone, with the day's figures", async () => {
    const run = (at: Date) => shop.app.run(dailySummaryAt(at))
    const since = mark(shop, tenant, NOTIFY_GROUP)
    // Before the hour: not due (unless the hour is midnight, when the previous local day's summary is due).
    if (summaryHour > 0) expect((await run(new Date(summaryAt.getTime() - 2 * 60_000))).items).toBe(0)
    await run(summaryAt)
    await run(summaryAt)
    await run(new Date(summaryAt.getTime() + 30 * 60_000))
    const summary = await nextMessage(shop, tenant, NOTIFY_GROUP, since, "New customers")
    expect(summary.messageThreadId).toBe(NOTIFY_TOPIC)
    const [customers] = await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM users WHERE bot_id = $1",
      tenant.botId
    )
    expect(summary.text).toContain(`New customers: ${customers!.n}\n`)
    expect(summary.text).toContain("Trials: 1\n")
    expect(summary.text).toContain("First purchases: 1\n")
    expect(summary.text).toContain("Renewals: 1\n")
    expect(summary.text).toMatch(/• wallet: 2 \(300,000/)
    const rows = await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM daily_summaries WHERE bot_id = $1",
      tenant.botId
    )
    expect(rows[0]!.n).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(
      shop.telegram.sentMessages(tenant.token, NOTIFY_GROUP).filter((m) => m.text?.includes("New customers"))
    ).toHaveLength(1)
  })
})
