/**
 * Renewal (issue 18, item 2): "Renew" on an active or an expired subscription
 * buys a plan again, by card-to-card, ZarinPal or the wallet, and extends from
 * max(now, expiry) on the same panel user, keeping its registered devices.
 */
import jsQRModule from "jsqr"
import { PNG } from "pngjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ADMIN,
  buttonData,
  buttonUrl,
  createTenant,
  fundWallet,
  mark,
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

const DAY = 86_400_000
// jsqr is CommonJS: Node hands its module.exports (the function) to a default import; its types say `.default`.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default

let shop: Shop
let tenant: Tenant

beforeAll(async () => {
  shop = await startShop()
  tenant = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
})
afterAll(() => shop?.close())

const username = (user: number) => `b${tenant.botId}_u${user}`
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

/** "My subscription" → "Renew <plan>" → the plan's payment methods. */
const renewFromSubscription = async (user: number) => {
  let since = mark(shop, tenant, user)
  say(shop, tenant, user, "📱 My subscription")
  const view = await nextMessage(shop, tenant, user, since, "Your subscription")
  since = mark(shop, tenant, user)
  press(shop, tenant, user, view, buttonData(view, "plan:"))
  return nextMessage(shop, tenant, user, since, "How would you like to pay")
}

const payByCard = async (user: number, methods: Parameters<typeof buttonData>[0]) => {
  let since = mark(shop, tenant, user)
  press(shop, tenant, user, methods, buttonData(methods, "pm:c:"))
  const confirm = await nextMessage(shop, tenant, user, since, "Card transfer")
  since = mark(shop, tenant, user)
  press(shop, tenant, user, confirm, buttonData(confirm, "pc:c:"))
  await nextMessage(shop, tenant, user, since, /C2C[0-9A-F]{16}/)
  const receipt = await sendReceipt(shop, tenant, user, { text: "paid" })
  since = mark(shop, tenant, user)
  press(shop, tenant, ADMIN, receipt, buttonData(receipt, "rv:a:"))
  return nextMessage(shop, tenant, user, since, /subscription is ready|subscription was extended/, 10_000)
}

/** Wallet: first purchase, so the user has a subscription with two devices registered. */
const subscribed = async (user: number) => {
  const welcome = await startChat(shop, tenant, user)
  await fundWallet(shop, tenant, user, 150_000)
  let since = mark(shop, tenant, user)
  press(shop, tenant, user, welcome, `pc:w:${tenant.planIds[0]}`)
  await nextMessage(shop, tenant, user, since, "subscription is ready")
  expect(shop.panel.addDevice(username(user), "phone")).toBe(true)
  expect(shop.panel.addDevice(username(user), "laptop")).toBe(true)
  since = mark(shop, tenant, user)
  return shop.panel.user(username(user))!
}

describe("renewal", () => {
  it("by card-to-card before expiry: from the current expiry, same panel user, devices kept", async () => {
    const user = 7101
    const first = await subscribed(user)
    const before = await expiryOf(user)
    const methods = await renewFromSubscription(user)
    const done = await payByCard(user, methods)
    expect(done.text).toContain("extended")
    const after = shop.panel.user(username(user))!
    expect(after.uuid).toBe(first.uuid)
    expect(new Date(after.expireAt).getTime() - before).toBe(30 * DAY)
    expect(await expiryOf(user)).toBe(before + 30 * DAY)
    expect(shop.panel.devices(username(user))).toEqual(["phone", "laptop"])
  })

  it("by ZarinPal after expiry: from now, not from the past expiry; devices kept", async () => {
    const user = 7102
    const first = await subscribed(user)
    const past = new Date(Date.now() - 5 * DAY)
    await query(
      shop,
      `UPDATE subscriptions SET expires_at = $3, status = 'expired'
       WHERE bot_id = $1 AND user_id = (SELECT id FROM users WHERE bot_id = $1 AND telegram_id = $2)`,
      tenant.botId,
      user,
      past
    )
    shop.panel.patchUser(username(user), { expireAt: past })
    expect(shop.panel.user(username(user))!.status).toBe("EXPIRED")

    const methods = await renewFromSubscription(user)
    let since = mark(shop, tenant, user)
    press(shop, tenant, user, methods, buttonData(methods, "pm:z:"))
    const confirm = await nextMessage(shop, tenant, user, since, "Online payment")
    since = mark(shop, tenant, user)
    press(shop, tenant, user, confirm, buttonData(confirm, "pc:z:"))
    const link = await nextMessage(shop, tenant, user, since, "Pay ")
    const authority = buttonUrl(link).split("/").at(-1)!
    since = mark(shop, tenant, user)
    const bank = await shop.zarinpal.pay(authority)
    const url = new URL(bank.callbackUrl)
    expect((await fetch(`${shop.app.httpUrl}${url.pathname}${url.search}`)).status).toBe(200)
    await nextMessage(shop, tenant, user, since, "subscription was extended", 10_000)

    const after = shop.panel.user(username(user))!
    expect(after.uuid).toBe(first.uuid)
    expect(after.status).toBe("ACTIVE")
    expect(Math.abs(new Date(after.expireAt).getTime() - (Date.now() + 30 * DAY))).toBeLessThan(60_000)
    expect(shop.panel.devices(username(user))).toEqual(["phone", "laptop"])
    const status = await until(
      () => query<{ status: string }>(shop, "SELECT status FROM subscriptions WHERE panel_uuid = $1", first.uuid),
      (rows) => rows.length === 1
    )
    expect(status[0]!.status).toBe("active")
  })

  it("by the wallet from 'My subscription', to another plan: from the current expiry", async () => {
    const user = 7103
    const first = await subscribed(user)
    const before = await expiryOf(user)
    await fundWallet(shop, tenant, user, 400_000)
    const since = mark(shop, tenant, user)
    say(shop, tenant, user, "📱 My subscription")
    const view = await nextMessage(shop, tenant, user, since, "Your subscription")
    expect(buttonData(view, "plan:")).toBe(`plan:${tenant.planIds[0]}`)
    const s2 = mark(shop, tenant, user)
    press(shop, tenant, user, view, `pc:w:${tenant.planIds[1]}`)
    await nextMessage(shop, tenant, user, s2, "subscription was extended")
    const after = shop.panel.user(username(user))!
    expect(after.uuid).toBe(first.uuid)
    expect(new Date(after.expireAt).getTime() - before).toBe(90 * DAY)
    expect(after.hwidDeviceLimit).toBe(3)
    expect(shop.panel.devices(username(user))).toEqual(["phone", "laptop"])
  })

  it("'Reset devices' in My subscription: the panel forgets them, the customer is told, the subscription stays", async () => {
    const user = 7104
    const first = await subscribed(user)
    let since = mark(shop, tenant, user)
    say(shop, tenant, user, "📱 My subscription")
    const view = await nextMessage(shop, tenant, user, since, "Your subscription")
    // "QR code": a photo whose code reads back as the subscription link.
    since = mark(shop, tenant, user)
    press(shop, tenant, user, view, buttonData(view, "sub:qr"))
    const photo = await nextMessage(shop, tenant, user, since, (m) => m.method === "sendPhoto")
    expect(photo.caption).toMatch(/Scan this code/)
    const file = (await (
      await fetch(`${shop.telegram.url}/bot${tenant.token}/getFile?file_id=${photo.photoFileId}`)
    ).json()) as { result: { file_path: string } }
    const png = PNG.sync.read(
      Buffer.from(
        await (await fetch(`${shop.telegram.url}/file/bot${tenant.token}/${file.result.file_path}`)).arrayBuffer()
      )
    )
    const link = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data
    expect(link).toBe(first.subscriptionUrl)
    expect(view.text).toContain(link)
    since = mark(shop, tenant, user)
    press(shop, tenant, user, view, buttonData(view, "dev:reset"))
    await nextMessage(shop, tenant, user, since, "Your devices were reset")
    expect(shop.panel.devices(username(user))).toEqual([])
    const after = shop.panel.user(username(user))!
    expect(after.uuid).toBe(first.uuid)
    expect(after.expireAt).toBe(first.expireAt)
    expect(shop.panel.addDevice(username(user), "new-phone")).toBe(true)
  })
})
