/**
 * A hostile tenant with nothing but its own API token (issue 15): every value
 * it sends has a bound, a bad one is a JSON 4xx naming the field and the
 * limit, and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CONFIG_VALUE_MAX_BYTES } from "../../src/tenants/limits.ts"
import { seedTenant, snapshot, startWorld } from "./support.ts"
import type { TenantData, World } from "./support.ts"

let world: World
let tenant: { id: number; apiToken: string }
let data: TenantData

beforeAll(async () => {
  world = await startWorld()
  tenant = await world.createBot("Shop")
  data = await seedTenant(world, tenant.id, 0)
})
afterAll(async () => {
  await world?.stop()
})

const bot = () => `/api/v1/bots/${tenant.id}`

/** `[[[…1…]]]` as JSON text, `depth` levels (built as text: JSON.stringify would recurse). */
const nestedText = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`

const rawRequest = async (method: string, path: string, body: string) => {
  const response = await fetch(`${world.app.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${tenant.apiToken}`, "content-type": "application/json" },
    body
  })
  const text = await response.text()
  return { status: response.status, text, body: text.length > 0 ? JSON.parse(text) : undefined }
}

describe("finding 1: configuration values are bounded", () => {
  it("refuses a 1 MB value (413: the body limit) and a 10 KB one (400 naming the key and the limit)", async () => {
    const before = await snapshot(world, tenant.id)
    const huge = Array.from({ length: 20_000 }, (_, i) => `item-${i}-${"x".repeat(40)}`)
    const tooLarge = await world.request(tenant.apiToken, "PUT", `${bot()}/config/BIG_LIST`, { value: huge })
    expect(tooLarge.status).toBe(413)
    expect(tooLarge.body.code).toBe("payload_too_large")
    const big = Array.from({ length: 200 }, (_, i) => `item-${i}-${"x".repeat(40)}`)
    const response = await world.request(tenant.apiToken, "PUT", `${bot()}/config/BIG_LIST`, { value: big })
    expect(response.status).toBe(400)
    expect(response.body.code).toBe("validation_failed")
    expect(response.body.fields[0].path).toBe("BIG_LIST")
    expect(response.body.fields[0].message).toContain(String(CONFIG_VALUE_MAX_BYTES))
    expect(await snapshot(world, tenant.id)).toBe(before)
  })

  it("accepts a value at the limit and lists the configuration quickly", async () => {
    const value = "y".repeat(CONFIG_VALUE_MAX_BYTES - 2)
    const put = await world.request(tenant.apiToken, "PUT", `${bot()}/config/AT_LIMIT`, { value })
    expect(put.status).toBe(200)
    const over = await world.request(tenant.apiToken, "PUT", `${bot()}/config/OVER_LIMIT`, { value: `${value}z` })
    expect(over.status).toBe(400)
    const list = await world.request(tenant.apiToken, "GET", `${bot()}/config`)
    expect(list.status).toBe(200)
    expect(list.body.values.AT_LIMIT).toBe(value)
    await world.request(tenant.apiToken, "DELETE", `${bot()}/config/AT_LIMIT`)
  })

  it("a value stored before the limit existed is left out of the listing, not a failure", async () => {
    const big = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => `legacy-${i}`))
    await world.sql(
      `INSERT INTO bot_configurations (bot_id, config_key, config_value) VALUES ($1, 'LEGACY_BIG', $2::jsonb)`,
      [tenant.id, big]
    )
    const started = Date.now()
    const list = await world.request(tenant.apiToken, "GET", `${bot()}/config`)
    expect(list.status).toBe(200)
    expect(list.body.values.LEGACY_BIG).toBeUndefined()
    expect(list.body.values.SUPPORT_USERNAME).toBe("support_bot")
    expect(Date.now() - started).toBeLessThan(2000)
    const one = await world.request(tenant.apiToken, "GET", `${bot()}/config/LEGACY_BIG`)
    expect(one.status).toBe(404)
    const deleted = await world.request(tenant.apiToken, "DELETE", `${bot()}/config/LEGACY_BIG`)
    expect(deleted.status).toBe(204)
  })
})

describe("finding 8: 400, not 500", () => {
  it("a date past year 9999 in a query is a 400 on that field", async () => {
    const response = await world.request(tenant.apiToken, "GET", `${bot()}/payments?from=10000-01-01`)
    expect(response.status).toBe(400)
    expect(response.body.code).toBe("validation_failed")
    expect(response.body.fields.map((f: { path: string }) => f.path)).toEqual(["from"])
  })

  it("JSON nested 5,000 deep is a 400, for any route with a body", async () => {
    const before = await snapshot(world, tenant.id)
    const deep = nestedText(5000)
    for (const [method, path, body] of [
      ["PUT", `${bot()}/config/DEEP`, `{"value":${deep}}`],
      ["PUT", `${bot()}/features/deep`, `{"enabled":true,"config":{"x":${deep}}}`],
      ["POST", `${bot()}/plans`, `{"name":"Deep","periodDays":1,"price":1,"description":${deep}}`],
      ["PATCH", `${bot()}/plans/${data.planId}`, `{"name":${deep}}`]
    ] as const) {
      const response = await rawRequest(method, path, body)
      expect(response.status, `${method} ${path}`).toBe(400)
      expect(response.body.code).toBe("validation_failed")
    }
    expect(await snapshot(world, tenant.id)).toBe(before)
  })

  it("a database failure during authorisation is a JSON 500", async () => {
    await world.sql(`ALTER TABLE bots RENAME TO bots_away`)
    try {
      const response = await world.request(tenant.apiToken, "GET", bot())
      expect(response.status).toBe(500)
      expect(response.body).toMatchObject({ code: "internal_error" })
    } finally {
      await world.sql(`ALTER TABLE bots_away RENAME TO bots`)
    }
  })
})

describe("finding 5: control characters in names", () => {
  it("are refused with 400 on every name the API takes, and nothing is written", async () => {
    const before = await snapshot(world, tenant.id)
    const hostile = "Evil\u001b[2J\r\nForged"
    for (const [method, path, body] of [
      ["PATCH", bot(), { name: hostile }],
      ["POST", `${bot()}/plans`, { name: hostile, periodDays: 30, price: 1 }],
      ["PATCH", `${bot()}/plans/${data.planId}`, { name: hostile }],
      ["POST", `${bot()}/payment-cards`, { cardNumber: "6037990000000022", cardHolderName: hostile }],
      ["PATCH", `${bot()}/payment-cards/${data.cardId}`, { cardHolderName: hostile }]
    ] as const) {
      const response = await world.request(tenant.apiToken, method, path, body)
      expect(response.status, `${method} ${path}`).toBe(400)
      expect(response.body.fields[0].message).toContain("control characters")
    }
    expect(await snapshot(world, tenant.id)).toBe(before)
  })
})

describe("a deactivated tenant's token", () => {
  it("reads but does not write (403 tenant_inactive)", async () => {
    const other = await world.createBot("Sleeping")
    await world.sql(`UPDATE bots SET is_active = false WHERE id = $1`, [other.id])
    const read = await world.request(other.apiToken, "GET", `/api/v1/bots/${other.id}/plans`)
    expect(read.status).toBe(200)
    const write = await world.request(other.apiToken, "POST", `/api/v1/bots/${other.id}/plans`, {
      name: "Weekly",
      periodDays: 7,
      price: 1000
    })
    expect(write.status).toBe(403)
    expect(write.body.code).toBe("tenant_inactive")
    expect(await world.sql(`SELECT id FROM bot_plans WHERE bot_id = $1`, [other.id])).toHaveLength(0)
  })
})

describe("/metrics (per-tenant sales) is not on the public port", () => {
  it("is served on METRICS_PORT only", async () => {
    const onPublic = await fetch(`${world.app.httpUrl}/metrics`)
    expect(onPublic.status).toBe(404)
    const onMetrics = await fetch(`${world.app.metricsUrl}/metrics`)
    expect(onMetrics.status).toBe(200)
    expect(await onMetrics.text()).toContain("botfleet_bots_desired")
  })
})
