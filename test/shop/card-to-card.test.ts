/**
 * Card-to-card end to end (DESIGN.md §4): a user buys a plan through the menus,
 * transfers, sends a receipt; the tenant's admin approves in the admin chat; the
 * wallet, the transaction rows, the subscription in the Remnawave emulator and
 * the link all follow. And every way it must NOT go: rejection, double
 * approval, a non-admin, another tenant's bot, a sticker, a second payment,
 * forged button data.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually } from "../support/app.ts"
import {
  ADMIN,
  ADMIN_CHAT,
  answerTo,
  buttonData,
  createTenant,
  mark,
  methodsOffered,
  nextMessage,
  press,
  query,
  say,
  sendReceipt,
  startCardPurchase,
  startChat,
  startShop,
  trackingIn,
  until
} from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"

let shop: Shop
let tenant: Tenant

beforeAll(async () => {
  shop = await startShop()
  tenant = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en", CARD_RECEIPT_TOPIC_ID: 77 } })
})
afterAll(() => shop?.close())

interface PaymentRow {
  id: number
  status: string
  trackingNumber: string
  receiptType: string | null
  adminReviewerTelegramId: number | null
  adminNotes: string | null
  cardId: number
}

const payment = async (tracking: string) =>
  (await query<PaymentRow>(shop, "SELECT * FROM card_to_card_payments WHERE tracking_number = $1", tracking))[0]!

const balanceOf = async (t: Tenant, telegramId: number) =>
  (
    await query<{ balance: number }>(
      shop,
      "SELECT balance FROM users WHERE bot_id = $1 AND telegram_id = $2",
      t.botId,
      telegramId
    )
  )[0]?.balance

describe("card-to-card purchase", () => {
  it("menu → plan → card → receipt → admin approves: wallet, transactions, panel user and link", async () => {
    const user = 1001
    const welcome = await startChat(shop, tenant, user)
    expect(welcome.text).toContain("Welcome to VPN Shop")

    // The Buy button of the main menu lists the plans.
    let since = mark(shop, tenant, user)
    say(shop, tenant, user, "🛒 Buy a plan")
    const plans = await nextMessage(shop, tenant, user, since, "Our plans")
    expect(plans.text).toContain("Monthly 50GB")
    expect(plans.text).toContain("150,000 toman")

    since = mark(shop, tenant, user)
    press(shop, tenant, user, plans, buttonData(plans, `plan:${tenant.planIds[0]}`))
    const methods = await nextMessage(shop, tenant, user, since, "How would you like to pay")
    // An empty wallet is not offered; the other methods are.
    expect(methodsOffered(methods)).not.toContain("w")
    expect(methodsOffered(methods)).toContain("c")

    since = mark(shop, tenant, user)
    press(shop, tenant, user, methods, buttonData(methods, "pm:c:"))
    const confirm = await nextMessage(shop, tenant, user, since, "confirm your order")

    since = mark(shop, tenant, user)
    press(shop, tenant, user, confirm, buttonData(confirm, "pc:c:"))
    const instructions = await nextMessage(shop, tenant, user, since, /C2C[0-9A-F]{16}/)
    expect(instructions.text).toContain("150,000 toman")
    expect(instructions.text).toMatch(/6037 99\d\d \d{4} \d{4}/)
    expect(instructions.text).toContain("Ali Rezaei")
    expect(instructions.text).toContain("Deadline")
    const tracking = trackingIn(instructions)

    const receipt = await sendReceipt(shop, tenant, user, { photo: true, text: "ref 123456" })
    expect(receipt.method).toBe("sendPhoto")
    expect(receipt.messageThreadId).toBe(77)
    expect(receipt.caption).toContain(tracking)
    expect(receipt.caption).toContain("ref 123456")
    expect(
      (
        await until(
          () => payment(tracking),
          (r) => r.receiptType !== null
        )
      ).receiptType
    ).toBe("both")

    const adminSince = mark(shop, tenant, ADMIN_CHAT)
    since = mark(shop, tenant, user)
    const click = press(shop, tenant, ADMIN, receipt, buttonData(receipt, "rv:a:"))
    expect((await answerTo(shop, tenant, click.callbackQueryId!)).text).toContain("Approved")
    await nextMessage(shop, tenant, ADMIN_CHAT, adminSince, `${tracking} approved by @user${ADMIN}`)
    const paid = await nextMessage(shop, tenant, user, since, "was received")
    expect(paid.text).toContain("Monthly 50GB")

    const row = await until(
      () => payment(tracking),
      (r) => r.status === "approved"
    )
    expect(row.adminReviewerTelegramId).toBe(ADMIN)
    const txs = await query<{
      type: string
      amount: number
      balanceAfter: number
      paymentMethod: string
      reference: string
    }>(
      shop,
      `SELECT t.type, t.amount, t.balance_after, t.payment_method, t.reference FROM transactions t
       JOIN users u ON u.id = t.user_id WHERE t.bot_id = $1 AND u.telegram_id = $2 ORDER BY t.id`,
      tenant.botId,
      user
    )
    expect(txs).toEqual([
      { type: "deposit", amount: 150_000, balanceAfter: 150_000, paymentMethod: "card_to_card", reference: tracking },
      { type: "purchase", amount: -150_000, balanceAfter: 0, paymentMethod: "card_to_card", reference: tracking }
    ])
    expect(await balanceOf(tenant, user)).toBe(0)
    const [card] = await query<{ successCount: number; currentUsageCount: number }>(
      shop,
      "SELECT success_count, current_usage_count FROM tenant_payment_cards WHERE id = $1",
      row.cardId
    )
    expect(card).toEqual({ successCount: 1, currentUsageCount: 1 })

    // Provisioned in the panel after commit, and the link delivered.
    const link = await nextMessage(shop, tenant, user, since, "subscription is ready")
    const panelUser = shop.panel.user(`b${tenant.botId}_u${user}`)!
    expect(panelUser).toBeDefined()
    expect(link.text).toContain(panelUser.subscriptionUrl)
    expect(panelUser.trafficLimitBytes).toBe(50 * 1024 ** 3)
    const [sub] = await query<{ expiresAt: Date; subscriptionUrl: string; provisionedAt: Date | null }>(
      shop,
      "SELECT s.expires_at, s.subscription_url, s.provisioned_at FROM subscriptions s JOIN users u ON u.id = s.user_id WHERE s.bot_id = $1 AND u.telegram_id = $2",
      tenant.botId,
      user
    )
    expect(sub!.subscriptionUrl).toBe(panelUser.subscriptionUrl)
    expect(new Date(panelUser.expireAt).getTime()).toBe(sub!.expiresAt.getTime())
    expect(Math.abs(sub!.expiresAt.getTime() - Date.now() - 30 * 86_400_000)).toBeLessThan(60_000)
    // The tenant was charged for the traffic sold (50 GB × 100).
    const [ledger] = await query<{ amount: number }>(
      shop,
      "SELECT amount FROM tenant_wallet_transactions WHERE bot_id = $1 AND type = 'sale'",
      tenant.botId
    )
    expect(ledger!.amount).toBe(-5000)
  })

  it("rejection asks the admin for a reason and tells the user", async () => {
    const user = 1002
    const tracking = trackingIn(await startCardPurchase(shop, tenant, user, tenant.planIds[0]!))
    const receipt = await sendReceipt(shop, tenant, user, { text: "I paid from Saman bank" })
    expect(receipt.method).toBe("sendMessage")

    let adminSince = mark(shop, tenant, ADMIN_CHAT)
    press(shop, tenant, ADMIN, receipt, buttonData(receipt, "rv:r:"))
    await nextMessage(shop, tenant, ADMIN_CHAT, adminSince, "reason for rejecting")
    expect((await payment(tracking)).status).toBe("pending") // until the reason comes

    adminSince = mark(shop, tenant, ADMIN_CHAT)
    const since = mark(shop, tenant, user)
    say(shop, tenant, ADMIN, "No transfer arrived", { chatId: ADMIN_CHAT })
    await nextMessage(shop, tenant, ADMIN_CHAT, adminSince, `${tracking} rejected`)
    const told = await nextMessage(shop, tenant, user, since, "rejected")
    expect(told.text).toContain("No transfer arrived")
    const row = await until(
      () => payment(tracking),
      (r) => r.status !== "pending"
    )
    expect(row.status).toBe("rejected")
    expect(row.adminNotes).toBe("No transfer arrived")
    expect(await balanceOf(tenant, user)).toBe(0)
    const [card] = await query<{ failureCount: number }>(
      shop,
      "SELECT failure_count FROM tenant_payment_cards WHERE id = $1",
      row.cardId
    )
    expect(card!.failureCount).toBe(1)
  })

  it("a double approve (or a second admin) credits once and answers 'already reviewed'", async () => {
    const user = 1003
    const tracking = trackingIn(await startCardPurchase(shop, tenant, user, tenant.planIds[0]!))
    const receipt = await sendReceipt(shop, tenant, user, { photo: true })
    const data = buttonData(receipt, "rv:a:")
    const first = press(shop, tenant, ADMIN, receipt, data)
    const second = press(shop, tenant, ADMIN, receipt, data)
    const answers = await Promise.all([
      answerTo(shop, tenant, first.callbackQueryId!),
      answerTo(shop, tenant, second.callbackQueryId!)
    ])
    expect(answers.map((a) => a.text).sort()).toEqual(["Approved ✅", "This payment was already reviewed (approved)."])
    const deposits = await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM transactions WHERE bot_id = $1 AND reference = $2 AND type = 'deposit'",
      tenant.botId,
      tracking
    )
    expect(deposits[0]!.n).toBe(1)
    const [card] = await query<{ successCount: number }>(
      shop,
      "SELECT success_count FROM tenant_payment_cards WHERE id = $1",
      (await payment(tracking)).cardId
    )
    expect(card!.successCount).toBeGreaterThanOrEqual(1)
    const approvals = await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM card_to_card_payments WHERE bot_id = $1 AND status = 'approved'",
      tenant.botId
    )
    expect(card!.successCount).toBe(approvals[0]!.n) // the card counts each approval once
  })

  it("an approve by a user who is not this bot's admin is refused and changes nothing", async () => {
    const user = 1004
    const tracking = trackingIn(await startCardPurchase(shop, tenant, user, tenant.planIds[0]!))
    const receipt = await sendReceipt(shop, tenant, user, { text: "paid" })
    const click = press(shop, tenant, 5555, receipt, buttonData(receipt, "rv:a:"))
    const answer = await answerTo(shop, tenant, click.callbackQueryId!)
    expect(answer.text).toContain("Only this shop's admins")
    expect(answer.showAlert).toBe(true)
    // The user themselves cannot approve either (forged data in their own chat).
    const own = press(shop, tenant, user, receipt, buttonData(receipt, "rv:a:"))
    expect((await answerTo(shop, tenant, own.callbackQueryId!)).text).toContain("Only this shop's admins")
    expect((await payment(tracking)).status).toBe("pending")
    expect(await balanceOf(tenant, user)).toBe(0)
  })

  it("an approve callback on another tenant's bot for this payment id is refused (row-level security)", async () => {
    // The same person administers both shops: only the payment's own bot can act on it.
    const other = await createTenant(shop, { name: "Other Shop", config: { DEFAULT_LANGUAGE: "en" } })
    const user = 1005
    const tracking = trackingIn(await startCardPurchase(shop, tenant, user, tenant.planIds[0]!))
    await sendReceipt(shop, tenant, user, { text: "paid" })
    const { id } = await payment(tracking)
    const adminMessage = await startChat(shop, other, ADMIN)
    const click = press(shop, other, ADMIN, adminMessage, `rv:a:${id}`)
    expect((await answerTo(shop, other, click.callbackQueryId!)).text).toBe("This payment was not found.")
    const reject = press(shop, other, ADMIN, adminMessage, `rv:n:${id}`)
    expect((await answerTo(shop, other, reject.callbackQueryId!)).text).toBe("This payment was not found.")
    expect((await payment(tracking)).status).toBe("pending")
  })

  it("a sticker (or a file) is not a receipt", async () => {
    const user = 1006
    const tracking = trackingIn(await startCardPurchase(shop, tenant, user, tenant.planIds[0]!))
    let since = mark(shop, tenant, user)
    shop.telegram.injectSticker(tenant.token, { from: user })
    await nextMessage(shop, tenant, user, since, "photo or as text")
    since = mark(shop, tenant, user)
    shop.telegram.injectDocument(tenant.token, { from: user })
    await nextMessage(shop, tenant, user, since, "photo or as text")
    expect((await payment(tracking)).receiptType).toBeNull()
    // The step is still open: a photo is taken.
    await sendReceipt(shop, tenant, user, { photo: true })
    expect(
      (
        await until(
          () => payment(tracking),
          (r) => r.receiptType !== null
        )
      ).receiptType
    ).toBe("image")
  })

  it("a second pending payment is refused (and the database would refuse it too)", async () => {
    const user = 1007
    const first = trackingIn(await startCardPurchase(shop, tenant, user, tenant.planIds[0]!))
    const welcome = await startChat(shop, tenant, user)
    const since = mark(shop, tenant, user)
    press(shop, tenant, user, welcome, `pc:c:${tenant.planIds[1]}`)
    const refused = await nextMessage(shop, tenant, user, since, "already have a pending card payment")
    expect(refused.text).toContain(first)
    const pending = await query<{ n: number }>(
      shop,
      `SELECT count(*)::int AS n FROM card_to_card_payments p JOIN users u ON u.id = p.user_id
       WHERE p.bot_id = $1 AND u.telegram_id = $2 AND p.status = 'pending'`,
      tenant.botId,
      user
    )
    expect(pending[0]!.n).toBe(1)
    // The refusal is the partial unique index's, not any other error (a typo, a check constraint).
    const refusal = await shop.sql(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql.unsafe(
          `INSERT INTO card_to_card_payments (bot_id, user_id, amount, tracking_number, expires_at)
           SELECT bot_id, user_id, 1000, 'C2C00000000000000AB', now() FROM card_to_card_payments WHERE tracking_number = $1`,
          [first]
        )
      }).pipe(Effect.flip)
    )
    expect(refusal.reason._tag).toBe("UniqueViolation")
    expect((refusal.reason as { constraint?: string }).constraint).toBe("idx_card_to_card_payments_one_pending")
    expect((refusal.reason.cause as { code?: string }).code).toBe("23505")
  })

  it("the user can cancel before sending a receipt; forged and foreign button data is ignored", async () => {
    const user = 1008
    const instructions = await startCardPurchase(shop, tenant, user, tenant.planIds[0]!)
    const tracking = trackingIn(instructions)
    // Another user pressing this user's cancel (forged data) cannot cancel it.
    const intruder = await startChat(shop, tenant, 1009)
    let since = mark(shop, tenant, 1009)
    press(shop, tenant, 1009, intruder, buttonData(instructions, "c2c:x:"))
    await nextMessage(shop, tenant, 1009, since, "can no longer be cancelled")
    expect((await payment(tracking)).status).toBe("pending")
    // Malformed data is answered as an expired button.
    const junk = press(shop, tenant, user, instructions, "rv:a:1;DROP TABLE users")
    expect((await answerTo(shop, tenant, junk.callbackQueryId!)).text).toBe("This button is no longer valid.")
    since = mark(shop, tenant, user)
    press(shop, tenant, user, instructions, buttonData(instructions, "c2c:x:"))
    await nextMessage(shop, tenant, user, since, `${tracking} was cancelled`)
    expect(
      (
        await until(
          () => payment(tracking),
          (r) => r.status !== "pending"
        )
      ).status
    ).toBe("cancelled")
  })

  it("an admin sees pending receipts, today's sales and turns a card off and on with /admin", async () => {
    const user = 1010
    const tracking = trackingIn(await startCardPurchase(shop, tenant, user, tenant.planIds[0]!))
    await sendReceipt(shop, tenant, user, { text: "paid" })

    // Not an admin: /admin is just an unknown command.
    let since = mark(shop, tenant, user)
    say(shop, tenant, user, "/admin")
    await nextMessage(shop, tenant, user, since, "I don't know that command")

    since = mark(shop, tenant, ADMIN)
    say(shop, tenant, ADMIN, "/admin")
    const panel = await nextMessage(shop, tenant, ADMIN, since, "admin panel")

    since = mark(shop, tenant, ADMIN)
    press(shop, tenant, ADMIN, panel, "adm:p")
    const pending = await nextMessage(shop, tenant, ADMIN, since, "waiting for review")
    expect(pending.text).toContain(tracking)

    since = mark(shop, tenant, ADMIN)
    press(shop, tenant, ADMIN, panel, "adm:s")
    const sales = await nextMessage(shop, tenant, ADMIN, since, "Today")
    expect(sales.text).toMatch(/Sales: [1-9]/)

    since = mark(shop, tenant, ADMIN)
    press(shop, tenant, ADMIN, panel, "adm:c")
    const cards = await nextMessage(shop, tenant, ADMIN, since, "Cards")
    press(shop, tenant, ADMIN, cards, buttonData(cards, "adm:t:"))
    await eventually(
      async () =>
        (
          await query<{ isActive: boolean }>(
            shop,
            "SELECT is_active FROM tenant_payment_cards WHERE id = $1",
            tenant.cardIds[0]
          )
        )[0]!.isActive === false
    )
    // With its only card off, the shop offers no card payment.
    const welcome = await startChat(shop, tenant, 1011)
    since = mark(shop, tenant, 1011)
    press(shop, tenant, 1011, welcome, `plan:${tenant.planIds[0]}`)
    await nextMessage(shop, tenant, 1011, since, "How would you like to pay")
    since = mark(shop, tenant, 1011)
    press(shop, tenant, 1011, welcome, `pc:c:${tenant.planIds[0]}`)
    await nextMessage(shop, tenant, 1011, since, "Card payments are not available")
    press(shop, tenant, ADMIN, cards, buttonData(cards, "adm:t:"))
    await eventually(
      async () =>
        (
          await query<{ isActive: boolean }>(
            shop,
            "SELECT is_active FROM tenant_payment_cards WHERE id = $1",
            tenant.cardIds[0]
          )
        )[0]!.isActive === true
    )
  })
})
