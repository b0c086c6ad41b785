/**
 * Growth tools (issue 19, items 1 and 2), through the emulators and PostgreSQL:
 * promo codes of each kind redeemed from the main menu, their limits (also 50
 * customers racing for the last uses), the refusals, the REST API; and the
 * referral program — attribution once, never to oneself, the commission and
 * first-purchase bonuses once per sale even when the approval is clicked twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { withTenant } from "../../src/db/tenant.ts"
import { redeemPromoCode } from "../../src/shop/promo-codes.ts"
import {
  ADMIN,
  answerTo,
  api,
  buttonData,
  buttonUrl,
  committed,
  createTenant,
  fundWallet,
  mark,
  methodsOffered,
  nextMessage,
  press,
  query,
  say,
  sendReceipt,
  startChat,
  startShop,
  trackingIn,
  until
} from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"

const DAY = 86_400_000
const PROMO = "🎟 Promo code"
const INVITE = "👥 Invite friends"

let shop: Shop
let tenant: Tenant
let other: Tenant

beforeAll(async () => {
  shop = await startShop()
  tenant = await createTenant(shop, {
    flags: ["card_to_card", "zarinpal", "promo_codes", "referral_program"],
    config: {
      DEFAULT_LANGUAGE: "en",
      REFERRAL_COMMISSION_PERCENT: 10,
      REFERRAL_FIRST_PURCHASE_BONUS_REFERRER: 5000,
      REFERRAL_FIRST_PURCHASE_BONUS_REFERRED: 2000
    }
  })
  other = await createTenant(shop, { flags: ["card_to_card", "promo_codes"], config: { DEFAULT_LANGUAGE: "en" } })
})
afterAll(() => shop?.close())

const userRow = async (t: Tenant, telegramId: number) =>
  (
    await until(
      () =>
        query<{ id: number; balance: number; referredByUserId: number | null; referralCode: string }>(
          shop,
          "SELECT id, balance, referred_by_user_id, referral_code FROM users WHERE bot_id = $1 AND telegram_id = $2",
          t.botId,
          telegramId
        ),
      (rows) => rows.length === 1
    )
  )[0]!

const subscriptionOf = async (telegramId: number) =>
  (
    await query<{ status: string; expiresAt: Date; trafficLimitBytes: number }>(
      shop,
      `SELECT s.status, s.expires_at, s.traffic_limit_bytes FROM subscriptions s JOIN users u ON u.id = s.user_id
       WHERE s.bot_id = $1 AND u.telegram_id = $2`,
      tenant.botId,
      telegramId
    )
  )[0]

/** "🎟 Promo code" on the main menu, then the code: the bot's answer. */
const redeem = async (t: Tenant, user: number, code: string) => {
  let since = mark(shop, t, user)
  say(shop, t, user, PROMO)
  await nextMessage(shop, t, user, since, "Send your promo code")
  since = mark(shop, t, user)
  const sent = say(shop, t, user, code)
  const reply = (await nextMessage(shop, t, user, since, /Promo code accepted|❌/)).text ?? ""
  await committed(shop, t, sent)
  return reply
}

const createCode = async (t: Tenant, body: Record<string, unknown>) => {
  const response = await api(shop, t, "POST", "/promo-codes", body)
  expect(response.status, JSON.stringify(response.body)).toBe(201)
  return response.body as { id: number; code: string; usedCount: number }
}

/** The last message the bot sent this customer: any message of theirs carries a button press. */
const lastMessage = (user: number) => shop.telegram.sentMessages(tenant.token, user).at(-1)!

/** What the discount of promo code `code` was used on (waits until it is). */
const discountUsedBy = async (code: string, timeoutMs?: number) => {
  const [used] = await until(
    () =>
      query<{ reference: string | null }>(
        shop,
        `SELECT r.discount_used_reference AS reference FROM promo_redemptions r JOIN promo_codes c ON c.id = r.promo_code_id
         WHERE r.bot_id = $1 AND c.code = $2`,
        tenant.botId,
        code
      ),
    (rows) => rows[0]?.reference != null,
    timeoutMs
  )
  return used!.reference
}

const buyFromWallet = async (user: number, planId: number) => {
  const since = mark(shop, tenant, user)
  press(shop, tenant, user, lastMessage(user), `pc:w:${planId}`)
  return nextMessage(shop, tenant, user, since, /subscription is ready|subscription was extended/)
}

// Each test has customers of its own: Telegram paces a chat to about one message a second,
// so the flows run side by side instead of queueing behind one another.
describe.concurrent("growth", () => {
  describe("promo codes", () => {
    it("credit: added to the wallet with a ledger entry, once per customer; the menus show the flags' buttons only", async () => {
      const welcome = await startChat(shop, tenant, 7101)
      expect(JSON.stringify(welcome.replyMarkup)).toContain(PROMO)
      expect(JSON.stringify(welcome.replyMarkup)).toContain(INVITE)
      expect(JSON.stringify((await startChat(shop, other, 7101)).replyMarkup)).not.toContain(INVITE)
      const plain = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
      const menu = JSON.stringify((await startChat(shop, plain, 7101)).replyMarkup)
      expect(menu).not.toContain(PROMO)
      expect(menu).not.toContain(INVITE)

      await createCode(tenant, { code: "gift50", kind: "credit", amount: 50_000 })
      expect(await redeem(tenant, 7101, "GIFT50")).toContain("50,000 toman added to your wallet")
      expect(await redeem(tenant, 7101, "gift50")).toContain("already used this promo code")
      const user = await userRow(tenant, 7101)
      expect(user.balance).toBe(50_000)
      const ledger = await query<{ type: string; amount: number }>(
        shop,
        "SELECT type, amount FROM transactions WHERE bot_id = $1 AND user_id = $2",
        tenant.botId,
        user.id
      )
      expect(ledger).toEqual([{ type: "promo", amount: 50_000 }])
    })

    it("days: extends the current subscription and the panel user; refused without one", async () => {
      await createCode(tenant, { code: "WEEK", kind: "days", days: 7 })
      const trial = createCode(tenant, { code: "TRYW", kind: "trial", planId: tenant.planIds[0] })
      const first = createCode(tenant, { code: "NEWBIE", kind: "credit", amount: 3000, firstPurchaseOnly: true })
      await startChat(shop, tenant, 7108)
      expect(await redeem(tenant, 7108, "WEEK")).toContain("you have none")
      await startChat(shop, tenant, 7102)
      await fundWallet(shop, tenant, 7102, 150_000)
      await buyFromWallet(7102, tenant.planIds[0]!)
      expect(await redeem(tenant, 7102, "WEEK")).toContain("7 extra days")
      const sub = (await subscriptionOf(7102))!
      expect(Math.abs(sub.expiresAt.getTime() - (Date.now() + 37 * DAY))).toBeLessThan(60_000)
      // Re-provisioned through the outbox like a renewal.
      await until(
        async () => shop.panel.user(`b${tenant.botId}_u7102`),
        (u) => u !== undefined && new Date(u.expireAt).getTime() === sub.expiresAt.getTime()
      )
      // A trial code is for customers without a subscription; a first-purchase code for those who never bought.
      await trial
      expect(await redeem(tenant, 7102, "TRYW")).toContain("without a subscription")
      await first
      expect(await redeem(tenant, 7102, "NEWBIE")).toContain("only for a first purchase")
      expect(await redeem(tenant, 7108, "NEWBIE")).toContain("Promo code accepted")
    })

    it("discount: prices the next purchase from the wallet once", async () => {
      await createCode(tenant, { code: "SAVE20", kind: "discount", percent: 20 })
      await startChat(shop, tenant, 7103)
      expect(await redeem(tenant, 7103, "SAVE20")).toContain("20% off your next purchase")
      await fundWallet(shop, tenant, 7103, 120_000)
      expect((await buyFromWallet(7103, tenant.planIds[0]!)).text).toContain("ready")
      expect((await userRow(tenant, 7103)).balance).toBe(0)
      // Used: the next purchase costs the full price again (120,000 in the wallet no longer covers it).
      await fundWallet(shop, tenant, 7103, 120_000)
      const since = mark(shop, tenant, 7103)
      press(shop, tenant, 7103, lastMessage(7103), `plan:${tenant.planIds[0]}`)
      const offer = await nextMessage(shop, tenant, 7103, since, "How would you like to pay")
      expect(offer.text).not.toContain("promo discount")
      expect(methodsOffered(offer)).not.toContain("w")
    })

    it("discount by ZarinPal: requested at the discounted price, the verified sale uses it; a code not valid yet is refused", async () => {
      await createCode(tenant, { code: "HALF", kind: "discount", percent: 50 })
      await createCode(tenant, { code: "LATER", kind: "credit", amount: 1000, validFrom: new Date(Date.now() + DAY) })
      await startChat(shop, tenant, 7112)
      expect(await redeem(tenant, 7112, "LATER")).toContain("not valid yet")
      expect(await redeem(tenant, 7112, "HALF")).toContain("50% off")
      const since = mark(shop, tenant, 7112)
      press(shop, tenant, 7112, lastMessage(7112), `pc:z:${tenant.planIds[0]}`)
      const authority = buttonUrl(await nextMessage(shop, tenant, 7112, since, "Pay "))
        .split("/")
        .at(-1)!
      const [plan] = await query<{ price: number }>(
        shop,
        "SELECT price FROM bot_plans WHERE id = $1",
        tenant.planIds[0]
      )
      expect(shop.zarinpal.payment(authority)!.amount).toBe(plan!.price / 2)
      await shop.zarinpal.pay(authority)
      // The customer's browser back at the shop's callback.
      const back = await fetch(
        `${shop.app.httpUrl}/payments/zarinpal/callback/${tenant.botId}?Authority=${authority}&Status=OK`
      )
      expect(back.status).toBe(200)
      await nextMessage(shop, tenant, 7112, since, /subscription is ready/)
      expect(await discountUsedBy("HALF")).toContain(authority)
      expect((await userRow(tenant, 7112)).balance).toBe(0)
    })

    it("discount: the card transfer is discounted and the approval's sale uses it; one discount waits at a time", async () => {
      await createCode(tenant, { code: "SAVE30", kind: "discount", percent: 30 })
      await createCode(tenant, { code: "SAVE10", kind: "discount", percent: 10 })
      await startChat(shop, tenant, 7107)
      expect(await redeem(tenant, 7107, "SAVE30")).toContain("30% off")
      expect(await redeem(tenant, 7107, "SAVE10")).toContain("already have a discount waiting")
      let since = mark(shop, tenant, 7107)
      press(shop, tenant, 7107, lastMessage(7107), `pc:c:${tenant.planIds[0]}`)
      const instructions = await nextMessage(shop, tenant, 7107, since, /C2C[0-9A-F]{16}/)
      expect(instructions.text).toContain("105,000 toman")
      // While the payment is pending, its discount prices nothing else.
      since = mark(shop, tenant, 7107)
      press(shop, tenant, 7107, instructions, `plan:${tenant.planIds[0]}`)
      expect((await nextMessage(shop, tenant, 7107, since, "How would you like to pay")).text).not.toContain("discount")
      const receipt = await sendReceipt(shop, tenant, 7107, { text: "paid" })
      press(shop, tenant, ADMIN, receipt, buttonData(receipt, "rv:a:"))
      // The receipt reaches the admins' group at Telegram's pace for groups (20 a minute).
      expect(await discountUsedBy("SAVE30", 20_000)).toBe(trackingIn(instructions))
    })

    it("trial: a trial of the code's plan for a customer without a subscription", async () => {
      await createCode(tenant, { code: "TRYQ", kind: "trial", planId: tenant.planIds[1], days: 5 })
      await startChat(shop, tenant, 7104)
      expect(await redeem(tenant, 7104, "TRYQ")).toContain("a trial of Quarterly")
      // The reply goes out before the update's transaction commits.
      const sub = (await until(
        () => subscriptionOf(7104),
        (row) => row !== undefined
      ))!
      expect(sub.status).toBe("trial")
      expect(sub.trafficLimitBytes).toBe(150 * 1024 ** 3)
      expect(Math.abs(sub.expiresAt.getTime() - (Date.now() + 5 * DAY))).toBeLessThan(60_000)
      await until(
        async () => shop.panel.user(`b${tenant.botId}_u7104`),
        (u) => u !== undefined
      )
    })

    it("refuses expired, used-up, disabled and another shop's codes with clear messages", async () => {
      await createCode(tenant, { code: "OLD", kind: "credit", amount: 1000, validUntil: "2020-01-01T00:00:00Z" })
      await createCode(tenant, { code: "ONCE", kind: "credit", amount: 1000, maxUses: 1 })
      const off = await createCode(tenant, { code: "OFF", kind: "credit", amount: 1000 })
      await createCode(other, { code: "THEIRS", kind: "credit", amount: 1000 })
      await startChat(shop, tenant, 7105)
      await startChat(shop, tenant, 7106)
      await startChat(shop, tenant, 7110)
      await startChat(shop, tenant, 7111)
      expect(await redeem(tenant, 7105, "OLD")).toContain("has expired")
      expect(await redeem(tenant, 7105, "ONCE")).toContain("Promo code accepted")
      expect(await redeem(tenant, 7106, "ONCE")).toContain("used up")
      expect((await api(shop, tenant, "POST", `/promo-codes/${off.id}/disable`)).status).toBe(200)
      expect(await redeem(tenant, 7110, "OFF")).toContain("turned off")
      expect(await redeem(tenant, 7111, "THEIRS")).toContain("does not exist")
      expect((await userRow(tenant, 7106)).balance).toBe(0)
      expect((await userRow(tenant, 7110)).balance).toBe(0)
    })

    it("50 customers racing for the last 5 uses: exactly 5 succeed", async () => {
      const code = await createCode(tenant, { code: "RACE", kind: "credit", amount: 100, maxUses: 7 })
      // Two uses taken already: five are left for fifty customers at once.
      const users = await query<{ id: number; telegramId: number }>(
        shop,
        `INSERT INTO users (bot_id, telegram_id, first_name)
       SELECT $1, 800000 + g, 'Racer' FROM generate_series(1, 52) g RETURNING id, telegram_id`,
        tenant.botId
      )
      const redeemAs = (u: { id: number; telegramId: number }) =>
        shop.app.run(
          withTenant(tenant.botId, redeemPromoCode(tenant.botId, { userId: u.id, telegramId: u.telegramId }, "race"))
        )
      for (const u of users.slice(0, 2)) expect((await redeemAs(u))._tag).toBe("Credited")
      const outcomes = await Promise.all(users.slice(2).map(redeemAs))
      expect(outcomes.filter((o) => o._tag === "Credited")).toHaveLength(5)
      expect(outcomes.filter((o) => o._tag === "Refused" && o.reason === "used_up")).toHaveLength(45)
      const [row] = await query<{ usedCount: number; redemptions: number; credited: number }>(
        shop,
        `SELECT c.used_count,
              (SELECT count(*)::int FROM promo_redemptions r WHERE r.promo_code_id = c.id) AS redemptions,
              (SELECT count(*)::int FROM transactions t WHERE t.bot_id = c.bot_id AND t.type = 'promo' AND t.description = c.code) AS credited
       FROM promo_codes c WHERE c.id = $1`,
        code.id
      )
      expect(row).toEqual({ usedCount: 7, redemptions: 7, credited: 7 })
    })

    it("API: create, list with usage counts, disable; validation, duplicates; another tenant's token reaches nothing", async () => {
      const made = await createCode(tenant, { code: "Api-1", kind: "credit", amount: 700, maxUses: 2 })
      await createCode(other, { code: "MINE", kind: "days", days: 3 })
      await startChat(shop, tenant, 7109)
      expect(await redeem(tenant, 7109, "api-1")).toContain("Promo code accepted")
      const listed = await api(shop, tenant, "GET", "/promo-codes")
      expect(listed.status).toBe(200)
      const once = listed.body.items.find((c: { code: string }) => c.code === "API-1")
      expect(once).toMatchObject({
        id: made.id,
        kind: "credit",
        bonusAmount: 700,
        maxUses: 2,
        usedCount: 1,
        isActive: true
      })
      expect(
        (await api(shop, tenant, "POST", "/promo-codes", { code: "api-1", kind: "credit", amount: 5 })).body
      ).toMatchObject({
        code: "duplicate_promo_code"
      })
      const bad = await api(shop, tenant, "POST", "/promo-codes", { code: "NOAMOUNT", kind: "credit" })
      expect(bad.status).toBe(400)
      expect(bad.body.code).toBe("validation_failed")
      const foreignPlan = await api(shop, other, "POST", "/promo-codes", {
        code: "XPLAN",
        kind: "trial",
        planId: tenant.planIds[0]
      })
      expect(foreignPlan.status).toBe(400)

      // The other tenant's token, on this bot's codes: 404 as for a bot that does not exist.
      const crossed = await fetch(`${shop.app.httpUrl}/api/v1/bots/${tenant.botId}/promo-codes/${once.id}/disable`, {
        method: "POST",
        headers: { authorization: `Bearer ${other.apiToken}` }
      })
      expect(crossed.status).toBe(404)
      // Its own bot, this bot's code id: not found, nothing disabled.
      expect((await api(shop, other, "POST", `/promo-codes/${once.id}/disable`)).status).toBe(404)
      const still = (await api(shop, tenant, "GET", "/promo-codes")).body.items.find(
        (c: { id: number }) => c.id === once.id
      )
      expect(still.isActive).toBe(true)
      const others = (await api(shop, other, "GET", "/promo-codes")).body.items.map((c: { code: string }) => c.code)
      expect(others).toContain("MINE")
      expect(others).not.toContain("API-1")
    })

    it("admin panel: create a code on one line, list it with its count, disable it", async () => {
      let since = mark(shop, tenant, ADMIN)
      say(shop, tenant, ADMIN, "/admin")
      const panel = await nextMessage(shop, tenant, ADMIN, since, "admin panel")
      since = mark(shop, tenant, ADMIN)
      press(shop, tenant, ADMIN, panel, "adm:pc")
      const list = await nextMessage(shop, tenant, ADMIN, since, "Promo codes")
      since = mark(shop, tenant, ADMIN)
      press(shop, tenant, ADMIN, list, buttonData(list, "adm:pn"))
      await nextMessage(shop, tenant, ADMIN, since, "Send the new code")
      since = mark(shop, tenant, ADMIN)
      say(shop, tenant, ADMIN, "BOTMADE discount 15 uses=3 until=2099-01-01")
      await nextMessage(shop, tenant, ADMIN, since, "BOTMADE created")
      const shown = await nextMessage(shop, tenant, ADMIN, since, /BOTMADE: discount 15% · used 0\/3/)
      const disable = buttonsFor(shown, "BOTMADE")
      const click = press(shop, tenant, ADMIN, shown, disable)
      expect((await answerTo(shop, tenant, click.callbackQueryId!)).text).toContain("BOTMADE turned off")
      // A customer cannot press an admin's button.
      const forged = press(shop, tenant, 7101, shown, disable)
      expect((await answerTo(shop, tenant, forged.callbackQueryId!)).text).not.toContain("turned off")
      const [row] = await query<{ isActive: boolean; maxUses: number; discountPercent: number }>(
        shop,
        "SELECT is_active, max_uses, discount_percent FROM promo_codes WHERE bot_id = $1 AND code = 'BOTMADE'",
        tenant.botId
      )
      expect(row).toEqual({ isActive: false, maxUses: 3, discountPercent: 15 })
    })
  })

  /** The disable button of the code named `code` on the admin's list. */
  const buttonsFor = (message: { replyMarkup?: unknown }, code: string): string => {
    const markup = message.replyMarkup as { inline_keyboard: Array<Array<{ text: string; callback_data?: string }>> }
    return markup.inline_keyboard.flat().find((b) => b.text === `🚫 ${code}`)!.callback_data!
  }

  describe("referral program", () => {
    const REFERRER = 7201
    const FRIEND = 7202
    const EXISTING = 7203

    it("attributes a new customer once (never to themselves) and credits commission and bonuses once per sale", async () => {
      await startChat(shop, tenant, REFERRER)
      await startChat(shop, tenant, EXISTING)
      let since = mark(shop, tenant, REFERRER)
      say(shop, tenant, REFERRER, INVITE)
      const invite = await nextMessage(shop, tenant, REFERRER, since, "Your link")
      const link = /https:\/\/t\.me\/(\S+)\?start=(ref_[0-9a-f]+)/.exec(invite.text ?? "")!
      expect(link[1]).toBe(tenant.username)
      const payload = link[2]!
      const referrer = await userRow(tenant, REFERRER)

      // The referrer following their own link, and an existing customer following it: neither is attributed.
      say(shop, tenant, REFERRER, `/start ${payload}`)
      since = mark(shop, tenant, EXISTING)
      say(shop, tenant, EXISTING, `/start ${payload}`)
      await nextMessage(shop, tenant, EXISTING, since)
      // A new customer: attributed once; another customer's link later changes nothing.
      say(shop, tenant, FRIEND, `/start ${payload}`)
      since = mark(shop, tenant, FRIEND)
      const again = say(shop, tenant, FRIEND, `/start ref_${(await userRow(tenant, EXISTING)).referralCode}`)
      await nextMessage(shop, tenant, FRIEND, since)
      await committed(shop, tenant, again)
      expect((await userRow(tenant, FRIEND)).referredByUserId).toBe(referrer.id)
      expect((await userRow(tenant, REFERRER)).referredByUserId).toBeNull()
      expect((await userRow(tenant, EXISTING)).referredByUserId).toBeNull()

      // The friend's card payment is approved — twice (a double click): 10% of 150,000 and the bonuses, once.
      since = mark(shop, tenant, FRIEND)
      press(shop, tenant, FRIEND, lastMessage(FRIEND), `pc:c:${tenant.planIds[0]}`)
      const tracking = trackingIn(await nextMessage(shop, tenant, FRIEND, since, /C2C[0-9A-F]{16}/))
      const receipt = await sendReceipt(shop, tenant, FRIEND, { text: "paid" })
      const data = buttonData(receipt, "rv:a:")
      const first = press(shop, tenant, ADMIN, receipt, data)
      const second = press(shop, tenant, ADMIN, receipt, data)
      await Promise.all([
        answerTo(shop, tenant, first.callbackQueryId!),
        answerTo(shop, tenant, second.callbackQueryId!)
      ])
      expect(
        (
          await until(
            () => userRow(tenant, REFERRER),
            (u) => u.balance > 0
          )
        ).balance
      ).toBe(15_000 + 5000)
      expect((await userRow(tenant, FRIEND)).balance).toBe(2000)

      // A second sale (from the wallet): the commission again, no second bonus.
      await fundWallet(shop, tenant, FRIEND, 148_000)
      await buyFromWallet(FRIEND, tenant.planIds[0]!)
      await until(
        () => userRow(tenant, REFERRER),
        (u) => u.balance === 35_000
      )
      const rewards = await query<{ kind: string; saleReference: string; amount: number; ledger: number }>(
        shop,
        `SELECT w.kind, w.sale_reference, w.amount,
              (SELECT count(*)::int FROM transactions t WHERE t.id = w.transaction_id AND t.type = 'referral') AS ledger
       FROM referral_rewards w WHERE w.bot_id = $1 ORDER BY w.id`,
        tenant.botId
      )
      expect(rewards.map((r) => [r.kind, r.amount, r.ledger])).toEqual([
        ["commission", 15_000, 1],
        ["bonus_referrer", 5000, 1],
        ["bonus_referred", 2000, 1],
        ["commission", 15_000, 1]
      ])
      expect(rewards[0]!.saleReference).toBe(tracking)

      since = mark(shop, tenant, REFERRER)
      say(shop, tenant, REFERRER, INVITE)
      const summary = await nextMessage(shop, tenant, REFERRER, since, "Your link")
      expect(summary.text).toContain("Friends invited: 1")
      expect(summary.text).toContain("Earned: 35,000 toman")
    })
  })
})
