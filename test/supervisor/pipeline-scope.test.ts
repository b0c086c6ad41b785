/**
 * The statements that scope an update's transaction and write its mark in one
 * round trip (src/db/update-bookkeeping.ts: withTenantUpdate, markProcessed): what follows
 * them runs as `botfleet_tenant` for the mark's bot only, the mark carries that
 * bot's id, and nothing of the scoping outlives the statement's transaction.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Result } from "effect"
import { SqlClient } from "effect/sql"
import { withTenant } from "../../src/db/tenant.ts"
import { Duplicate, markProcessed, withTenantUpdate } from "../../src/db/update-bookkeeping.ts"
import { TenantsLive } from "../../src/tenants/index.ts"
import { TestDatabaseLayer } from "../support/database.ts"
import { botFactory } from "../tenants/support.ts"

const newBot = botFactory("scope", 760000, "S")

// One connection: every statement below runs on the connection the previous one used.
const layer = TenantsLive.pipe(Layer.provideMerge(TestDatabaseLayer({ maxConnections: 1 })))

const session = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ user: string; botId: string | null }>`
    SELECT current_user AS user, NULLIF(current_setting('app.bot_id', true), '') AS bot_id`
  return row!
})

const marks = (botId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{
      updateId: number
    }>`SELECT update_id FROM processed_updates WHERE bot_id = ${botId} ORDER BY update_id`
    return rows.map((r) => r.updateId)
  })

/** PostgreSQL's SQLSTATE and message of a failed statement's exit (undefined when it did not fail so). */
const postgresErrorOf = (exit: Exit.Exit<unknown, unknown>): { code: string; message: string } | undefined => {
  if (!Exit.isFailure(exit)) return undefined
  const error = Cause.squash(exit.cause) as { reason?: { cause?: { code?: unknown; message?: unknown } } }
  const pg = error?.reason?.cause
  return typeof pg?.code === "string" ? { code: pg.code, message: String(pg.message) } : undefined
}

/** The message of the defect an exit died with (undefined when it did not die). */
const defectMessageOf = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  if (!Exit.isFailure(exit)) return undefined
  const defect = Cause.findDefect(exit.cause)
  return Result.isSuccess(defect) && defect.success instanceof Error ? defect.success.message : undefined
}

describe("an update's scoping statement", () => {
  it.layer(layer)((it) => {
    it.effect("scopes the rest of the transaction to the tenant, marks the update for that bot, and ends with it", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const a = yield* newBot
        const b = yield* newBot
        yield* withTenant(b, sql`INSERT INTO users (bot_id, telegram_id) VALUES (${b}, 42)`)
        const outside = yield* session

        const inside = yield* withTenantUpdate(
          a,
          1001,
          Effect.gen(function* () {
            const scope = yield* session
            const visible = yield* sql<{ botId: number }>`SELECT bot_id FROM users`
            // In a savepoint, so the refusal leaves the transaction usable.
            const foreign = yield* Effect.exit(
              sql.withTransaction(sql`INSERT INTO users (bot_id, telegram_id) VALUES (${b}, 43)`)
            )
            const after = yield* session
            return { scope, visible, foreign, after }
          })
        )
        assert.notStrictEqual(inside, Duplicate)
        if (inside === Duplicate) return
        assert.deepStrictEqual(inside.scope, { user: "botfleet_tenant", botId: String(a) })
        assert.deepStrictEqual(inside.visible, [])
        // Refused by row-level security, not by anything else (a missing grant is 42501 too).
        assert.deepStrictEqual(postgresErrorOf(inside.foreign), {
          code: "42501",
          message: 'new row violates row-level security policy for table "users"'
        })
        assert.deepStrictEqual(inside.after, inside.scope)
        assert.deepStrictEqual(yield* marks(a), [1001])
        assert.deepStrictEqual(yield* marks(b), [])
        // Transaction-local: the same connection is itself again.
        assert.deepStrictEqual(yield* session, outside)
        assert.notStrictEqual(outside.user, "botfleet_tenant")

        // A second time: the mark is there, the effect does not run.
        let ran = false
        const again = yield* withTenantUpdate(
          a,
          1001,
          Effect.sync(() => (ran = true))
        )
        assert.strictEqual(again, Duplicate)
        assert.isFalse(ran)

        // A failure rolls the mark back with the rest.
        const failed = yield* Effect.exit(withTenantUpdate(a, 1002, Effect.fail("handler failed")))
        assert.deepStrictEqual(failed, Exit.fail("handler failed"))
        assert.deepStrictEqual(yield* marks(a), [1001])
      })
    )

    it.effect("marks updates on their own (no transaction) for the bot, and leaves the connection as it was", () =>
      Effect.gen(function* () {
        const a = yield* newBot
        const outside = yield* session
        yield* markProcessed(a, [2001, 2002])
        yield* markProcessed(a, [2002, 2003])
        assert.deepStrictEqual(yield* marks(a), [2001, 2002, 2003])
        assert.deepStrictEqual(yield* session, outside)
      })
    )

    it.effect("refuses to run inside another tenant transaction", () =>
      Effect.gen(function* () {
        const a = yield* newBot
        const b = yield* newBot
        const nested = yield* Effect.exit(withTenant(b, withTenantUpdate(a, 3001, Effect.void)))
        assert.strictEqual(defectMessageOf(nested), `withTenant(${a}) inside withTenant(${b})`)
        const marking = yield* Effect.exit(withTenant(b, markProcessed(a, [3002])))
        assert.strictEqual(defectMessageOf(marking), `markProcessed(${a}) inside withTenant(${b})`)
        assert.deepStrictEqual(yield* marks(a), [])
      })
    )
  })
})
