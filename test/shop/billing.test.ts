/**
 * Tenant billing (issue 7's rule, applied by the shop): every completed sale
 * charges the tenant's platform wallet for the traffic sold. 100 simultaneous
 * sales on one tenant never overdraw it; the sales it cannot cover are refused
 * cleanly (the user keeps their money and is told, the admins are alerted); the
 * ledger sums to the balance; the low-balance warning fires once, when the
 * balance crosses the threshold.
 *
 * Needs `chargeSale` (src/payments/tenant-wallet.ts) to lock the bot row with
 * `FOR NO KEY UPDATE`: every update transaction holds a KEY SHARE lock on it
 * (its processed_updates row references the bot), so `FOR UPDATE` makes two
 * simultaneous sales deadlock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually } from "../support/app.ts"
import { ADMIN_CHAT, createTenant, mark, press, query, startChat, startShop, until } from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"

let shop: Shop
let tenant: Tenant

const SALES = 100
// 15 refused sales: their 15 alerts and the low-balance warning stay within Telegram's 20 messages
// a minute to the admins' group.
const AFFORDABLE = 85
const PRICE = 20_000
const GB = 10
const RATE = 100 // per GB: one sale costs the tenant 1,000

beforeAll(async () => {
  shop = await startShop()
  tenant = await createTenant(shop, {
    config: { DEFAULT_LANGUAGE: "en", TENANT_LOW_BALANCE_THRESHOLD: 10_000 },
    plans: [{ name: "Ten", periodDays: 30, price: PRICE, trafficLimitGb: GB }],
    walletBalance: AFFORDABLE * GB * RATE,
    trafficRatePerGb: RATE
  })
})
afterAll(() => shop?.close())

describe("tenant billing", () => {
  it("100 concurrent sales never overdraw the tenant wallet; refused sales are refused cleanly", async () => {
    const users = Array.from({ length: SALES }, (_, i) => 6001 + i)
    // 100 welcomes from one bot take over 3 s at Telegram's pace of about 30 messages a second.
    const welcomes = await Promise.all(users.map((u) => startChat(shop, tenant, u, 20_000)))
    // /start answers before its transaction commits: wait until every buyer's row is there.
    await eventually(
      async () =>
        (
          await query<{ n: number }>(
            shop,
            "SELECT count(*)::int AS n FROM users WHERE bot_id = $1 AND telegram_id BETWEEN 6001 AND 6100",
            tenant.botId
          )
        )[0]!.n === SALES
    )
    // Every buyer has the price in their wallet (an operator adjustment, with its ledger row).
    await query(
      shop,
      `WITH credited AS (UPDATE users SET balance = $2 WHERE bot_id = $1 AND telegram_id BETWEEN 6001 AND 6100 RETURNING id, balance)
       INSERT INTO transactions (bot_id, user_id, type, amount, balance_after, payment_method, reference)
       SELECT $1, id, 'adjustment', balance, balance, 'admin', 'test' FROM credited`,
      tenant.botId,
      PRICE
    )
    const adminSince = mark(shop, tenant, ADMIN_CHAT)
    const marks = users.map((u) => mark(shop, tenant, u))
    users.forEach((u, i) => {
      press(shop, tenant, u, welcomes[i]!, `pc:w:${tenant.planIds[0]}`)
    })

    const outcomes = await eventually(() => {
      const texts = users.map((u, i) =>
        shop.telegram
          .sentMessages(tenant.token, u)
          .slice(marks[i])
          .map((m) => m.text ?? "")
          .find((t) => /You bought|cannot complete/.test(t))
      )
      return texts.every((t) => t !== undefined) ? (texts as Array<string>) : undefined
      // One bot answers 100 buyers at Telegram's pace (about 25 messages a second), not at once.
    }, 30_000)
    const bought = outcomes.filter((t) => t.startsWith("✅ You bought")).length
    const refused = outcomes.filter((t) => t.includes("Nothing was taken from your wallet")).length
    expect(bought).toBe(AFFORDABLE)
    expect(refused).toBe(SALES - AFFORDABLE)

    // The last transactions commit just after their messages went out.
    await until(
      () => query<{ n: number }>(shop, "SELECT count(*)::int AS n FROM subscriptions WHERE bot_id = $1", tenant.botId),
      (rows) => rows[0]!.n === AFFORDABLE
    )
    const [bot] = await query<{ walletBalance: number; trafficSoldBytes: number }>(
      shop,
      "SELECT wallet_balance, traffic_sold_bytes FROM bots WHERE id = $1",
      tenant.botId
    )
    expect(bot!.walletBalance).toBe(0)
    expect(bot!.trafficSoldBytes).toBe(AFFORDABLE * GB * 1024 ** 3)
    const ledger = await query<{ type: string; amount: number; balanceAfter: number }>(
      shop,
      "SELECT type, amount, balance_after FROM tenant_wallet_transactions WHERE bot_id = $1 ORDER BY id",
      tenant.botId
    )
    expect(ledger.filter((l) => l.type === "sale")).toHaveLength(AFFORDABLE)
    expect(ledger.reduce((sum, l) => sum + l.amount, 0)).toBe(bot!.walletBalance)
    expect(ledger.every((l) => l.balanceAfter >= 0)).toBe(true)

    // Refused buyers kept their money; the others paid once each.
    const balances = await query<{ balance: number; purchases: number }>(
      shop,
      `SELECT u.balance, (SELECT count(*)::int FROM transactions t WHERE t.user_id = u.id AND t.type = 'purchase') AS purchases
       FROM users u WHERE u.bot_id = $1 AND u.telegram_id BETWEEN 6001 AND 6100`,
      tenant.botId
    )
    expect(balances.filter((b) => b.balance === 0 && b.purchases === 1)).toHaveLength(AFFORDABLE)
    expect(balances.filter((b) => b.balance === PRICE && b.purchases === 0)).toHaveLength(SALES - AFFORDABLE)
    const subs = await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM subscriptions WHERE bot_id = $1",
      tenant.botId
    )
    expect(subs[0]!.n).toBe(AFFORDABLE)

    // The admins heard about it: one low-balance warning (at the crossing), one alert per refused sale.
    await eventually(
      () =>
        shop.telegram
          .sentMessages(tenant.token, ADMIN_CHAT)
          .slice(adminSince)
          .filter((m) => m.text?.includes("was refused")).length ===
        SALES - AFFORDABLE,
      // Telegram's pace for one chat: five at once, then one a second.
      20_000
    ).catch((e) => {
      const texts = shop.telegram
        .sentMessages(tenant.token, ADMIN_CHAT)
        .slice(adminSince)
        .map((m) => m.text)
      throw new Error(`${e}: ${JSON.stringify(texts)} flood=${shop.telegram.stats(tenant.token).floodRefusals}`)
    })
    const warnings = shop.telegram
      .sentMessages(tenant.token, ADMIN_CHAT)
      .slice(adminSince)
      .filter((m) => m.text?.includes("balance is low"))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.text).toContain("below 10,000")
  }, 60_000)
})
