/**
 * Issue 15, finding 2: one tenant must not break the fleet-wide listing. A plan
 * of 2147483647 GB bought once pushed bots.traffic_sold_bytes past 2^53, and
 * from then on every reader of the bots table failed ("Failed to decode row").
 * Now plans are bounded, the counter saturates and cannot be stored past 2^53 − 1,
 * and the tenant role can change only what a sale changes on its own row.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { withTenant } from "../../src/db/tenant.ts"
import { chargeSale, GIB } from "../../src/payments/tenant-wallet.ts"
import { MAX_PLAN_TRAFFIC_GB, MAX_SAFE } from "../../src/tenants/limits.ts"
import { startWorld } from "../api/support.ts"
import type { World } from "../api/support.ts"

let world: World
let master: { id: number; apiToken: string }
let tenant: { id: number; apiToken: string }

beforeAll(async () => {
  world = await startWorld()
  master = await world.createBot("Master", { master: true })
  tenant = await world.createBot("Big seller")
  await world.sql(`UPDATE bots SET wallet_balance = 1000000000, traffic_rate_per_gb = 1 WHERE id = $1`, [tenant.id])
})
afterAll(async () => {
  await world?.stop()
})

const asTenant = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  world.app.run(withTenant(tenant.id, effect))

const attempt = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  world.app.run(
    withTenant(tenant.id, effect).pipe(
      Effect.match({
        onFailure: (e) => `failed: ${String((e as { message?: string }).message ?? e)}`,
        onSuccess: () => "ok"
      })
    )
  )

describe("traffic counters", () => {
  it("refuses a plan of 2147483647 GB with 400 naming the field and the limit", async () => {
    const response = await world.request(tenant.apiToken, "POST", `/api/v1/bots/${tenant.id}/plans`, {
      name: "Huge",
      periodDays: 30,
      price: 1000,
      trafficLimitGb: 2147483647
    })
    expect(response.status).toBe(400)
    expect(response.body.fields[0].path).toBe("trafficLimitGb")
    expect(response.body.fields[0].message).toContain(String(MAX_PLAN_TRAFFIC_GB))
    expect(await world.sql(`SELECT id FROM bot_plans WHERE bot_id = $1`, [tenant.id])).toHaveLength(0)
  })

  it("saturate at 2^53 − 1, and every fleet-wide reader still reads the bot", async () => {
    await world.sql(`UPDATE bots SET traffic_sold_bytes = $2 WHERE id = $1`, [tenant.id, MAX_SAFE - GIB])
    const charge = await asTenant(chargeSale(tenant.id, { trafficGb: MAX_PLAN_TRAFFIC_GB, reference: "sale:big-1" }))
    expect(charge.charged).toBe(true)
    const [row] = await world.sql<{ sold: string }>(`SELECT traffic_sold_bytes::text AS sold FROM bots WHERE id = $1`, [
      tenant.id
    ])
    expect(row!.sold).toBe(String(MAX_SAFE))

    const list = await world.request(master.apiToken, "GET", "/api/v1/bots")
    expect(list.status).toBe(200)
    expect(list.body.items.find((b: { id: number }) => b.id === tenant.id).trafficSoldBytes).toBe(MAX_SAFE)
    for (const path of ["", "/statistics", "/status"]) {
      const own = await world.request(tenant.apiToken, "GET", `/api/v1/bots/${tenant.id}${path}`)
      expect(own.status, path).toBe(200)
    }
  })

  it("cannot be stored past 2^53 − 1 at all", async () => {
    await expect(
      world.sql(`UPDATE bots SET traffic_sold_bytes = 9007199254740993 WHERE id = $1`, [tenant.id])
    ).rejects.toThrow()
  })
})

describe("the tenant role on its own bots row (column privileges)", () => {
  it("may charge its wallet and add traffic sold, nothing else", async () => {
    const id = tenant.id
    expect(
      await attempt(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql`UPDATE bots SET wallet_balance = wallet_balance - 1 WHERE id = ${id}`
        )
      )
    ).toBe("ok")
    for (const statement of [
      `UPDATE bots SET wallet_balance = wallet_balance + 1000000 WHERE id = ${id}`,
      `UPDATE bots SET is_master = true WHERE id = ${id}`,
      `UPDATE bots SET is_active = true WHERE id = ${id}`,
      `UPDATE bots SET traffic_rate_per_gb = 0 WHERE id = ${id}`,
      `UPDATE bots SET name = 'x' WHERE id = ${id}`,
      `UPDATE bots SET api_token_hash = repeat('a', 64) WHERE id = ${id}`
    ]) {
      expect(await attempt(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement))), statement).toMatch(
        /^failed/
      )
    }
  })
})

describe("unlimited plans", () => {
  it("are billed as UNLIMITED_PLAN_BILLED_GB (default 100), not for free", async () => {
    const before = await world.sql<{ balance: number }>(`SELECT wallet_balance AS balance FROM bots WHERE id = $1`, [
      tenant.id
    ])
    const charge = await asTenant(chargeSale(tenant.id, { trafficGb: 0, reference: "sale:unlimited-1" }))
    expect(charge.amount).toBe(100) // 100 GB × rate 1
    expect(charge.balanceAfter).toBe(before[0]!.balance - 100)
  })
})
