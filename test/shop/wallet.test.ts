/**
 * The wallet: a top-up by card credits it, a plan bought from it debits it,
 * every change is a transaction row, the history shows them, and a renewal
 * extends the subscription (and the panel user) instead of starting over.
 * The same Telegram user in two shops has two wallets and two subscriptions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ADMIN,
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
  startChat,
  startShop,
  until
} from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"

let shop: Shop
let tenant: Tenant

beforeAll(async () => {
  shop = await startShop()
  tenant = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
})
afterAll(() => shop?.close())

const userRow = async (t: Tenant, telegramId: number) =>
  (
    await query<{ id: number; balance: number }>(
      shop,
      "SELECT id, balance FROM users WHERE bot_id = $1 AND telegram_id = $2",
      t.botId,
      telegramId
    )
  )[0]!

/** Wallet → Top up → amount → card → receipt → approved. */
const topUpByCard = async (t: Tenant, user: number, amount: number) => {
  await startChat(shop, t, user)
  let since = mark(shop, t, user)
  say(shop, t, user, "👛 Wallet")
  const wallet = await nextMessage(shop, t, user, since, "wallet balance")
  since = mark(shop, t, user)
  press(shop, t, user, wallet, buttonData(wallet, "w:topup"))
  await nextMessage(shop, t, user, since, "How much would you like to add")
  since = mark(shop, t, user)
  say(shop, t, user, "5") // below the minimum: asked again
  await nextMessage(shop, t, user, since, "Please send a number between")
  since = mark(shop, t, user)
  say(shop, t, user, amount.toLocaleString("en-US"))
  const methods = await nextMessage(shop, t, user, since, "How would you like to pay")
  since = mark(shop, t, user)
  press(shop, t, user, methods, buttonData(methods, "tm:c:"))
  await nextMessage(shop, t, user, since, /C2C[0-9A-F]{16}/)
  const receipt = await sendReceipt(shop, t, user, { text: "sent" })
  expect(receipt.text).toContain("wallet top-up")
  since = mark(shop, t, user)
  press(shop, t, ADMIN, receipt, buttonData(receipt, "rv:a:"))
  return nextMessage(shop, t, user, since, "added to your wallet")
}

/** Buys a plan from the wallet through plan → method → confirm. */
const buyFromWallet = async (t: Tenant, user: number, planId: number) => {
  const welcome = await startChat(shop, t, user)
  let since = mark(shop, t, user)
  press(shop, t, user, welcome, `plan:${planId}`)
  const methods = await nextMessage(shop, t, user, since, "How would you like to pay")
  since = mark(shop, t, user)
  press(shop, t, user, methods, buttonData(methods, "pm:w:"))
  const confirm = await nextMessage(shop, t, user, since, "From my wallet")
  since = mark(shop, t, user)
  press(shop, t, user, confirm, buttonData(confirm, "pc:w:"))
  const done = await nextMessage(shop, t, user, since, /You bought|cannot complete/)
  return { done, since }
}

describe("wallet", () => {
  it("tops up by card, buys from the wallet, renews (extending), and shows the history", async () => {
    const user = 3001
    const credited = await topUpByCard(tenant, user, 400_000)
    expect(credited.text).toContain("400,000 toman")
    await until(
      () => userRow(tenant, user),
      (u) => u.balance === 400_000
    )

    const { done, since } = await buyFromWallet(tenant, user, tenant.planIds[0]!)
    expect(done.text).toContain("You bought Monthly 50GB for 150,000 toman")
    expect(done.text).toContain("Wallet balance: 250,000 toman")
    await nextMessage(shop, tenant, user, since, "subscription is ready")
    const username = `b${tenant.botId}_u${user}`
    const first = shop.panel.user(username)!
    const firstExpiry = new Date(first.expireAt).getTime()

    // A renewal: +30 days from the current expiry, the same panel user.
    const renewal = await buyFromWallet(tenant, user, tenant.planIds[0]!)
    expect(renewal.done.text).toContain("Wallet balance: 100,000 toman")
    await nextMessage(shop, tenant, user, renewal.since, "subscription was extended")
    const renewed = shop.panel.user(username)!
    expect(renewed.uuid).toBe(first.uuid)
    expect(new Date(renewed.expireAt).getTime() - firstExpiry).toBe(30 * 86_400_000)
    expect(shop.panel.users().filter((u) => u.username === username)).toHaveLength(1)

    // Not enough left for the next one: the wallet is not offered, and a forged confirm is refused.
    const welcome = await startChat(shop, tenant, user)
    let s = mark(shop, tenant, user)
    press(shop, tenant, user, welcome, `plan:${tenant.planIds[0]}`)
    const methods = await nextMessage(shop, tenant, user, s, "How would you like to pay")
    expect(methodsOffered(methods)).not.toContain("w")
    expect(methodsOffered(methods)).toContain("c")
    const forged = press(shop, tenant, user, welcome, `pc:w:${tenant.planIds[0]}`)
    expect((await answerTo(shop, tenant, forged.callbackQueryId!)).text).toBe("Your wallet balance is not enough.")
    expect((await userRow(tenant, user)).balance).toBe(100_000)

    // The ledger: every change one row, summing to the balance, never negative.
    const { id } = await userRow(tenant, user)
    const txs = await query<{ type: string; amount: number; balanceAfter: number }>(
      shop,
      "SELECT type, amount, balance_after FROM transactions WHERE bot_id = $1 AND user_id = $2 ORDER BY id",
      tenant.botId,
      id
    )
    expect(txs.map((t) => [t.type, t.amount, t.balanceAfter])).toEqual([
      ["deposit", 400_000, 400_000],
      ["purchase", -150_000, 250_000],
      ["purchase", -150_000, 100_000]
    ])

    s = mark(shop, tenant, user)
    say(shop, tenant, user, "👛 Wallet")
    const wallet = await nextMessage(shop, tenant, user, s, "wallet balance: 100,000 toman")
    s = mark(shop, tenant, user)
    press(shop, tenant, user, wallet, buttonData(wallet, "w:hist"))
    const history = await nextMessage(shop, tenant, user, s, "latest transactions")
    expect(history.text).toContain("+400,000 toman (top-up)")
    expect(history.text).toContain("−150,000 toman (purchase)")

    s = mark(shop, tenant, user)
    say(shop, tenant, user, "📱 My subscription")
    const mine = await nextMessage(shop, tenant, user, s, "Your subscription")
    expect(mine.text).toContain(renewed.subscriptionUrl)
    expect(mine.text).toContain("Monthly 50GB")
  })

  it("two tenants with the same Telegram user keep separate wallets and subscriptions", async () => {
    const other = await createTenant(shop, { name: "Second Shop", config: { DEFAULT_LANGUAGE: "en" } })
    const user = 3002
    await topUpByCard(tenant, user, 200_000)
    await topUpByCard(other, user, 500_000)
    await until(
      () => userRow(tenant, user),
      (u) => u.balance === 200_000
    )
    await until(
      () => userRow(other, user),
      (u) => u.balance === 500_000
    )

    const a = await buyFromWallet(tenant, user, tenant.planIds[0]!)
    await nextMessage(shop, tenant, user, a.since, "subscription is ready")
    const b = await buyFromWallet(other, user, other.planIds[1]!)
    await nextMessage(shop, other, user, b.since, "subscription is ready")

    await until(
      () => userRow(tenant, user),
      (u) => u.balance === 50_000
    )
    await until(
      () => userRow(other, user),
      (u) => u.balance === 100_000
    )
    const inA = shop.panel.user(`b${tenant.botId}_u${user}`)!
    const inB = shop.panel.user(`b${other.botId}_u${user}`)!
    expect(inA.uuid).not.toBe(inB.uuid)
    expect(inA.trafficLimitBytes).toBe(50 * 1024 ** 3)
    expect(inB.trafficLimitBytes).toBe(150 * 1024 ** 3)
    const subs = await query<{ botId: number; planId: number }>(
      shop,
      "SELECT s.bot_id, s.plan_id FROM subscriptions s JOIN users u ON u.id = s.user_id WHERE u.telegram_id = $1 ORDER BY s.bot_id",
      user
    )
    expect(subs).toEqual([
      { botId: tenant.botId, planId: tenant.planIds[0] },
      { botId: other.botId, planId: other.planIds[1] }
    ])
    // Each bot's messages went to its own chat with the user.
    expect(shop.telegram.sentMessages(other.token, user).some((m) => m.text?.includes(inA.subscriptionUrl))).toBe(false)
  })
})
