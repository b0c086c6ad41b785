/**
 * Issue 15, findings 3 and 4: the public ZarinPal callback cannot be forged
 * into harm, and one tenant's bad data cannot stop reconciliation for all.
 *
 * - A forged Status=NOK on an authority the customer already paid used to
 *   cancel it for good (the real OK afterwards still showed cancelled, and
 *   reconciliation left cancelled payments alone). Now NOK cancels only after
 *   verify says unpaid; a paid one is credited.
 * - Fifty forged OK callbacks on one pending authority made fifty verify calls;
 *   now verify is asked at most once per ZARINPAL_VERIFY_INTERVAL_SECONDS.
 * - A configuration value over 16 MiB made that tenant's every load fail and
 *   the fleet-wide reconciliation fail on every tick, for every tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually } from "../support/app.ts"
import { createTenant, mark, nextMessage, query, say, startShop } from "../shop/harness.ts"
import type { Shop, Tenant } from "../shop/harness.ts"
import { callback, depositsOf, payOnline, zarinpalPayment } from "../jobs/support.ts"

let shop: Shop
let junk: Tenant
let tenant: Tenant

beforeAll(async () => {
  shop = await startShop({ zarinpalReconcileIntervalSeconds: 2 })
  // Created first, so reconciliation meets it first.
  junk = await createTenant(shop, { name: "Junk", config: { DEFAULT_LANGUAGE: "en" } })
  tenant = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
  // Stored before values had a limit: 17 MiB, past the wire protocol's comfort.
  await query(
    shop,
    `INSERT INTO bot_configurations (bot_id, config_key, config_value)
     VALUES ($1, 'HUGE', to_jsonb(repeat('x', 17 * 1024 * 1024)))`,
    junk.botId
  )
}, 60_000)
afterAll(() => shop?.close())

/** Our callback URL for an authority, with the status a forger chooses. */
const forged = (botId: number, authority: string, status: "OK" | "NOK") =>
  `http://shop.example/payments/zarinpal/callback/${botId}?Authority=${authority}&Status=${status}`

describe("forged callbacks", () => {
  it("a forged NOK on a paid authority credits it instead of cancelling it", async () => {
    const user = 910_001
    const authority = await payOnline(shop, tenant, user, { topUp: 50_000 })
    const bank = await shop.zarinpal.pay(authority) // paid; the browser has not come back yet
    const forgery = await callback(shop, forged(tenant.botId, authority, "NOK"))
    expect(forgery.status).toBe(200)
    expect((await zarinpalPayment(shop, authority)).status).toBe("paid")
    expect(await depositsOf(shop, authority)).toBe(1)
    // The real OK afterwards: paid, nothing more.
    const real = await callback(shop, bank.callbackUrl)
    expect(real.status).toBe(200)
    expect(real.body).toContain("Payment successful")
    expect(await depositsOf(shop, authority)).toBe(1)
  }, 30_000)

  it("a NOK on an unpaid authority cancels it (verify says unpaid)", async () => {
    const authority = await payOnline(shop, tenant, 910_002, { topUp: 20_000 })
    const response = await callback(shop, forged(tenant.botId, authority, "NOK"))
    expect(response.status).toBe(200)
    expect((await zarinpalPayment(shop, authority)).status).toBe("cancelled")
  }, 30_000)

  it("fifty forged OK callbacks on one pending authority make at most one verify call", async () => {
    const authority = await payOnline(shop, tenant, 910_003, { topUp: 20_000 })
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => callback(shop, forged(tenant.botId, authority, "OK")))
    )
    expect(responses.every((r) => r.status === 200 || r.status === 503)).toBe(true)
    expect(shop.zarinpal.payment(authority)!.verifyCalls).toBeLessThanOrEqual(1)
    expect((await zarinpalPayment(shop, authority)).status).toBe("pending")
  }, 30_000)
})

describe("reconciliation", () => {
  it("credits a recently cancelled payment that ZarinPal holds as paid, past a tenant it cannot read", async () => {
    const user = 910_004
    const authority = await payOnline(shop, tenant, user, { topUp: 30_000 })
    // As the old code left it: cancelled by a forged NOK, paid at the bank.
    await query(shop, "UPDATE zarinpal_payments SET status = 'cancelled' WHERE zarinpal_authority = $1", authority)
    await shop.zarinpal.pay(authority)
    await eventually(async () => (await zarinpalPayment(shop, authority)).status === "paid", 20_000, 200)
    expect(await depositsOf(shop, authority)).toBe(1)
  }, 40_000)

  it("the tenant with the huge value still loads: its /start is answered", async () => {
    const since = mark(shop, junk, 910_005)
    await say(shop, junk, 910_005, "/start")
    await nextMessage(shop, junk, 910_005, since, () => true, 10_000)
  }, 20_000)
})
