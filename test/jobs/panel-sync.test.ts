/**
 * panel_sync (issue 18, item 7): used traffic read back from the Remnawave
 * panel onto subscriptions and the bot; a panel user deleted or disabled out
 * of band is marked and reported to the tenant's admins once, and never
 * silently recreated or re-enabled.
 */
import { DateTime, Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { panelSyncRun } from "../../src/jobs/panel-sync.ts"
import { RemnawaveClient } from "../../src/vpn/remnawave-client.ts"
import {
  ADMIN_CHAT,
  createTenant,
  fundWallet,
  mark,
  nextMessage,
  press,
  query,
  say,
  startChat,
  startShop
} from "../shop/harness.ts"
import type { Shop, Tenant } from "../shop/harness.ts"

const GIB = 1024 ** 3
let shop: Shop
let tenant: Tenant

beforeAll(async () => {
  shop = await startShop()
  tenant = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
})
afterAll(() => shop?.close())

const username = (user: number) => `b${tenant.botId}_u${user}`
const sync = () => shop.app.run(panelSyncRun as Effect.Effect<unknown, unknown, never>)

const subscribe = async (user: number) => {
  const welcome = await startChat(shop, tenant, user)
  await fundWallet(shop, tenant, user, 150_000)
  const since = mark(shop, tenant, user)
  press(shop, tenant, user, welcome, `pc:w:${tenant.planIds[0]}`)
  await nextMessage(shop, tenant, user, since, "subscription is ready")
}

const rows = () =>
  query<{ panelUsername: string; trafficUsedBytes: number; panelDrift: string | null; status: string }>(
    shop,
    "SELECT panel_username, traffic_used_bytes, panel_drift, status FROM subscriptions WHERE bot_id = $1 ORDER BY id",
    tenant.botId
  )

const alerts = (since: number) =>
  shop.telegram
    .sentMessages(tenant.token, ADMIN_CHAT)
    .slice(since)
    .filter((m) => /outside the bot/.test(m.text ?? ""))

describe("panel_sync", () => {
  it("writes used traffic, reports deleted and disabled panel users once, recreates nothing", async () => {
    await subscribe(9201)
    await subscribe(9202)
    shop.panel.patchUser(username(9201), { usedTrafficBytes: 5 * GIB })
    shop.panel.patchUser(username(9202), { usedTrafficBytes: 3 * GIB })
    expect(shop.panel.addDevice(username(9201), "phone")).toBe(true)
    expect(shop.panel.addDevice(username(9201), "laptop")).toBe(true)
    await sync()
    expect((await rows()).map((r) => [r.panelUsername, r.trafficUsedBytes, r.panelDrift])).toEqual([
      [username(9201), 5 * GIB, null],
      [username(9202), 3 * GIB, null]
    ])
    expect(
      (
        await query<{ devicesConnected: number }>(
          shop,
          "SELECT devices_connected FROM subscriptions WHERE bot_id = $1 ORDER BY id",
          tenant.botId
        )
      ).map((r) => r.devicesConnected)
    ).toEqual([2, 0])
    const [bot] = await query<{ trafficConsumedBytes: number }>(
      shop,
      "SELECT traffic_consumed_bytes FROM bots WHERE id = $1",
      tenant.botId
    )
    expect(bot!.trafficConsumedBytes).toBe(8 * GIB)
    // The customer sees it in "My subscription".
    const before = mark(shop, tenant, 9201)
    say(shop, tenant, 9201, "📱 My subscription")
    const view = await nextMessage(shop, tenant, 9201, before, "Traffic: 5 GB used of 50 GB")
    expect(view.text).toMatch(/Devices: 2 of \d+ connected/)

    const since = mark(shop, tenant, ADMIN_CHAT)
    expect(shop.panel.deleteUser(username(9201))).toBe(true)
    shop.panel.patchUser(username(9202), { disabled: true })
    await sync()
    await nextMessage(shop, tenant, ADMIN_CHAT, since, `deleted outside the bot: ${username(9201)}`)
    await nextMessage(shop, tenant, ADMIN_CHAT, since, `disabled outside the bot: ${username(9202)}`)
    await sync()
    await sync()
    await new Promise((r) => setTimeout(r, 1500))
    expect(alerts(since)).toHaveLength(2)
    expect((await rows()).map((r) => [r.panelDrift, r.status])).toEqual([
      ["deleted", "active"],
      ["disabled", "active"]
    ])
    // Reported, not fixed: the deleted user stays deleted, the disabled one disabled.
    expect(shop.panel.user(username(9201))).toBeUndefined()
    expect(shop.panel.user(username(9202))!.status).toBe("DISABLED")

    // The panel agrees again (an admin re-enabled the user): the mark is cleared.
    shop.panel.patchUser(username(9202), { disabled: false })
    await sync()
    expect((await rows()).map((r) => r.panelDrift)).toEqual(["deleted", null])
  })

  it("reads a panel of more than one page (500 users): a user on the second page is synced, not reported deleted", async () => {
    // 510 users of another fleet's shop fill the first page; ours comes after them.
    await shop.app.run(
      Effect.gen(function* () {
        const remnawave = yield* RemnawaveClient
        const expireAt = DateTime.fromDateUnsafe(new Date(Date.now() + 86_400_000))
        yield* Effect.forEach(
          Array.from({ length: 510 }, (_, i) => i),
          (i) => remnawave.createUser({ username: `b999_u${i}`, expireAt, trafficLimitBytes: 0 }),
          { concurrency: 20, discard: true }
        )
      }) as Effect.Effect<void, unknown, never>
    )
    await subscribe(9203)
    shop.panel.patchUser(username(9203), { usedTrafficBytes: 7 * GIB })
    const since = mark(shop, tenant, ADMIN_CHAT)
    await sync()
    const row = (await rows()).find((r) => r.panelUsername === username(9203))!
    expect([row.trafficUsedBytes, row.panelDrift]).toEqual([7 * GIB, null])
    expect(alerts(since)).toEqual([])
  })
})
