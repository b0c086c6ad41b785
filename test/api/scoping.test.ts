/**
 * The token-scoping matrix: a tenant's token reaches only its own bot — every
 * route, pointed at another tenant's bot or at another tenant's records through
 * its own bot, answers 404 and changes nothing — while the master token reaches
 * every route of every tenant; a rotated token stops working at once; no
 * response ever carries a Telegram token or an API token hash.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BOT_ROUTES } from "./routes.ts"
import { seedTenant, snapshot, startWorld } from "./support.ts"
import type { ApiResponse, TenantData, World } from "./support.ts"

let world: World
let master: { id: number; apiToken: string; telegramToken: string }
let a: { id: number; apiToken: string; telegramToken: string }
let b: { id: number; apiToken: string; telegramToken: string }
let dataA: TenantData
let dataB: TenantData
const responses: Array<ApiResponse> = []

const call = async (token: string | undefined, method: string, path: string, body?: unknown) => {
  const response = await world.request(token, method, path, body)
  responses.push(response)
  return response
}

beforeAll(async () => {
  world = await startWorld()
  master = await world.createBot("Master", { master: true })
  a = await world.createBot("Shop A")
  b = await world.createBot("Shop B")
  dataA = await seedTenant(world, a.id, 0)
  dataB = await seedTenant(world, b.id, 1)
})
afterAll(async () => {
  await world?.stop()
})

describe("token scoping", () => {
  it("refuses a missing or unknown token with a JSON 401", async () => {
    for (const token of [undefined, "", "not-a-token", "x".repeat(43)]) {
      const response = await call(token, "GET", `/api/v1/bots/${a.id}`)
      expect(response.status).toBe(401)
      expect(response.body).toMatchObject({ code: "unauthorized" })
    }
    const basic = await fetch(`${world.app.httpUrl}/api/v1/bots/${a.id}`, {
      headers: { authorization: `Basic ${a.apiToken}` }
    })
    expect(basic.status).toBe(401)
  })

  it("gives tenant A a 404 on every route for tenant B's bot, and changes nothing", async () => {
    const before = await snapshot(world, b.id)
    for (const route of BOT_ROUTES) {
      const response = await call(a.apiToken, route.method, route.path(dataB), route.body?.(dataB))
      expect({
        route: `${route.method} ${route.template}`,
        status: response.status,
        code: response.body?.code
      }).toEqual({ route: `${route.method} ${route.template}`, status: 404, code: "not_found" })
      // The same answer as for a bot that does not exist: nothing to learn.
      expect(response.body.message).toBe(`bot ${b.id} does not exist`)
    }
    expect(await snapshot(world, b.id)).toBe(before)
  })

  it("gives tenant A a 404 for tenant B's records reached through A's own bot, and changes nothing", async () => {
    const before = await snapshot(world, b.id)
    const beforeA = await snapshot(world, a.id)
    const crossed: TenantData = { ...dataB, botId: a.id }
    for (const route of BOT_ROUTES.filter((r) => r.recordIds && !r.masterOnly)) {
      const response = await call(a.apiToken, route.method, route.path(crossed), route.body?.(crossed))
      const label = `${route.method} ${route.template}`
      if (route.template.endsWith("/reorder")) {
        // A plan id that is not this bot's is refused like any unknown id.
        expect({ label, status: response.status }).toEqual({ label, status: 400 })
      } else {
        expect({ label, status: response.status, code: response.body?.code }).toEqual({
          label,
          status: 404,
          code: "not_found"
        })
      }
    }
    expect(await snapshot(world, b.id)).toBe(before)
    expect(await snapshot(world, a.id)).toBe(beforeA)
  })

  it("keeps the fleet routes for the master token", async () => {
    const list = await call(a.apiToken, "GET", "/api/v1/bots")
    expect(list.status).toBe(403)
    expect(list.body.code).toBe("master_token_required")
    const { token } = world.emulator.createBot()
    const create = await call(a.apiToken, "POST", "/api/v1/bots", { name: "Sneaky", telegramToken: token })
    expect(create.status).toBe(403)
    expect(await world.sql(`SELECT id FROM bots WHERE name = 'Sneaky'`)).toEqual([])
    // Its own bot, but operator-only: 403, not 404.
    const own = await call(a.apiToken, "DELETE", `/api/v1/bots/${a.id}`)
    expect(own.status).toBe(403)
    const rate = await call(a.apiToken, "PATCH", `/api/v1/bots/${a.id}`, { trafficRatePerGb: 0 })
    expect(rate.status).toBe(403)
    expect(rate.body.code).toBe("field_not_allowed")
  })

  it("lets tenant A use every route on its own bot except the operator's", async () => {
    for (const route of BOT_ROUTES.filter((r) => !r.masterOnly)) {
      const response = await call(a.apiToken, route.method, route.path(dataA), route.body?.(dataA))
      const label = `${route.method} ${route.template}`
      expect({ label, status: response.status, body: response.status >= 400 ? response.body : undefined }).toEqual({
        label,
        status: route.masterStatus,
        body: undefined
      })
    }
    // The API review went through the shop's state machine.
    const [approved] = await world.sql<{ status: string }>(`SELECT status FROM card_to_card_payments WHERE id = $1`, [
      dataA.cardPaymentId
    ])
    expect(approved!.status).toBe("approved")
    const [balance] = await world.sql<{ balance: number }>(`SELECT balance FROM users WHERE id = $1`, [dataA.userId])
    // Credited 100000, spent on the plan it paid for.
    expect(Number(balance!.balance)).toBe(0)
  })

  it("lets the master token reach every route of tenant B", async () => {
    for (const route of BOT_ROUTES) {
      const response = await call(master.apiToken, route.method, route.path(dataB), route.body?.(dataB))
      const label = `${route.method} ${route.template}`
      expect({ label, status: response.status, body: response.status >= 400 ? response.body : undefined }).toEqual({
        label,
        status: route.masterStatus,
        body: undefined
      })
    }
    expect(await world.sql(`SELECT id FROM bots WHERE id = $1`, [b.id])).toEqual([])
    const deactivateMaster = await call(master.apiToken, "PATCH", `/api/v1/bots/${master.id}`, {
      name: "Renamed",
      isActive: false
    })
    expect(deactivateMaster.status).toBe(409)
    expect(deactivateMaster.body.code).toBe("master_bot_protected")
    expect((await call(master.apiToken, "GET", `/api/v1/bots/${master.id}`)).body).toMatchObject({
      name: "Master",
      isActive: true
    })
    const list = await call(master.apiToken, "GET", "/api/v1/bots")
    expect(list.status).toBe(200)
    expect(list.body.items.map((bot: { id: number }) => bot.id).sort()).toEqual([master.id, a.id].sort())
  })

  it("stops a rotated token at once and issues a working one, shown once", async () => {
    const rotated = await call(master.apiToken, "POST", `/api/v1/bots/${a.id}/api-token`)
    expect(rotated.status).toBe(200)
    const fresh = rotated.body.apiToken as string
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await call(a.apiToken, "GET", `/api/v1/bots/${a.id}`)).status).toBe(401)
    expect((await call(fresh, "GET", `/api/v1/bots/${a.id}`)).status).toBe(200)
    const [row] = await world.sql<{ apiTokenHash: string }>(`SELECT api_token_hash FROM bots WHERE id = $1`, [a.id])
    expect(row!.apiTokenHash).not.toContain(fresh)
  })

  it("never returned a Telegram token or an API token hash", async () => {
    const hashes = (await world.sql<{ apiTokenHash: string }>(`SELECT api_token_hash FROM bots`)).map(
      (r) => r.apiTokenHash
    )
    const secrets = [master.telegramToken, a.telegramToken, b.telegramToken, ...hashes]
    expect(responses.length).toBeGreaterThan(100)
    for (const response of responses) {
      for (const secret of secrets) expect(response.text).not.toContain(secret)
      expect(response.text).not.toMatch(/\d{3,15}:[A-Za-z0-9_-]{35}/)
    }
    const bot = await call(master.apiToken, "GET", `/api/v1/bots/${a.id}`)
    expect(bot.body.telegramToken).toBe(`${a.telegramToken.split(":")[0]}:***`)
  })
})
