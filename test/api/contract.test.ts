/**
 * The API's contract: the OpenAPI document is valid and lists every route (and
 * no other), bodies and parameters are validated with field errors, and every
 * error is JSON with a stable code.
 */
import { Validator } from "@seriousme/openapi-schema-validator"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BOT_ROUTES, FLEET_ROUTES } from "./routes.ts"
import { LUHN_CARDS, seedTenant, startWorld } from "./support.ts"
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

const post = (path: string, body: unknown) =>
  world.request(tenant.apiToken, "POST", `/api/v1/bots/${tenant.id}${path}`, body)

describe("OpenAPI document", () => {
  it("lists exactly the served routes, each secured by the bearer token", async () => {
    const response = await world.request(undefined, "GET", "/api/v1/openapi.json")
    expect(response.status).toBe(200)
    const spec = response.body
    expect(spec.openapi).toMatch(/^3\.1\./)
    const listed = Object.entries(spec.paths as Record<string, Record<string, { security?: unknown }>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`)
    )
    const served = [...BOT_ROUTES, ...FLEET_ROUTES].map((r) => `${r.method} ${r.template}`)
    expect([...listed].sort()).toEqual([...new Set(served)].sort())
    for (const ops of Object.values(
      spec.paths as Record<string, Record<string, { security?: unknown; responses: object }>>
    )) {
      for (const op of Object.values(ops)) {
        expect(op.security).toEqual([{ bearer: [] }])
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["400", "401", "429", "500"]))
      }
    }
    expect(spec.components.securitySchemes.bearer.type).toBe("http")
    expect(spec.components.securitySchemes.bearer.scheme.toLowerCase()).toBe("bearer")
  })

  it("is a valid OpenAPI 3.1 document", async () => {
    const spec = (await world.request(undefined, "GET", "/api/v1/openapi.json")).body
    const result = await new Validator().validate(spec)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
  })
})

describe("validation", () => {
  it("answers a bad body with 400 and every offending field", async () => {
    const response = await post("/plans", { name: "", periodDays: 0, price: "cheap", colour: "red" })
    expect(response.status).toBe(400)
    expect(response.body.code).toBe("validation_failed")
    const fields = (response.body.fields as Array<{ in: string; path: string }>).map((f) => `${f.in}:${f.path}`).sort()
    expect(fields).toEqual(["body:colour", "body:name", "body:periodDays", "body:price"])
    expect(await world.sql(`SELECT id FROM bot_plans WHERE bot_id = $1`, [tenant.id])).toHaveLength(1)
  })

  it("answers bad JSON, a bad query and a bad path parameter with 400", async () => {
    const raw = await fetch(`${world.app.httpUrl}/api/v1/bots/${tenant.id}/plans`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.apiToken}`, "content-type": "application/json" },
      body: "{not json"
    })
    expect(raw.status).toBe(400)
    expect(((await raw.json()) as { code: string }).code).toBe("validation_failed")

    const query = await world.request(tenant.apiToken, "GET", `/api/v1/bots/${tenant.id}/payments?limit=0&status=lost`)
    expect(query.status).toBe(400)
    expect(query.body.fields.map((f: { in: string; path: string }) => `${f.in}:${f.path}`).sort()).toEqual([
      "query:limit",
      "query:status"
    ])

    const param = await world.request(tenant.apiToken, "GET", `/api/v1/bots/${tenant.id}/plans/abc`)
    expect(param.status).toBe(400)
    expect(param.body.fields[0]).toMatchObject({ in: "path", path: "id" })
  })

  it("reports the repositories' rules as field errors too", async () => {
    const card = await post("/payment-cards", { cardNumber: "6037991234567890", cardHolderName: "Holder" })
    expect(card.status).toBe(400)
    expect(card.body.fields).toEqual([{ in: "body", path: "cardNumber", message: expect.stringContaining("Luhn") }])

    const admins = await world.request(tenant.apiToken, "PUT", `/api/v1/bots/${tenant.id}/config/ADMIN_IDS`, {
      value: ["x"]
    })
    expect(admins.status).toBe(400)
    expect(admins.body.fields[0]).toMatchObject({ in: "body", path: "ADMIN_IDS" })

    const reorder = await post("/plans/reorder", { ids: [data.planId, data.planId] })
    expect(reorder.status).toBe(400)
    expect(reorder.body.fields[0]).toMatchObject({ path: "ids" })
  })

  it("answers conflicts and unknown records with JSON and stable codes", async () => {
    const duplicate = await post("/payment-cards", { cardNumber: LUHN_CARDS[0], cardHolderName: "Holder" })
    expect(duplicate.status).toBe(409)
    expect(duplicate.body.code).toBe("duplicate_payment_card")

    const missing = await world.request(tenant.apiToken, "GET", `/api/v1/bots/${tenant.id}/plans/999999`)
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ code: "not_found", message: "plan 999999 does not exist" })

    const unknownRoute = await world.request(tenant.apiToken, "GET", `/api/v1/bots/${tenant.id}/nothing-here`)
    expect(unknownRoute.status).toBe(404)
    expect(unknownRoute.body.code).toBe("not_found")

    const flag = await world.request(tenant.apiToken, "GET", `/api/v1/bots/${tenant.id}/features/zarinpal`)
    expect(flag.status).toBe(404)
  })

  it("lets a tenant change its own Telegram token only to one Telegram accepts", async () => {
    world.emulator.createBot()
    const fake = `${9_000_000_001}:${"A".repeat(35)}`
    const refused = await world.request(tenant.apiToken, "PATCH", `/api/v1/bots/${tenant.id}`, { telegramToken: fake })
    expect(refused.status).toBe(422)
    expect(refused.body.code).toBe("telegram_token_rejected")

    const { token, username } = world.emulator.createBot({ username: "shop_renamed_bot" })
    const changed = await world.request(tenant.apiToken, "PATCH", `/api/v1/bots/${tenant.id}`, {
      telegramToken: token,
      name: "Renamed"
    })
    expect(changed.status).toBe(200)
    expect(changed.body).toMatchObject({
      name: "Renamed",
      telegramUsername: username,
      telegramToken: `${token.split(":")[0]}:***`
    })
    await world.emulator.waitForPoller(token, 3000)
  })
})
