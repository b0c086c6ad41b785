/**
 * Tenant isolation by row-level security (DESIGN.md §3): inside one bot's
 * `withTenant`, another bot's rows cannot be read, changed, deleted or created,
 * even by a query that forgets its `WHERE bot_id`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { withTenant } from "../../src/db/tenant.ts"
import { botFactory, tenantsTestLayer } from "./support.ts"

const newBot = botFactory("tenant", 740000, "I")

const TELEGRAM_ID = 123_456_789

/** Two bots, each with the same Telegram user, a card and a payment of each kind, all made as the tenant. */
const twoTenants = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const a = yield* newBot
  const b = yield* newBot
  const seed = (botId: number, balance: number, tag: string) =>
    withTenant(
      botId,
      Effect.gen(function* () {
        const [user] = yield* sql<{ id: number }>`
          INSERT INTO users (bot_id, telegram_id, balance) VALUES (${botId}, ${TELEGRAM_ID}, ${balance}) RETURNING id`
        const [card] = yield* sql<{ id: number }>`
          INSERT INTO tenant_payment_cards (bot_id, card_number, card_holder_name)
          VALUES (${botId}, '6037991234567893', ${`Holder ${tag}`}) RETURNING id`
        yield* sql`INSERT INTO card_to_card_payments (bot_id, user_id, card_id, amount, tracking_number, expires_at)
                   VALUES (${botId}, ${user!.id}, ${card!.id}, 50000, ${`C2C${botId.toString(16).toUpperCase().padStart(16, "0")}`}, now() + interval '1 hour')`
        yield* sql`INSERT INTO zarinpal_payments (bot_id, user_id, amount, zarinpal_authority, expires_at)
                   VALUES (${botId}, ${user!.id}, 70000, ${`AUTH-${botId}`}, now() + interval '30 minutes')`
        return user!.id
      })
    )
  const userA = yield* seed(a, 1000, "A")
  const userB = yield* seed(b, 2000, "B")
  return { a, b, userA, userB }
})

const TABLES = ["users", "tenant_payment_cards", "card_to_card_payments", "zarinpal_payments"] as const

describe("tenant isolation", () => {
  it.layer(tenantsTestLayer())((it) => {
    it.effect("the same Telegram user in two bots is two users with separate balances", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const { a, b, userA, userB } = yield* twoTenants
        assert.notStrictEqual(userA, userB)
        const rows = yield* sql<{ botId: number; balance: number }>`
          SELECT bot_id, balance FROM users WHERE telegram_id = ${TELEGRAM_ID} AND bot_id IN (${a}, ${b}) ORDER BY bot_id`
        assert.deepStrictEqual(rows, [
          { botId: a, balance: 1000 },
          { botId: b, balance: 2000 }
        ])

        yield* withTenant(a, sql`UPDATE users SET balance = balance + 500 WHERE telegram_id = ${TELEGRAM_ID}`)
        const after = yield* sql<{ botId: number; balance: number }>`
          SELECT bot_id, balance FROM users WHERE telegram_id = ${TELEGRAM_ID} AND bot_id IN (${a}, ${b}) ORDER BY bot_id`
        assert.deepStrictEqual(after, [
          { botId: a, balance: 1500 },
          { botId: b, balance: 2000 }
        ])
      })
    )

    it.effect("a tenant sees only its own rows, even without a WHERE clause", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const { a, b } = yield* twoTenants
        for (const table of TABLES) {
          const visible = yield* withTenant(a, sql<{ botId: number }>`SELECT bot_id FROM ${sql(table)}`)
          assert.isAbove(visible.length, 0, table)
          assert.isTrue(
            visible.every((r) => r.botId === a),
            `${table} leaked another tenant's rows`
          )
          const theirs = yield* withTenant(
            a,
            sql<{ n: number }>`SELECT count(*)::integer AS n FROM ${sql(table)} WHERE bot_id = ${b}`
          )
          assert.strictEqual(theirs[0]!.n, 0, table)
          // The rows are there: the owner role sees them.
          const owner = yield* sql<{ n: number }>`SELECT count(*)::integer AS n FROM ${sql(table)} WHERE bot_id = ${b}`
          assert.strictEqual(owner[0]!.n, 1, table)
        }
        const ownBot = yield* withTenant(a, sql<{ id: number }>`SELECT id FROM bots`)
        assert.deepStrictEqual(
          ownBot.map((r) => r.id),
          [a],
          "only its own bots row"
        )
      })
    )

    it.effect("a tenant cannot update or delete another tenant's rows", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const { a, b, userB } = yield* twoTenants
        const changed = yield* withTenant(
          a,
          Effect.gen(function* () {
            const users = yield* sql`UPDATE users SET balance = 999999 WHERE bot_id = ${b} RETURNING id`
            const usersById = yield* sql`UPDATE users SET balance = 999999 WHERE id = ${userB} RETURNING id`
            const cards =
              yield* sql`UPDATE tenant_payment_cards SET card_holder_name = 'Hijacked' WHERE bot_id = ${b} RETURNING id`
            const payments =
              yield* sql`UPDATE card_to_card_payments SET status = 'approved' WHERE bot_id = ${b} RETURNING id`
            const zarinpal = yield* sql`UPDATE zarinpal_payments SET status = 'paid' WHERE bot_id = ${b} RETURNING id`
            const deleted = yield* sql`DELETE FROM zarinpal_payments WHERE bot_id = ${b} RETURNING id`
            const bots = yield* sql`UPDATE bots SET wallet_balance = 1 WHERE id = ${b} RETURNING id`
            return (
              users.length +
              usersById.length +
              cards.length +
              payments.length +
              zarinpal.length +
              deleted.length +
              bots.length
            )
          })
        )
        assert.strictEqual(changed, 0)

        const [user] = yield* sql<{ balance: number }>`SELECT balance FROM users WHERE id = ${userB}`
        assert.strictEqual(user!.balance, 2000)
        const [card] = yield* sql<{
          cardHolderName: string
        }>`SELECT card_holder_name FROM tenant_payment_cards WHERE bot_id = ${b}`
        assert.strictEqual(card!.cardHolderName, "Holder B")
        const [payment] = yield* sql<{ status: string }>`SELECT status FROM card_to_card_payments WHERE bot_id = ${b}`
        assert.strictEqual(payment!.status, "pending")
        const [zarinpal] = yield* sql<{ status: string }>`SELECT status FROM zarinpal_payments WHERE bot_id = ${b}`
        assert.strictEqual(zarinpal!.status, "pending")
      })
    )

    it.effect("a tenant cannot insert a row with another tenant's bot_id, nor move a row to it", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const { a, b, userA } = yield* twoTenants
        const attempts = [
          sql`INSERT INTO users (bot_id, telegram_id) VALUES (${b}, 555)`,
          sql`INSERT INTO tenant_payment_cards (bot_id, card_number, card_holder_name) VALUES (${b}, '4111111111111111', 'X')`,
          sql`INSERT INTO bot_feature_flags (bot_id, feature_key, enabled) VALUES (${b}, 'zarinpal', true)`,
          sql`UPDATE users SET bot_id = ${b} WHERE id = ${userA}`
        ]
        for (const attempt of attempts) {
          const e = yield* Effect.flip(withTenant(a, attempt))
          assert.strictEqual(e._tag, "SqlError")
          assert.strictEqual(e.reason._tag, "AuthorizationError", "row-level security WITH CHECK")
          assert.strictEqual((e.reason.cause as { code?: string }).code, "42501")
        }
        const [n] = yield* sql<{ n: number }>`SELECT count(*)::integer AS n FROM users WHERE bot_id = ${b}`
        assert.strictEqual(n!.n, 1)
        const [moved] = yield* sql<{ botId: number }>`SELECT bot_id FROM users WHERE id = ${userA}`
        assert.strictEqual(moved!.botId, a)
      })
    )

    it.effect("the tenant role and bot id end with the transaction", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const { a } = yield* twoTenants
        const inside = yield* withTenant(
          a,
          sql<{ role: string; botId: string }>`
          SELECT current_user AS role, current_setting('app.bot_id', true) AS bot_id`
        )
        assert.deepStrictEqual(inside, [{ role: "botfleet_tenant", botId: String(a) }])
        // Several times, so pooled connections that ran a tenant transaction are reused.
        for (let i = 0; i < 5; i++) {
          const outside = yield* sql<{ role: string; botId: string | null }>`
            SELECT current_user AS role, NULLIF(current_setting('app.bot_id', true), '') AS bot_id`
          assert.notStrictEqual(outside[0]!.role, "botfleet_tenant")
          assert.isNull(outside[0]!.botId)
        }
        // A failed tenant transaction does not leave its settings behind either.
        yield* Effect.flip(withTenant(a, sql`SELECT 1/0`))
        const [after] = yield* sql<{ role: string }>`SELECT current_user AS role`
        assert.notStrictEqual(after!.role, "botfleet_tenant")
      })
    )
  })
})
