/**
 * subscription_expiry (issue 18, item 3): reminders before expiry
 * (EXPIRY_REMINDER_DAYS), the expiry itself, and the reminder after it
 * (EXPIRED_REMINDER_DAYS) — each sent once per period, with a Renew button,
 * also with a second replica running the same job at the same moment and
 * after a restart; blocked customers get none.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { subscriptionExpiryRun } from "../../src/jobs/subscription-expiry.ts"
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
  shop = await startShop({ subscriptionExpiryIntervalSeconds: 1 })
  tenant = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
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

const subscribe = async (user: number) => {
  const welcome = await startChat(shop, tenant, user)
  await fundWallet(shop, tenant, user, 150_000)
  const since = mark(shop, tenant, user)
  press(shop, tenant, user, welcome, `pc:w:${tenant.planIds[0]}`)
  await nextMessage(shop, tenant, user, since, "subscription is ready")
}

/** Time passes: the period (which began 30 days before) now ends at `at`. */
const setExpiry = (user: number, at: Date) =>
  query(
    shop,
    `UPDATE subscriptions SET expires_at = $3, period_started_at = $3::timestamptz - interval '30 days'
     WHERE bot_id = $1 AND user_id = (SELECT id FROM users WHERE bot_id = $1 AND telegram_id = $2)`,
    tenant.botId,
    user,
    at
  )

const noticesOf = (user: number) =>
  query<{ kind: string; payload: { days?: number } }>(
    shop,
    `SELECT n.kind, n.payload FROM job_notices n JOIN users u ON u.id = n.user_id
     WHERE n.bot_id = $1 AND u.telegram_id = $2 AND n.kind LIKE 'subscription_%' ORDER BY n.id`,
    tenant.botId,
    user
  )

const textsTo = (user: number, pattern: RegExp) =>
  shop.telegram.sentMessages(tenant.token, user).filter((m) => pattern.test(m.text ?? ""))

/** Both replicas run the whole job at the same moment, twice. */
const runEverywhere = () =>
  Promise.all([
    shop.app.run(subscriptionExpiryRun),
    second.run(subscriptionExpiryRun),
    shop.app.run(subscriptionExpiryRun)
  ])

describe("subscription_expiry", () => {
  it("each reminder and the expiry once per period, across two replicas and a restart, with a Renew button", async () => {
    const user = 8101
    await subscribe(user)

    // 2.5 days left: the 3-day reminder (the smallest configured N it is within).
    let since = mark(shop, tenant, user)
    await setExpiry(user, new Date(Date.now() + 2.5 * DAY))
    const expiring = await nextMessage(shop, tenant, user, since, "ends on")
    expect(buttonData(expiring, "plan:")).toBe(`plan:${tenant.planIds[0]}`)
    await runEverywhere()
    await shop.restart()
    await runEverywhere()

    // 0.5 days left: the 1-day reminder.
    since = mark(shop, tenant, user)
    await setExpiry(user, new Date(Date.now() + 0.5 * DAY))
    await nextMessage(shop, tenant, user, since, "ends on")
    await runEverywhere()

    // Past the expiry: expired, told once.
    since = mark(shop, tenant, user)
    await setExpiry(user, new Date(Date.now() - 1000))
    const ended = await nextMessage(shop, tenant, user, since, "subscription ended on")
    expect(buttonData(ended, "menu:")).toBe("menu:buy")
    const status = await query<{ status: string }>(
      shop,
      "SELECT status FROM subscriptions WHERE bot_id = $1",
      tenant.botId
    )
    expect(status.map((s) => s.status)).toEqual(["expired"])
    await runEverywhere()

    // Expired 1.5 days ago and not renewed: one reminder.
    since = mark(shop, tenant, user)
    await setExpiry(user, new Date(Date.now() - 1.5 * DAY))
    await nextMessage(shop, tenant, user, since, "ended 1 days ago")
    await runEverywhere()
    await shop.restart()
    await runEverywhere()
    await new Promise((r) => setTimeout(r, 2500)) // more ticks of the schedule

    expect((await noticesOf(user)).map((n) => [n.kind, n.payload.days])).toEqual([
      ["subscription_expiring", 3],
      ["subscription_expiring", 1],
      ["subscription_expired", undefined],
      ["subscription_expired_reminder", 1]
    ])
    expect(textsTo(user, /ends on/)).toHaveLength(2)
    expect(textsTo(user, /subscription ended/)).toHaveLength(2)
  })

  it("blocked customers are skipped; their subscription still expires", async () => {
    const user = 8102
    await subscribe(user)
    await query(shop, "UPDATE users SET is_blocked = true WHERE bot_id = $1 AND telegram_id = $2", tenant.botId, user)
    await setExpiry(user, new Date(Date.now() + 2 * DAY))
    await runEverywhere()
    await setExpiry(user, new Date(Date.now() - 1000))
    await until(
      () =>
        query<{ status: string }>(
          shop,
          `SELECT s.status FROM subscriptions s JOIN users u ON u.id = s.user_id
           WHERE s.bot_id = $1 AND u.telegram_id = $2`,
          tenant.botId,
          user
        ),
      (rows) => rows[0]?.status === "expired"
    )
    await runEverywhere()
    expect(await noticesOf(user)).toEqual([])
  })

  it("a period no longer than N days gets no 'N days left' reminder as it starts", async () => {
    const user = 8103
    await subscribe(user)
    // A 2-day period that starts now: within 3 days of its end, but only 2 days long.
    await query(
      shop,
      `UPDATE subscriptions SET period_started_at = now(), expires_at = now() + interval '2 days'
       WHERE bot_id = $1 AND user_id = (SELECT id FROM users WHERE bot_id = $1 AND telegram_id = $2)`,
      tenant.botId,
      user
    )
    await runEverywhere()
    expect(await noticesOf(user)).toEqual([])
    // A day and a bit later the 1-day reminder still comes.
    await query(
      shop,
      `UPDATE subscriptions SET period_started_at = now() - interval '30 hours', expires_at = now() + interval '18 hours'
       WHERE bot_id = $1 AND user_id = (SELECT id FROM users WHERE bot_id = $1 AND telegram_id = $2)`,
      tenant.botId,
      user
    )
    await runEverywhere()
    expect((await noticesOf(user)).map((n) => [n.kind, n.payload.days])).toEqual([["subscription_expiring", 1]])
  })
})
