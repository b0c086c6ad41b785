/**
 * zarinpal_reconcile (every 5 s here): a payment the user paid whose callback
 * was dropped is found through unVerified.json, verified with our amount and
 * credited exactly once; the callback replayed afterwards changes nothing. A
 * payment paid after we expired it is credited too; one that was never paid,
 * and another merchant's, are left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually } from "../support/app.ts"
import { createTenant, mark, nextMessage, query, startShop } from "../shop/harness.ts"
import type { Shop, Tenant } from "../shop/harness.ts"
import { callback, depositsOf, payOnline, sleep, textIn, zarinpalPayment } from "./support.ts"

let shop: Shop
let tenant: Tenant

beforeAll(async () => {
  shop = await startShop({ zarinpalReconcileIntervalSeconds: 5 })
  tenant = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
})
afterAll(() => shop?.close())

const unVerifiedCalls = () => shop.zarinpal.requests().filter((r) => r.endpoint === "unVerified").length

describe("zarinpal_reconcile", () => {
  it("credits a paid payment whose callback was dropped, once; a replayed callback changes nothing", async () => {
    const user = 900_001
    const authority = await payOnline(shop, tenant, user, { planId: tenant.planIds[0]! })
    const stillOpen = await payOnline(shop, tenant, 900_002, { topUp: 40_000 })
    const since = mark(shop, tenant, user)
    const bank = await shop.zarinpal.pay(authority) // no follow: the browser never reaches our callback

    await eventually(async () => (await zarinpalPayment(shop, authority)).status === "paid", 15_000, 200)
    expect(unVerifiedCalls()).toBeGreaterThan(0)
    const row = await zarinpalPayment(shop, authority)
    expect(row.zarinpalRefId).toBe(String(shop.zarinpal.payment(authority)!.refId))
    expect(shop.zarinpal.payment(authority)!.state).toBe("verified")
    expect(await depositsOf(shop, authority)).toBe(1)
    // The plan it paid for is bought, and the user hears about it once.
    await nextMessage(shop, tenant, user, since, "was received and your Monthly 50GB plan is active", 10_000)
    const purchases = await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM transactions WHERE reference = $1 AND type = 'purchase'",
      authority
    )
    expect(purchases[0]!.n).toBe(1)

    // The callback arrives after all (a reload), twice at once: nothing more happens.
    const replays = await Promise.all([callback(shop, bank.callbackUrl), callback(shop, bank.callbackUrl)])
    expect(replays.map((r) => r.status)).toEqual([200, 200])
    expect(replays.every((r) => r.body.includes("Payment successful"))).toBe(true)
    // And further reconciliation runs find nothing to do.
    const calls = unVerifiedCalls()
    await eventually(() => unVerifiedCalls() > calls, 10_000)
    await sleep(500)
    expect(await depositsOf(shop, authority)).toBe(1)
    const received = shop.telegram
      .sentMessages(tenant.token, user)
      .slice(since)
      .filter((m) => m.text?.includes("was received"))
    expect(received.length).toBe(1)
    const notices = await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM job_notices WHERE kind = 'zarinpal_paid' AND subject_id = $1",
      row.id
    )
    expect(notices[0]!.n).toBe(1)

    // Never paid: still pending, nothing credited.
    expect((await zarinpalPayment(shop, stillOpen)).status).toBe("pending")
    expect(await depositsOf(shop, stillOpen)).toBe(0)
  }, 45_000)

  it("credits a payment the user finished at the bank after we expired it", async () => {
    const user = 900_003
    const authority = await payOnline(shop, tenant, user, { topUp: 30_000 })
    const since = mark(shop, tenant, user)
    await query(shop, "UPDATE zarinpal_payments SET expires_at = now() WHERE zarinpal_authority = $1", authority)
    await eventually(async () => (await zarinpalPayment(shop, authority)).status === "expired", 10_000)
    await nextMessage(shop, tenant, user, since, textIn("en", "payment-expired"))

    await shop.zarinpal.pay(authority)
    await eventually(async () => (await zarinpalPayment(shop, authority)).status === "paid", 15_000, 200)
    expect(await depositsOf(shop, authority)).toBe(1)
    const told = await nextMessage(shop, tenant, user, since, "added to your wallet", 10_000)
    expect(told.text).toContain("30,000 toman")
    const [balance] = await query<{ balance: number }>(
      shop,
      "SELECT balance FROM users WHERE bot_id = $1 AND telegram_id = $2",
      tenant.botId,
      user
    )
    expect(balance!.balance).toBe(30_000)
  }, 45_000)
})
