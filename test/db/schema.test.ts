import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { TestDatabaseLayer } from "../support/database.ts"

const TENANT_TABLES = [
  "bots",
  "bot_feature_flags",
  "bot_configurations",
  "tenant_payment_cards",
  "bot_plans",
  "card_to_card_payments",
  "zarinpal_payments",
  "users",
  "subscriptions",
  "transactions",
  "tickets",
  "promo_codes",
  "promo_groups"
]

describe("schema", () => {
  it.layer(TestDatabaseLayer())((it) => {
    it.effect("has every tenant table and the seed's index names", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const tables = yield* sql<{ tableName: string }>`
          SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
        const names = new Set(tables.map((t) => t.tableName))
        for (const t of TENANT_TABLES) assert.isTrue(names.has(t), `missing table ${t}`)
        const idx = yield* sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE tablename = 'bots'`
        const indexNames = idx.map((r) => r.indexname)
        for (const i of [
          "idx_bots_api_token_hash",
          "idx_bots_telegram_token",
          "idx_bots_is_master",
          "idx_bots_is_active"
        ]) {
          assert.include(indexNames, i)
        }
      })
    )
  })
})
