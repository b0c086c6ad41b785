/**
 * Issue 15, findings 6 and 7.
 *
 * 6. Values with no sensible bound used to fail later, silently: a
 *    CARD_PAYMENT_TTL_MINUTES of 99999999999 or a 2147483647-day plan were
 *    accepted, then every purchase failed in SQL and was dead-lettered with no
 *    answer. Now both are refused with 400 naming the limit, and a value stored
 *    before the limit existed falls back to the default.
 * 7. A receipt could silently miss the admins: a long plan name plus a long
 *    receipt caption exceeded Telegram's 1,024 characters, sendPhoto failed and
 *    the buyer was told "received". Now the caption is fitted by design, and a
 *    receipt no admin could be sent is queued for retry, alerted, and the buyer
 *    is not told it was received.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Bots } from "../../src/tenants/index.ts"
import { MAX_CARD_TTL_MINUTES, MAX_PLAN_DAYS, MAX_PLAN_NAME_LENGTH } from "../../src/tenants/limits.ts"
import {
  ADMIN_CHAT,
  createTenant,
  mark,
  nextMessage,
  query,
  startCardPurchase,
  startShop,
  until
} from "../shop/harness.ts"
import type { Shop, Tenant } from "../shop/harness.ts"

let shop: Shop
let tenant: Tenant
let apiToken: string

beforeAll(async () => {
  shop = await startShop()
  tenant = await createTenant(shop, {
    config: { DEFAULT_LANGUAGE: "en" },
    plans: [{ name: "P".repeat(MAX_PLAN_NAME_LENGTH), periodDays: 30, price: 150_000, trafficLimitGb: 50 }]
  })
  apiToken = await shop.sql(Effect.flatMap(Bots, (bots) => bots.rotateApiToken(tenant.botId)))
}, 60_000)
afterAll(() => shop?.close())

const api = async (method: string, path: string, body: unknown) => {
  const response = await fetch(`${shop.app.httpUrl}/api/v1/bots/${tenant.botId}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  return { status: response.status, body: (await response.json()) as any }
}

describe("finding 6: bounds refused at the edge", () => {
  it("refuses CARD_PAYMENT_TTL_MINUTES 99999999999 and a 2147483647-day plan with 400 and the limit", async () => {
    const ttl = await api("PUT", "/config/CARD_PAYMENT_TTL_MINUTES", { value: 99_999_999_999 })
    expect(ttl.status).toBe(400)
    expect(ttl.body.fields[0].path).toBe("CARD_PAYMENT_TTL_MINUTES")
    expect(ttl.body.fields[0].message).toContain(String(MAX_CARD_TTL_MINUTES))
    const plan = await api("POST", "/plans", { name: "Forever", periodDays: 2_147_483_647, price: 1 })
    expect(plan.status).toBe(400)
    expect(plan.body.fields[0].path).toBe("periodDays")
    expect(plan.body.fields[0].message).toContain(String(MAX_PLAN_DAYS))
  })

  it("a TTL stored before the limit existed falls back to the default: the buyer gets the card details", async () => {
    await query(
      shop,
      `INSERT INTO bot_configurations (bot_id, config_key, config_value)
       VALUES ($1, 'CARD_PAYMENT_TTL_MINUTES', '99999999999'::jsonb)
       ON CONFLICT (bot_id, config_key) DO UPDATE SET config_value = EXCLUDED.config_value`,
      tenant.botId
    )
    const details = await startCardPurchase(shop, tenant, 920_001, tenant.planIds[0]!)
    expect(details.text).toContain("60")
    await query(
      shop,
      `DELETE FROM bot_configurations WHERE bot_id = $1 AND config_key = 'CARD_PAYMENT_TTL_MINUTES'`,
      tenant.botId
    )
  }, 20_000)
})

describe("finding 7: receipts reach an admin, or the buyer is not told they did", () => {
  it("fits a long plan name and a long photo caption into Telegram's 1,024 characters", async () => {
    // 255 characters: what the API accepted before plan names were bounded (the column allows it).
    const [plan] = await query<{ id: number }>(
      shop,
      `INSERT INTO bot_plans (bot_id, name, period_days, price, traffic_limit_gb) VALUES ($1, $2, 30, 100000, 10) RETURNING id`,
      tenant.botId,
      "N".repeat(255)
    )
    const user = 920_002
    await startCardPurchase(shop, tenant, user, plan!.id)
    const adminSince = mark(shop, tenant, ADMIN_CHAT)
    const since = mark(shop, tenant, user)
    shop.telegram.injectPhoto(tenant.token, {
      from: { id: user, first_name: `User${user}` },
      caption: `transferred from Melli ${"x".repeat(980)}`
    })
    const toAdmin = await nextMessage(shop, tenant, ADMIN_CHAT, adminSince, /C2C/)
    expect((toAdmin.caption ?? "").length).toBeLessThanOrEqual(1024)
    await nextMessage(shop, tenant, user, since, "Receipt received")
  }, 20_000)

  it("a receipt no admin could be sent is queued and alerted; the buyer is told it is saved, not received", async () => {
    const unreachable = await createTenant(shop, {
      name: "Nobody home",
      config: { DEFAULT_LANGUAGE: "en", ADMIN_CHAT_ID: -1009999999999 }
    })
    const user = 920_003
    await startCardPurchase(shop, unreachable, user, unreachable.planIds[0]!)
    const since = mark(shop, unreachable, user)
    shop.telegram.injectMessage(unreachable.token, {
      text: "paid from Melli",
      from: { id: user, first_name: `User${user}` }
    })
    const answer = await nextMessage(shop, unreachable, user, since, /C2C/)
    expect(answer.text).toContain("could not be reached")
    expect(answer.text).not.toContain("Receipt received")
    const queued = await until(
      () =>
        query<{ n: number }>(
          shop,
          "SELECT count(*)::int AS n FROM job_notices WHERE bot_id = $1 AND kind = 'receipt_reminder'",
          unreachable.botId
        ),
      (rows) => rows[0]!.n === 1
    )
    expect(queued[0]!.n).toBe(1)
    const metrics = await (await fetch(`${shop.app.metricsUrl}/metrics`)).text()
    expect(metrics).toMatch(
      new RegExp(`botfleet_admin_notices_undelivered_total\\{bot_id="${unreachable.botId}",kind="receipt"\\} 1`)
    )
  }, 30_000)
})
