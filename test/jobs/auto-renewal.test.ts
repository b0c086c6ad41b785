/**
 * auto_renewal (issue 18, item 4): a subscription due within
 * AUTO_RENEW_HOURS_BEFORE with auto-renewal on is renewed from the wallet once
 * per period — also when two replicas run the job at the same moment, and
 * when provisioning fails and the service restarts after the charge — with
 * the ledger entry and the tenant's billing; a short wallet gets one top-up
 * notice; switched off, nothing happens.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { autoRenewalRun } from "../../src/jobs/auto-renewal.ts"
import { startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"
import {
  buttonData,
  createTenant,
  fundWallet,
  mark,
  nextMessage,
  press,
  query,
  say,
  startChat,
  startShop,
  until
} from "../shop/harness.ts"
import type { Shop, Tenant } from "../shop/harness.ts"

const DAY = 86_400_000
let shop: Shop
let tenant: Tenant
let second: RunningApp

beforeAll(async () => {
  shop = await startShop({ autoRenewalIntervalSeconds: 1 })
  tenant = await createTenant(shop, {
    flags: ["card_to_card", "auto_renewal"],
    config: { DEFAULT_LANGUAGE: "en", AUTO_RENEW_HOURS_BEFORE: 24 }
  })
  second = await startApp({
    databaseUrl: shop.db.url,
    telegramApiRoot: shop.telegram.url,
    config: shop.config,
    runnerName: "second"
  })
})
afterAll(async () => {
  await second?.stop()
  await shop?.close()
})

const username = (user: number) => `b${tenant.botId}_u${user}`

/** Bought from the wallet, auto-renewal switched on from "My subscription". */
const subscribeWithAutoRenew = async (user: number, on = true) => {
  const welcome = await startChat(shop, tenant, user)
  await fundWallet(shop, tenant, user, 150_000)
  let since = mark(shop, tenant, user)
  press(shop, tenant, user, welcome, `pc:w:${tenant.planIds[0]}`)
  await nextMessage(shop, tenant, user, since, "subscription is ready")
  if (!on) return
  since = mark(shop, tenant, user)
  say(shop, tenant, user, "📱 My subscription")
  const view = await nextMessage(shop, tenant, user, since, "Auto-renewal from the wallet: off")
  since = mark(shop, tenant, user)
  press(shop, tenant, user, view, buttonData(view, "ar:on"))
  await nextMessage(shop, tenant, user, since, "Auto-renewal is on")
}

/** Moves the period's end to `hoursLeft` from now (the panel follows at the next provisioning). */
const dueIn = async (user: number, hoursLeft: number) => {
  const rows = await query<{ expiresAt: Date }>(
    shop,
    `UPDATE subscriptions SET expires_at = date_trunc('second', now()) + make_interval(hours => $3)
     WHERE bot_id = $1 AND user_id = (SELECT id FROM users WHERE bot_id = $1 AND telegram_id = $2)
     RETURNING expires_at`,
    tenant.botId,
    user,
    hoursLeft
  )
  return rows[0]!.expiresAt.getTime()
}

const ledgerOf = (user: number) =>
  query<{ type: string; amount: number; reference: string | null }>(
    shop,
    `SELECT t.type, t.amount, t.reference FROM transactions t JOIN users u ON u.id = t.user_id
     WHERE t.bot_id = $1 AND u.telegram_id = $2 ORDER BY t.id`,
    tenant.botId,
    user
  )

const expiryOf = async (user: number) =>
  (
    await query<{ expiresAt: Date }>(
      shop,
      `SELECT s.expires_at FROM subscriptions s JOIN users u ON u.id = s.user_id
       WHERE s.bot_id = $1 AND u.telegram_id = $2`,
      tenant.botId,
      user
    )
  )[0]!.expiresAt.getTime()

const tenantSales = async (reference: string) =>
  (
    await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM tenant_wallet_transactions WHERE bot_id = $1 AND reference = $2",
      tenant.botId,
      `sale:${reference}`
    )
  )[0]!.n

const runEverywhere = () =>
  Promise.all([shop.app.run(autoRenewalRun), second.run(autoRenewalRun), second.run(autoRenewalRun)])

describe("auto_renewal", () => {
  it("enough balance: charged once (two replicas at once), extended 30 days on the same panel user, told", async () => {
    const user = 9101
    await subscribeWithAutoRenew(user)
    const before = shop.panel.user(username(user))!
    // Enough for three renewals: only one may happen.
    await fundWallet(shop, tenant, user, 450_000)
    const since = mark(shop, tenant, user)
    const periodEnd = await dueIn(user, 12)
    await Promise.all([runEverywhere(), runEverywhere()])
    const told = await nextMessage(shop, tenant, user, since, "renewed automatically")
    expect(told.text).toContain("150,000 toman paid")
    expect(told.text).toContain("Wallet balance: 300,000 toman")
    await nextMessage(shop, tenant, user, since, "subscription was extended")
    await runEverywhere()

    expect(await expiryOf(user)).toBe(periodEnd + 30 * DAY)
    const after = shop.panel.user(username(user))!
    expect(after.uuid).toBe(before.uuid)
    expect(new Date(after.expireAt).getTime()).toBe(periodEnd + 30 * DAY)
    const ledger = await ledgerOf(user)
    const auto = ledger.filter((t) => t.reference?.startsWith("auto:"))
    expect(auto.map((t) => [t.type, t.amount])).toEqual([["purchase", -150_000]])
    expect(await tenantSales(auto[0]!.reference!)).toBe(1)
    expect(
      (
        await query<{ balance: number }>(
          shop,
          "SELECT balance FROM users WHERE bot_id = $1 AND telegram_id = $2",
          tenant.botId,
          user
        )
      )[0]!.balance
    ).toBe(300_000)
    expect(
      shop.telegram.sentMessages(tenant.token, user).filter((m) => /renewed automatically/.test(m.text ?? ""))
    ).toHaveLength(1)
  })

  it("a failing panel and a restart after the charge: provisioned later, still one charge", async () => {
    const user = 9102
    await subscribeWithAutoRenew(user)
    await fundWallet(shop, tenant, user, 150_000)
    // The panel refuses updates for two provisioning attempts (4 calls each).
    shop.panel.failNext(8, { method: "PATCH" })
    const since = mark(shop, tenant, user)
    const periodEnd = await dueIn(user, 6)
    await shop.app.run(autoRenewalRun)
    await nextMessage(shop, tenant, user, since, "renewed automatically")
    await shop.restart()
    await runEverywhere()
    await until(
      async () => shop.panel.user(username(user))!,
      (u) => new Date(u.expireAt).getTime() === periodEnd + 30 * DAY,
      15_000
    )
    await runEverywhere()
    const auto = (await ledgerOf(user)).filter((t) => t.reference?.startsWith("auto:"))
    expect(auto).toHaveLength(1)
    expect(await expiryOf(user)).toBe(periodEnd + 30 * DAY)
  })

  it("not enough in the wallet: one top-up notice, nothing charged; after a top-up it renews", async () => {
    const user = 9103
    await subscribeWithAutoRenew(user)
    await fundWallet(shop, tenant, user, 100_000)
    const since = mark(shop, tenant, user)
    const periodEnd = await dueIn(user, 20)
    await runEverywhere()
    const notice = await nextMessage(shop, tenant, user, since, "could not renew")
    expect(notice.text).toContain("Please add 50,000 toman")
    await runEverywhere()
    await new Promise((r) => setTimeout(r, 2000)) // scheduled ticks too
    expect(
      shop.telegram.sentMessages(tenant.token, user).filter((m) => /could not renew/.test(m.text ?? ""))
    ).toHaveLength(1)
    expect((await ledgerOf(user)).filter((t) => t.reference?.startsWith("auto:"))).toEqual([])
    expect(await expiryOf(user)).toBe(periodEnd)

    await fundWallet(shop, tenant, user, 50_000)
    await nextMessage(shop, tenant, user, since, "renewed automatically", 10_000)
    expect(await expiryOf(user)).toBe(periodEnd + 30 * DAY)
  })

  it("switched off, or not yet due: nothing", async () => {
    const off = 9104
    await subscribeWithAutoRenew(off, false)
    await fundWallet(shop, tenant, off, 300_000)
    const offEnd = await dueIn(off, 2)
    const early = 9105
    await subscribeWithAutoRenew(early)
    await fundWallet(shop, tenant, early, 300_000)
    const earlyEnd = await dueIn(early, 30)
    await runEverywhere()
    await new Promise((r) => setTimeout(r, 2000))
    expect(await expiryOf(off)).toBe(offEnd)
    expect(await expiryOf(early)).toBe(earlyEnd)
    expect((await ledgerOf(off)).filter((t) => t.reference?.startsWith("auto:"))).toEqual([])
    expect((await ledgerOf(early)).filter((t) => t.reference?.startsWith("auto:"))).toEqual([])
  })
})
