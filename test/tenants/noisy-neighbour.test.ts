/**
 * Issue 15, finding 1: one tenant's data and requests cannot cost the database
 * so much that another tenant's update misses its deadline. Before: a 1 MB
 * configuration value made each GET …/config cost ~10 s of PostgreSQL CPU
 * (jsonb_object_agg), and twenty in parallel dead-lettered another tenant's
 * /start. Now the listing is linear (and skips such a value), tenant
 * statements have a statement_timeout, and an abandoned request's query is
 * cancelled.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TenantStatementTimeout, withTenant } from "../../src/db/tenant.ts"
import { Bots } from "../../src/tenants/index.ts"
import { createTenant, mark, nextMessage, say, startShop } from "../shop/harness.ts"
import type { Shop, Tenant } from "../shop/harness.ts"

let shop: Shop
let noisy: Tenant
let quiet: Tenant
let noisyToken: string

beforeAll(async () => {
  shop = await startShop({ tenantStatementTimeoutMs: 2000 })
  noisy = await createTenant(shop, { name: "Noisy" })
  quiet = await createTenant(shop, { name: "Quiet" })
  noisyToken = await shop.sql(Effect.flatMap(Bots, (bots) => bots.rotateApiToken(noisy.botId)))
  // What the adversarial pass stored through the API before values had a limit.
  const big = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => `value-${i}-${"x".repeat(40)}`))
  await shop.sql(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) =>
        sql`INSERT INTO bot_configurations (bot_id, config_key, config_value) VALUES (${noisy.botId}, 'BIG', ${big}::jsonb)`
    )
  )
})
afterAll(async () => {
  await shop?.close()
})

describe("a noisy tenant", () => {
  it("cannot make another tenant's /start miss its deadline", async () => {
    const hammer = Array.from({ length: 20 }, () =>
      fetch(`${shop.app.httpUrl}/api/v1/bots/${noisy.botId}/config`, {
        headers: { authorization: `Bearer ${noisyToken}` }
      }).then((r) => r.status)
    )
    const since = mark(shop, quiet, 4242)
    const started = Date.now()
    await say(shop, quiet, 4242, "/start")
    await nextMessage(shop, quiet, 4242, since, () => true, 10_000)
    expect(Date.now() - started).toBeLessThan(3000)
    const statuses = await Promise.all(hammer)
    expect(statuses.every((s) => s === 200)).toBe(true)
    const dead = await shop.sql(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT count(*)::int AS n FROM dead_letter_updates`)
    )
    expect(dead[0]).toEqual({ n: 0 })
  })

  it("has every statement of a tenant transaction bounded by TENANT_STATEMENT_TIMEOUT_MS", async () => {
    const started = Date.now()
    const outcome = await shop.app.run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* withTenant(noisy.botId, sql`SELECT pg_sleep(30)`).pipe(
          Effect.provideService(TenantStatementTimeout, 300),
          Effect.match({
            onFailure: (e) => String((e.reason.cause as { code?: unknown } | undefined)?.code),
            onSuccess: () => "finished"
          })
        )
      })
    )
    expect(outcome).toBe("57014") // query_canceled: the server's statement_timeout
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
