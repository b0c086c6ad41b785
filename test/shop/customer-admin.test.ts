/**
 * Customer management by a tenant's admins (issue 19, item 4), in the bot's
 * admin panel and through the REST API: find a customer, their card, wallet
 * adjustments (never below zero), subscription days and a granted plan (the
 * Remnawave panel follows), ban and unban (one refusal, then silence) — each
 * checked in the ledger, on the panel and in the admin_actions audit; and
 * neither the bot nor the API lets one tenant reach another tenant's customer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ADMIN,
  answerTo,
  api,
  buttonData,
  createTenant,
  mark,
  nextMessage,
  press,
  query,
  say,
  startChat,
  startShop,
  until
} from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"
import type { SentMessage } from "../../src/emulators/telegram/index.ts"

const DAY = 86_400_000
/**
 * A bot may send about one message a second to a chat, in short bursts
 * (Telegram's limit; the service paces itself below it): each step below is
 * done by another of the shop's admins in their own chat, each of whom opened
 * the customer's card at the start, so no step waits for the pace of another.
 */
const ADMINS = {
  credit: ADMIN,
  overdraw: 9002,
  debit: 9003,
  grant: 9004,
  addDays: 9005,
  takeDays: 9006,
  ban: 9007,
  foreign: 9008
}
const CUSTOMER = 7101
const OTHER_SHOPS_CUSTOMER = 7201

let shop: Shop
let a: Tenant
let b: Tenant

beforeAll(async () => {
  shop = await startShop()
  ;[a, b] = await Promise.all([
    createTenant(shop, { config: { DEFAULT_LANGUAGE: "en", ADMIN_IDS: Object.values(ADMINS) } }),
    createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
  ])
  await Promise.all([startChat(shop, a, CUSTOMER), startChat(shop, b, OTHER_SHOPS_CUSTOMER)])
})
afterAll(() => shop?.close())

const userId = async (tenant: Tenant, telegramId: number) =>
  (
    await until(
      () =>
        query<{ id: number }>(
          shop,
          "SELECT id FROM users WHERE bot_id = $1 AND telegram_id = $2",
          tenant.botId,
          telegramId
        ),
      (rows) => rows.length === 1
    )
  )[0]!.id

const balanceOf = async (id: number) =>
  (await query<{ balance: number }>(shop, "SELECT balance FROM users WHERE id = $1", id))[0]!.balance

const ledgerOf = (id: number) =>
  query<{ type: string; amount: number; paymentMethod: string; reference: string; description: string }>(
    shop,
    "SELECT type, amount, payment_method, reference, description FROM transactions WHERE user_id = $1 ORDER BY id",
    id
  )

const auditOf = (id: number) =>
  query<{ botId: number; kind: string; adminTelegramId: number | null; apiToken: string | null; details: any }>(
    shop,
    "SELECT bot_id, kind, admin_telegram_id, api_token, details FROM admin_actions WHERE user_id = $1 ORDER BY id",
    id
  )

const panelExpiry = (telegramId: number) => {
  const user = shop.panel.user(`b${a.botId}_u${telegramId}`)
  return user ? new Date(user.expireAt).getTime() : undefined
}

/** Waits until the panel user's expiry is `days` from now (± a minute). */
const panelEndsIn = (telegramId: number, days: number) =>
  until(
    async () => panelExpiry(telegramId),
    (t) => t !== undefined && Math.abs(t - (Date.now() + days * DAY)) < 60_000
  )

/** An admin types a customer's id or @username (answered with the card, or a miss). */
const search = async (tenant: Tenant, admin: number, text: string) => {
  const since = mark(shop, tenant, admin)
  say(shop, tenant, admin, text)
  return nextMessage(shop, tenant, admin, since, /Wallet:|No customer/)
}

/** The admin's /admin → Customers → typed query; the card (or the miss). */
const findInBot = async (tenant: Tenant, admin: number, text: string) => {
  let since = mark(shop, tenant, admin)
  say(shop, tenant, admin, "/admin")
  const panel = await nextMessage(shop, tenant, admin, since, "admin panel")
  since = mark(shop, tenant, admin)
  press(shop, tenant, admin, panel, buttonData(panel, "adm:u"))
  await nextMessage(shop, tenant, admin, since, "Telegram id or @username")
  return search(tenant, admin, text)
}

/** Presses a card button that asks for text, then sends it; the bot's answer. */
const typeAfter = async (admin: number, card: SentMessage, data: string, text: string, answer: RegExp) => {
  let since = mark(shop, a, admin)
  press(shop, a, admin, card, data)
  await nextMessage(shop, a, admin, since, /Send the/)
  since = mark(shop, a, admin)
  say(shop, a, admin, text)
  return nextMessage(shop, a, admin, since, answer)
}

/** Waits until the bot has handled this update (it may answer nothing at all). */
const handled = (tenant: Tenant, updateId: number) =>
  until(
    () =>
      query<{ n: number }>(
        shop,
        "SELECT count(*)::int AS n FROM processed_updates WHERE bot_id = $1 AND update_id = $2",
        tenant.botId,
        updateId
      ),
    (rows) => rows[0]!.n === 1
  )

const REFUSAL = "can no longer serve you"

describe("customer management in the admin panel", () => {
  it("finds, adjusts the wallet (never below zero), grants a plan, changes days, bans and unbans, all audited", async () => {
    const id = await userId(a, CUSTOMER)
    const { foreign: _, ...acting } = ADMINS
    const cards = Object.fromEntries(
      await Promise.all(
        Object.entries(acting).map(
          async ([step, admin]) =>
            [step, await findInBot(a, admin, step === "credit" ? "@User7101" : String(CUSTOMER))] as const
        )
      )
    ) as Record<keyof typeof acting, SentMessage>
    let card = cards.credit
    expect(card.text).toContain("User7101 (@user7101) [7101]")
    expect(card.text).toContain("Status: can use the shop")

    // Wallet: a credit, a refused debit past the balance, a debit.
    card = await typeAfter(ADMINS.credit, card, `adm:uw:${id}`, "+50000 outage compensation", /Done: the wallet/)
    expect(card.text).toContain("50,000")
    const short = await typeAfter(
      ADMINS.overdraw,
      cards.overdraw,
      `adm:uw:${id}`,
      "-60000 too much",
      /cannot be debited/
    )
    expect(short.text).toContain("Nothing was changed")
    expect(await balanceOf(id)).toBe(50_000)
    card = await typeAfter(ADMINS.debit, cards.debit, `adm:uw:${id}`, "−20000 correction", /Done: the wallet/)
    await until(
      () => balanceOf(id),
      (balance) => balance === 30_000
    )
    expect(await ledgerOf(id)).toEqual([
      {
        type: "adjustment",
        amount: 50_000,
        paymentMethod: "admin",
        reference: `admin:${ADMINS.credit}`,
        description: "outage compensation"
      },
      {
        type: "adjustment",
        amount: -20_000,
        paymentMethod: "admin",
        reference: `admin:${ADMINS.debit}`,
        description: "correction"
      }
    ])

    // A plan granted without payment: the panel user gets the plan's 30 days; a second press of the same button is stale.
    const walletBefore = await balanceOf(id)
    let since = mark(shop, a, ADMINS.grant)
    press(shop, a, ADMINS.grant, cards.grant, buttonData(cards.grant, "adm:up:"))
    const plans = await nextMessage(shop, a, ADMINS.grant, since, "Which plan")
    const grant = buttonData(plans, `adm:ug:${id}:${a.planIds[0]}:`)
    const customerSince = mark(shop, a, CUSTOMER)
    since = mark(shop, a, ADMINS.grant)
    press(shop, a, ADMINS.grant, plans, grant)
    card = await nextMessage(shop, a, ADMINS.grant, since, "granted until")
    await nextMessage(shop, a, CUSTOMER, customerSince, "subscription is ready")
    await panelEndsIn(CUSTOMER, 30)
    const again = press(shop, a, ADMINS.grant, plans, grant)
    expect((await answerTo(shop, a, again.callbackQueryId!)).text).toContain("out of date")
    expect(await balanceOf(id)).toBe(walletBefore)
    const charges = await query<{ amount: number }>(
      shop,
      "SELECT amount FROM tenant_wallet_transactions WHERE bot_id = $1 AND reference LIKE 'grant:%'",
      a.botId
    )
    expect(charges.map((c) => c.amount)).toEqual([-50 * 100])

    // Days: +7 (typed in Persian digits) reaches the panel (the customer hears of it), −10 too, silently.
    await typeAfter(ADMINS.addDays, cards.addDays, `adm:ud:${id}`, "+۷", /Done: the subscription now ends/)
    await panelEndsIn(CUSTOMER, 37)
    await nextMessage(shop, a, CUSTOMER, customerSince, "extended until")
    await typeAfter(ADMINS.takeDays, cards.takeDays, `adm:ud:${id}`, "-10", /Done: the subscription now ends/)
    await panelEndsIn(CUSTOMER, 27)
    const told = shop.telegram
      .sentMessages(a.token, CUSTOMER)
      .slice(customerSince)
      .filter((m) => m.text?.includes("extended"))
    expect(told).toHaveLength(1)

    // Ban: the customer's next message gets one refusal; /start and a press after it, nothing.
    since = mark(shop, a, ADMINS.ban)
    press(shop, a, ADMINS.ban, cards.ban, `adm:ub:${id}:on`)
    card = await nextMessage(shop, a, ADMINS.ban, since, "Banned.")
    expect(card.text).toContain("banned since")
    const bannedSince = mark(shop, a, CUSTOMER)
    say(shop, a, CUSTOMER, "/start")
    await nextMessage(shop, a, CUSTOMER, bannedSince, REFUSAL)
    await handled(a, say(shop, a, CUSTOMER, "hello?").updateId)
    await handled(a, say(shop, a, CUSTOMER, "/start").updateId)
    const refusal = shop.telegram.sentMessages(a.token, CUSTOMER).at(-1)!
    await handled(a, press(shop, a, CUSTOMER, refusal, "menu:wallet").updateId)
    expect(
      shop.telegram
        .sentMessages(a.token, CUSTOMER)
        .slice(bannedSince)
        .map((m) => m.text)
    ).toEqual([expect.stringContaining(REFUSAL)])

    // Unban: /start works again.
    since = mark(shop, a, ADMINS.ban)
    press(shop, a, ADMINS.ban, card, `adm:ub:${id}:off`)
    card = await nextMessage(shop, a, ADMINS.ban, since, "Unbanned.")
    expect((await startChat(shop, a, CUSTOMER)).text).toMatch(/welcome/i)

    const audit = await until(
      () => auditOf(id),
      (rows) => rows.length === 7
    )
    expect(audit.map((r) => [r.botId, r.kind, r.adminTelegramId, r.apiToken])).toEqual([
      [a.botId, "wallet_credit", ADMINS.credit, null],
      [a.botId, "wallet_debit", ADMINS.debit, null],
      [a.botId, "grant_plan", ADMINS.grant, null],
      [a.botId, "subscription_days", ADMINS.addDays, null],
      [a.botId, "subscription_days", ADMINS.takeDays, null],
      [a.botId, "ban", ADMINS.ban, null],
      [a.botId, "unban", ADMINS.ban, null]
    ])
    // The card shows the latest actions, newest first.
    expect(card.text).toMatch(
      /Admin actions:\n.*admin 9007: unbanned\n.*admin 9007: banned\n.*admin 9006: subscription -10 days/
    )
  })

  it("an admin of one shop cannot find or touch another shop's customer", async () => {
    const admin = ADMINS.foreign
    expect((await findInBot(a, admin, "@user7201")).text).toContain("No customer")
    expect((await search(a, admin, String(OTHER_SHOPS_CUSTOMER))).text).toContain("No customer")
    // Forged buttons naming the other shop's customer.
    const foreign = await userId(b, OTHER_SHOPS_CUSTOMER)
    const missed = shop.telegram.sentMessages(a.token, admin).at(-1)!
    const since = mark(shop, a, admin)
    press(shop, a, admin, missed, `adm:uc:${foreign}`)
    expect((await nextMessage(shop, a, admin, since)).text).toContain("No customer")
    const banned = press(shop, a, admin, missed, `adm:ub:${foreign}:on`)
    await answerTo(shop, a, banned.callbackQueryId!)
    expect(await auditOf(foreign)).toEqual([])
    const row = await query<{ bannedAt: Date | null }>(shop, "SELECT banned_at FROM users WHERE id = $1", foreign)
    expect(row[0]!.bannedAt).toBeNull()
  })
})

describe("customer management through the API", () => {
  it("every action, audited with the API token; debits below zero refused; another tenant's customer unreachable", async () => {
    const id = await userId(a, CUSTOMER)
    const found = await api(shop, a, "GET", `/users/find?query=${encodeURIComponent("@user7101")}`)
    expect(found.status).toBe(200)
    expect(found.body.user.id).toBe(id)
    expect(found.body.subscription.status).toBe("active")
    expect(found.body.actions[0].kind).toBe("unban")
    expect(found.body.ledger[0]).toMatchObject({ amount: -20_000, description: "correction" })
    expect((await api(shop, a, "GET", "/users/find?query=7201")).status).toBe(404)

    const balance = await balanceOf(id)
    const tooMuch = await api(shop, a, "POST", `/users/${id}/wallet-adjustments`, {
      amount: -(balance + 1),
      reason: "too much"
    })
    expect(tooMuch.status).toBe(409)
    expect(tooMuch.body.code).toBe("insufficient_balance")
    expect((await api(shop, a, "POST", `/users/${id}/wallet-adjustments`, { amount: 0, reason: "x" })).status).toBe(400)
    const credited = await api(shop, a, "POST", `/users/${id}/wallet-adjustments`, {
      amount: 1000,
      reason: "api bonus"
    })
    expect(credited.status).toBe(200)
    expect(credited.body.user.balance).toBe(balance + 1000)
    expect(credited.body.ledger[0]).toMatchObject({ amount: 1000, reference: "api:tenant", description: "api bonus" })

    // Banned: the panel still follows a change, but the customer is sent nothing.
    const banned = await api(shop, a, "PUT", `/users/${id}/ban`)
    expect(banned.body.user.bannedBy).toBe("api:tenant")
    const toldSince = mark(shop, a, CUSTOMER)
    const before = panelExpiry(CUSTOMER)!
    const days = await api(shop, a, "POST", `/users/${id}/subscription-days`, { days: 3 })
    expect(days.status).toBe(200)
    await until(
      async () => panelExpiry(CUSTOMER)!,
      (t) => Math.abs(t - (before + 3 * DAY)) < 2000
    )
    const granted = await api(shop, a, "POST", `/users/${id}/plan-grants`, { planId: a.planIds[1] })
    expect(granted.status).toBe(200)
    await panelEndsIn(CUSTOMER, 27 + 3 + 90)
    await until(
      () =>
        query<{ n: number }>(
          shop,
          "SELECT count(*)::int AS n FROM outbox_tasks WHERE bot_id = $1 AND state <> 'done'",
          a.botId
        ),
      (rows) => rows[0]!.n === 0
    )
    expect(mark(shop, a, CUSTOMER)).toBe(toldSince)
    expect((await api(shop, a, "POST", `/users/${id}/plan-grants`, { planId: b.planIds[0] })).status).toBe(404)
    const unbanned = await api(shop, a, "DELETE", `/users/${id}/ban`)
    expect(unbanned.body.user.bannedAt).toBeNull()
    expect((await auditOf(id)).slice(-5).map((r) => [r.kind, r.adminTelegramId, r.apiToken])).toEqual([
      ["wallet_credit", null, "tenant"],
      ["ban", null, "tenant"],
      ["subscription_days", null, "tenant"],
      ["grant_plan", null, "tenant"],
      ["unban", null, "tenant"]
    ])

    // Tenant A's token: B's customer through A's bot is not found, and B's bot is not A's to reach.
    const foreign = await userId(b, OTHER_SHOPS_CUSTOMER)
    const viaOwnBot = await api(shop, a, "POST", `/users/${foreign}/wallet-adjustments`, { amount: 5, reason: "x" })
    expect(viaOwnBot.status).toBe(404)
    const viaOtherBot = await api(shop, { ...b, apiToken: a.apiToken }, "PUT", `/users/${foreign}/ban`)
    expect(viaOtherBot.status).toBe(404)
    expect(await auditOf(foreign)).toEqual([])
    expect(await balanceOf(foreign)).toBe(0)

    const openapi = (await (await fetch(`${shop.app.httpUrl}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>
    }
    for (const path of [
      "find",
      "{id}/card",
      "{id}/wallet-adjustments",
      "{id}/subscription-days",
      "{id}/plan-grants",
      "{id}/ban"
    ]) {
      expect(Object.keys(openapi.paths)).toContain(`/api/v1/bots/{botId}/users/${path}`)
    }
  })
})
