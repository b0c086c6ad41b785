/**
 * Issue 15: every API route, walked with bad input — out-of-range numbers,
 * wrong types, control characters, oversized strings, deeply nested JSON,
 * oversized bodies, bodies of the wrong shape or type, bad query strings and
 * path parameters. Each answer is a JSON 4xx with a stable `code`, and nothing
 * is written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BOT_ROUTES } from "./routes.ts"
import type { RouteCall } from "./routes.ts"
import { seedTenant, snapshot, startWorld } from "./support.ts"
import type { TenantData, World } from "./support.ts"

let world: World
let master: { id: number; apiToken: string }
let tenant: { id: number; apiToken: string }
let data: TenantData

beforeAll(async () => {
  world = await startWorld()
  master = await world.createBot("Master", { master: true })
  tenant = await world.createBot("Shop")
  data = await seedTenant(world, tenant.id, 0)
})
afterAll(async () => {
  await world?.stop()
})

const deep = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`

/** Replacement values that no field of any body accepts. */
const BAD_VALUES: ReadonlyArray<readonly [string, string]> = [
  ["a huge number", "1e300"],
  ["a huge negative number", "-1e300"],
  ["past 2^53", "9007199254740993"],
  ["an oversized string", JSON.stringify("x".repeat(5000))],
  ["control characters", JSON.stringify("\u001b[2J\u0000")],
  ["JSON 40 levels deep", deep(40)],
  ["JSON 5,000 levels deep", deep(5000)]
]

/** Whole bodies no route accepts. */
const BAD_BODIES: ReadonlyArray<readonly [string, string, string?]> = [
  ["an array", "[]"],
  ["a string", '"hello"'],
  ["a number", "42"],
  ["broken JSON", "{not json"],
  ["100 KB", JSON.stringify({ filler: "x".repeat(100_000) })],
  ["text/plain", '{"name":"x"}', "text/plain"]
]

const bodyRoutes = BOT_ROUTES.filter((r): r is RouteCall & { body: NonNullable<RouteCall["body"]> } => !!r.body)

const send = async (route: RouteCall, token: string, body: string, contentType = "application/json") => {
  const response = await fetch(`${world.app.httpUrl}${route.path(data)}`, {
    method: route.method,
    headers: { authorization: `Bearer ${token}`, "content-type": contentType },
    body
  })
  const text = await response.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, text, json }
}

const tokenFor = (route: RouteCall) => (route.masterOnly ? master.apiToken : tenant.apiToken)

const expectRefused = (label: string, answer: { status: number; text: string; json: any }) => {
  expect(answer.status, `${label}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
  expect(answer.status, `${label}: ${answer.text.slice(0, 200)}`).toBeLessThan(500)
  expect(typeof answer.json?.code, `${label}: JSON with a code, got ${answer.text.slice(0, 200)}`).toBe("string")
}

describe("every route with a body", () => {
  it("refuses every field replaced by a value out of range, of the wrong type, oversized or nested, writing nothing", async () => {
    const before = await snapshot(world, tenant.id)
    for (const route of bodyRoutes) {
      const valid = route.body(data) as Record<string, unknown>
      for (const field of Object.keys(valid)) {
        for (const [what, value] of BAD_VALUES) {
          const others = Object.entries(valid)
            .filter(([k]) => k !== field)
            .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
          const body = `{${[...others, `${JSON.stringify(field)}:${value}`].join(",")}}`
          expectRefused(
            `${route.method} ${route.template} ${field} = ${what}`,
            await send(route, tokenFor(route), body)
          )
        }
      }
      const extra = JSON.stringify({ ...valid, unexpected: 1 })
      expectRefused(
        `${route.method} ${route.template} with an unknown field`,
        await send(route, tokenFor(route), extra)
      )
    }
    expect(await snapshot(world, tenant.id)).toBe(before)
  }, 120_000)

  it("refuses bodies of the wrong shape, size or type, writing nothing", async () => {
    const before = await snapshot(world, tenant.id)
    for (const route of bodyRoutes) {
      for (const [what, body, type] of BAD_BODIES) {
        expectRefused(`${route.method} ${route.template}: ${what}`, await send(route, tokenFor(route), body, type))
      }
    }
    expect(await snapshot(world, tenant.id)).toBe(before)
  }, 60_000)
})

describe("the fleet route that creates tenants", () => {
  it("refuses bad names, tokens and rates from the master token, creating nothing", async () => {
    const count = async () => (await world.sql(`SELECT id FROM bots`)).length
    const before = await count()
    const token = world.emulator.createBot().token
    for (const body of [
      { name: "Evil\u001b[2J", telegramToken: token },
      { name: "x".repeat(256), telegramToken: token },
      { name: "Shop", telegramToken: "not-a-token" },
      { name: "Shop", telegramToken: token, trafficRatePerGb: 1e300 },
      { name: "Shop", telegramToken: token, trafficRatePerGb: 2_000_000_000 },
      { name: "Shop", telegramToken: token, currency: "\u001bIRT" }
    ]) {
      const answer = await world.request(master.apiToken, "POST", "/api/v1/bots", body)
      expectRefused(`POST /api/v1/bots ${JSON.stringify(body).slice(0, 80)}`, {
        status: answer.status,
        text: answer.text,
        json: answer.body
      })
    }
    expect(await count()).toBe(before)
  })
})

describe("query strings and path parameters", () => {
  it("are JSON 4xx when out of range or malformed", async () => {
    const bot = `/api/v1/bots/${tenant.id}`
    for (const path of [
      `${bot}/payments?from=10000-01-01`,
      `${bot}/payments?to=-271821-04-20`,
      `${bot}/payments?from=yesterday`,
      `${bot}/payments?limit=1e9`,
      `${bot}/payments?limit=-1`,
      `${bot}/payments?offset=99999999999999999999`,
      `${bot}/payments?userId=9007199254740993`,
      `${bot}/users?search=${"x".repeat(500)}`,
      `${bot}/wallet/transactions?limit=abc`,
      `${bot}/payment-cards?active=maybe`,
      `${bot}/plans/99999999999999999999`,
      `${bot}/plans/1e3`,
      `${bot}/payments/c2c_99999999999999999999`,
      `${bot}/config/lower_case`,
      `${bot}/features/UPPER`,
      `/api/v1/bots/99999999999999999999`,
      `/api/v1/bots/-1/plans`
    ]) {
      const answer = await world.request(tenant.apiToken, "GET", path)
      expectRefused(`GET ${path}`, { status: answer.status, text: answer.text, json: answer.body })
    }
  })
})
