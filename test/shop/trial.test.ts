/**
 * The free trial (issue 18, item 1): offered on the main menu while available,
 * granted once per customer and tenant with its own limits and squads,
 * refused after a purchase, and replaced by a purchase on the same panel user
 * with the paid days starting at the purchase.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
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
} from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"

const DAY = 86_400_000
const TRIAL = "🎁 Free trial"

let shop: Shop
let tenant: Tenant
let trialSquad: string
let paidSquad: string

beforeAll(async () => {
  shop = await startShop()
  trialSquad = shop.panel.addSquad("Trial nodes").uuid
  paidSquad = shop.panel.addSquad("Paid nodes").uuid
  tenant = await createTenant(shop, {
    flags: ["card_to_card", "trial_subscription"],
    config: {
      DEFAULT_LANGUAGE: "en",
      TRIAL_DAYS: 2,
      TRIAL_TRAFFIC_GB: 1,
      TRIAL_DEVICES: 1,
      TRIAL_SQUADS: [trialSquad],
      DEFAULT_SQUADS: [paidSquad]
    }
  })
})
afterAll(() => shop?.close())

const menuOf = (message: { replyMarkup?: unknown }) => JSON.stringify(message.replyMarkup)
const panelUser = (user: number) => shop.panel.user(`b${tenant.botId}_u${user}`)
const subscriptionOf = async (user: number) =>
  (
    await query<{ id: number; status: string; expiresAt: Date }>(
      shop,
      `SELECT s.id, s.status, s.expires_at FROM subscriptions s JOIN users u ON u.id = s.user_id
       WHERE s.bot_id = $1 AND u.telegram_id = $2`,
      tenant.botId,
      user
    )
  )[0]

const takeTrial = async (user: number) => {
  const since = mark(shop, tenant, user)
  say(shop, tenant, user, TRIAL)
  return nextMessage(shop, tenant, user, since, /free trial/i)
}

const buyFromWallet = async (user: number, planId: number) => {
  const welcome = await startChat(shop, tenant, user)
  let since = mark(shop, tenant, user)
  press(shop, tenant, user, welcome, `plan:${planId}`)
  const methods = await nextMessage(shop, tenant, user, since, "How would you like to pay")
  since = mark(shop, tenant, user)
  press(shop, tenant, user, methods, buttonData(methods, "pm:w:"))
  const confirm = await nextMessage(shop, tenant, user, since, "From my wallet")
  since = mark(shop, tenant, user)
  press(shop, tenant, user, confirm, buttonData(confirm, "pc:w:"))
  return nextMessage(shop, tenant, user, since, /subscription is ready|subscription was extended/)
}

describe("free trial", () => {
  it("is granted once with its own limits and squads, then is no longer offered", async () => {
    const user = 6101
    const welcome = await startChat(shop, tenant, user)
    expect(menuOf(welcome)).toContain(TRIAL)

    const since = mark(shop, tenant, user)
    const granted = await takeTrial(user)
    expect(granted.text).toContain("Your free trial has started: 2 days, 1 GB, 1 devices")
    expect(menuOf(granted)).not.toContain(TRIAL)
    await nextMessage(shop, tenant, user, since, "subscription is ready")
    const panel = panelUser(user)!
    expect(panel.trafficLimitBytes).toBe(1024 ** 3)
    expect(panel.hwidDeviceLimit).toBe(1)
    expect((panel.activeInternalSquads as Array<{ uuid: string }>).map((s) => s.uuid)).toEqual([trialSquad])
    expect(Math.abs(new Date(panel.expireAt).getTime() - (Date.now() + 2 * DAY))).toBeLessThan(60_000)
    expect((await subscriptionOf(user))!.status).toBe("trial")

    // Asked again (a second press, or after /start): refused, nothing changes.
    expect((await takeTrial(user)).text).toContain("not available")
    expect(menuOf(await startChat(shop, tenant, user))).not.toContain(TRIAL)
    expect(shop.panel.users().filter((u) => u.username === panel.username)).toHaveLength(1)
    const granted2 = await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM subscriptions WHERE bot_id = $1",
      tenant.botId
    )
    expect(granted2[0]!.n).toBe(1)
  })

  it("a purchase during the trial replaces it: paid days from now, same panel user, the plan's squads", async () => {
    const user = 6102
    await startChat(shop, tenant, user)
    await takeTrial(user)
    await until(
      async () => panelUser(user),
      (u) => u !== undefined
    )
    const trialUser = panelUser(user)!
    await fundWallet(shop, tenant, user, 150_000)
    const done = await buyFromWallet(user, tenant.planIds[0]!)
    expect(done.text).toContain("extended")
    const paid = panelUser(user)!
    expect(paid.uuid).toBe(trialUser.uuid)
    expect(paid.subscriptionUrl).toBe(trialUser.subscriptionUrl)
    // 30 paid days from the purchase; the trial's 2 remaining days are not added.
    expect(Math.abs(new Date(paid.expireAt).getTime() - (Date.now() + 30 * DAY))).toBeLessThan(60_000)
    expect(paid.trafficLimitBytes).toBe(50 * 1024 ** 3)
    expect((paid.activeInternalSquads as Array<{ uuid: string }>).map((s) => s.uuid)).toEqual([paidSquad])
    expect((await subscriptionOf(user))!.status).toBe("active")
    expect((await takeTrial(user)).text).toContain("not available")
  })

  it("is never given after a paid subscription, and not offered when the flag is off", async () => {
    const user = 6103
    await startChat(shop, tenant, user)
    await fundWallet(shop, tenant, user, 150_000)
    await buyFromWallet(user, tenant.planIds[0]!)
    expect(menuOf(await startChat(shop, tenant, user))).not.toContain(TRIAL)
    expect((await takeTrial(user)).text).toContain("not available")
    expect((await subscriptionOf(user))!.status).toBe("active")

    const plain = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
    const welcome = await startChat(shop, plain, 6104)
    expect(menuOf(welcome)).not.toContain(TRIAL)
    const since = mark(shop, plain, 6104)
    say(shop, plain, 6104, TRIAL)
    await nextMessage(shop, plain, 6104, since, /menu/i)
    const subs = await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM subscriptions WHERE bot_id = $1",
      plain.botId
    )
    expect(subs[0]!.n).toBe(0)
  })
})
