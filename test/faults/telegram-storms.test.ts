/**
 * Telegram misbehaving while two shops sell: 5xx storms, 429 floods with
 * retry_after, a slow network (latency on every call) and dropped connections,
 * in cycles, on getUpdates and on every send, while users buy plans card to
 * card and the admin approves each receipt twice.
 *
 * Every purchase must complete exactly once (one deposit and one purchase, one
 * panel user, the card counted once), no update may be lost or dead-lettered,
 * and the emulator must never see two pollers or a 409.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import {
  ADMIN,
  ADMIN_CHAT,
  buttonData,
  createTenant,
  mark,
  nextMessage,
  press,
  query,
  say,
  startShop,
  trackingIn,
  until
} from "../shop/harness.ts"
import type { Shop, Tenant } from "../shop/harness.ts"

const USERS_PER_TENANT = 6
/**
 * Per step. A step may wait out a storm, auto-retry's back-off on a send (3 s,
 * 6 s, 12 s), and the runner's own back-off after failed polls (exponential
 * from 1 s, DESIGN.md §1: repeated storms within a minute push it to tens of
 * seconds), and a handler may wait for another one holding the payment's row
 * while its sends are retried.
 */
const STEP_MS = 120_000
const CYCLES = 2

let shop: Shop
let tenants: Array<Tenant>

beforeAll(async () => {
  shop = await startShop()
  tenants = [
    await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } }),
    await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
  ]
})
afterAll(() => shop?.close())

/** One storm cycle on every tenant's token (≈ 9 s): 5xx, then 429 with retry_after, then latency, then dropped connections. */
const stormCycle = async (tokens: ReadonlyArray<string>, sleep: (ms: number) => Promise<void>) => {
  for (const t of tokens) shop.telegram.injectFault(t, { kind: "server_error", status: 502, durationMs: 2_000 })
  await sleep(2_500)
  for (const t of tokens) shop.telegram.injectFault(t, { kind: "rate_limit", retryAfter: 1, durationMs: 2_000 })
  await sleep(2_500)
  for (const t of tokens) shop.telegram.setLatency(t, { ms: 400 })
  await sleep(2_500)
  for (const t of tokens) shop.telegram.setLatency(t, { ms: 0 })
  for (const t of tokens) shop.telegram.injectFault(t, { kind: "network", count: 2, method: "sendMessage" })
  await sleep(1_500)
}

/** /start → card purchase → receipt → the admin approves twice → the subscription link. */
const buy = async (tenant: Tenant, user: number) => {
  let since = mark(shop, tenant, user)
  say(shop, tenant, user, "/start")
  const welcome = await nextMessage(shop, tenant, user, since, "Welcome", STEP_MS)
  since = mark(shop, tenant, user)
  press(shop, tenant, user, welcome, `pc:c:${tenant.planIds[0]}`)
  const instructions = await nextMessage(shop, tenant, user, since, /C2C[0-9A-F]{16}/, STEP_MS)
  const tracking = trackingIn(instructions)
  const adminSince = mark(shop, tenant, ADMIN_CHAT)
  say(shop, tenant, user, `paid ${tracking}`)
  const receipt = await nextMessage(
    shop,
    tenant,
    ADMIN_CHAT,
    adminSince,
    (m) => (m.text ?? m.caption ?? "").includes(tracking),
    STEP_MS
  )
  since = mark(shop, tenant, user)
  const approve = buttonData(receipt, "rv:a:")
  press(shop, tenant, ADMIN, receipt, approve)
  press(shop, tenant, ADMIN, receipt, approve)
  await nextMessage(shop, tenant, user, since, "subscription is ready", STEP_MS)
  return tracking
}

it(`storms of 5xx, 429, latency and dropped connections: ${2 * USERS_PER_TENANT} purchases each complete exactly once, nothing lost, one poller`, async () => {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
  const tokens = tenants.map((t) => t.token)
  const storms = (async () => {
    for (let i = 0; i < CYCLES; i++) await stormCycle(tokens, sleep)
  })()
  const purchases = tenants.flatMap((tenant, k) =>
    Array.from({ length: USERS_PER_TENANT }, (_, i) => ({ tenant, user: 50_000 + k * 100 + i }))
  )
  // Staggered so that steps of different users fall into different phases of the storm.
  const trackings = await Promise.all(
    purchases.map(async (p, i) => {
      await sleep(i * 700)
      return buy(p.tenant, p.user)
    })
  )
  await storms
  for (const t of tokens) shop.telegram.clearFaults(t)

  // Every purchase exactly once: approved, one deposit and one purchase, balance back to 0.
  for (const [i, { tenant, user }] of purchases.entries()) {
    const rows = await until(
      () =>
        query<{ type: string; amount: number }>(
          shop,
          `SELECT t.type, t.amount FROM transactions t JOIN users u ON u.id = t.user_id
         WHERE t.bot_id = $1 AND u.telegram_id = $2 ORDER BY t.id`,
          tenant.botId,
          user
        ),
      (r) => r.length >= 2,
      10_000
    )
    expect(rows).toEqual([
      { type: "deposit", amount: 150_000 },
      { type: "purchase", amount: -150_000 }
    ])
    const [payment] = await query<{ status: string }>(
      shop,
      "SELECT status FROM card_to_card_payments WHERE tracking_number = $1",
      trackings[i]
    )
    expect(payment!.status).toBe("approved")
    expect(shop.panel.user(`b${tenant.botId}_u${user}`)).toBeDefined()
  }
  const [counts] = await query<{ balance: number; successes: number; subscriptions: number; letters: number }>(
    shop,
    `SELECT (SELECT coalesce(sum(balance), 0)::int FROM users) AS balance,
            (SELECT sum(success_count)::int FROM tenant_payment_cards) AS successes,
            (SELECT count(*)::int FROM subscriptions) AS subscriptions,
            (SELECT count(*)::int FROM dead_letter_updates) AS letters`
  )
  expect(counts).toEqual({ balance: 0, successes: purchases.length, subscriptions: purchases.length, letters: 0 })
  expect(shop.panel.users()).toHaveLength(purchases.length)

  // Nothing lost: every update was confirmed to Telegram; never two pollers, never a 409.
  for (const t of tokens) {
    const stats = shop.telegram.stats(t)
    expect(stats.pendingUpdates).toBe(0)
    expect(stats.maxConcurrentPollers).toBe(1)
    expect(stats.conflicts).toBe(0)
  }
}, 400_000)
