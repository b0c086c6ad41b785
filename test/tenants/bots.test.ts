/** Seed increment 1.3 acceptance: the bots registry against a real database. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { createHash } from "node:crypto"
import { Bots } from "../../src/tenants/index.ts"
import { tenantsTestLayer } from "./support.ts"

let seq = 0
/** A well-formed Telegram token no other test in this file uses. */
const newToken = () => {
  const n = ++seq
  return `${5_000_000 + n}:AAH${"b".repeat(27)}${String(n).padStart(5, "0")}`
}

const CHILD_TABLES = [
  "bot_feature_flags",
  "bot_configurations",
  "tenant_payment_cards",
  "bot_plans",
  "users",
  "transactions",
  "subscriptions",
  "tickets",
  "update_inbox",
  "promo_groups",
  "promo_codes",
  "card_to_card_payments",
  "zarinpal_payments",
  "processed_updates"
] as const

describe("Bots", () => {
  it.layer(tenantsTestLayer())((it) => {
    it.effect("create returns the bot and a plain API token that is stored only as its hash", () =>
      Effect.gen(function* () {
        const bots = yield* Bots
        const sql = yield* SqlClient.SqlClient
        const telegramToken = newToken()
        const { bot, apiToken } = yield* bots.create({
          name: "  Shop One ",
          telegramToken,
          telegramUsername: "shop_one_bot"
        })
        assert.strictEqual(bot.name, "Shop One")
        assert.strictEqual(bot.telegramBotId, Number(telegramToken.split(":")[0]))
        assert.strictEqual(bot.telegramUsername, "shop_one_bot")
        assert.isTrue(bot.isActive)
        assert.isFalse(bot.isMaster)
        assert.strictEqual(bot.currency, "IRT")
        assert.strictEqual(bot.walletBalance, 0)
        assert.notProperty(bot, "telegramBotToken")
        assert.match(apiToken, /^[A-Za-z0-9_-]{43}$/, "32 random bytes, URL-safe")

        // The plain token is nowhere in the table: not in any text column, not in the row as a whole.
        const columns = yield* sql<{ columnName: string }>`
          SELECT column_name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = 'bots'
            AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')`
        assert.isAtLeast(columns.length, 4)
        for (const { columnName } of columns) {
          const hits = yield* sql<{ n: number }>`
            SELECT count(*)::integer AS n FROM bots WHERE position(${apiToken} in ${sql(columnName)}::text) > 0`
          assert.strictEqual(hits[0]!.n, 0, `API token found in bots.${columnName}`)
        }
        const anywhere = yield* sql<{
          n: number
        }>`SELECT count(*)::integer AS n FROM bots b WHERE position(${apiToken} in b::text) > 0`
        assert.strictEqual(anywhere[0]!.n, 0)
        const stored = yield* sql<{ apiTokenHash: string }>`SELECT api_token_hash FROM bots WHERE id = ${bot.id}`
        assert.strictEqual(stored[0]!.apiTokenHash, createHash("sha256").update(apiToken).digest("hex"))
      })
    )

    it.effect("finds bots by API token, Telegram token and id", () =>
      Effect.gen(function* () {
        const bots = yield* Bots
        const telegramToken = newToken()
        const { bot, apiToken } = yield* bots.create({ name: "Lookup", telegramToken })
        assert.deepStrictEqual(
          Option.map(yield* bots.findByApiToken(apiToken), (b) => b.id),
          Option.some(bot.id)
        )
        assert.isTrue(
          Option.isNone(yield* bots.findByApiToken(`${apiToken.slice(0, -1)}x`)),
          "a wrong token finds nothing"
        )
        assert.isTrue(Option.isNone(yield* bots.findByApiToken("")))
        assert.deepStrictEqual(
          Option.map(yield* bots.findByTelegramToken(telegramToken), (b) => b.id),
          Option.some(bot.id)
        )
        assert.isTrue(Option.isNone(yield* bots.findByTelegramToken(newToken())))
        assert.deepStrictEqual(yield* bots.getById(bot.id), bot)
        const withToken = yield* bots.getWithToken(bot.id)
        assert.strictEqual(Redacted.value(withToken.telegramToken), telegramToken)
        assert.notInclude(String(withToken.telegramToken), telegramToken, "redacted when printed")
        assert.strictEqual((yield* Effect.flip(bots.getById(987_654)))._tag, "BotNotFound")
      })
    )

    it.effect("the master bot: one only, found by findMaster, cannot be deactivated or deleted", () =>
      Effect.gen(function* () {
        const bots = yield* Bots
        assert.isTrue(Option.isNone(yield* bots.findMaster()))
        const { bot: master } = yield* bots.create({
          name: "Master",
          telegramToken: newToken(),
          isMaster: true,
          isActive: false
        })
        assert.isTrue(master.isMaster)
        assert.isTrue(master.isActive, "a master bot is always active")
        assert.deepStrictEqual(
          Option.map(yield* bots.findMaster(), (b) => b.id),
          Option.some(master.id)
        )

        const second = yield* Effect.flip(bots.create({ name: "Master 2", telegramToken: newToken(), isMaster: true }))
        assert.strictEqual(second._tag, "MasterBotExists")

        const deactivate = yield* Effect.flip(bots.deactivate(master.id))
        assert.strictEqual(deactivate._tag, "MasterBotProtected")
        assert.strictEqual((deactivate as { code?: string }).code, "master_bot_protected")
        const remove = yield* Effect.flip(bots.delete(master.id))
        assert.strictEqual(remove._tag, "MasterBotProtected")
        const still = yield* bots.getById(master.id)
        assert.isTrue(still.isActive)
      })
    )

    it.effect("listActive returns active bots only; activate and deactivate switch them", () =>
      Effect.gen(function* () {
        const bots = yield* Bots
        const { bot: on } = yield* bots.create({ name: "On", telegramToken: newToken() })
        const { bot: off } = yield* bots.create({ name: "Off", telegramToken: newToken(), isActive: false })
        assert.isFalse(off.isActive)
        let active = (yield* bots.listActive()).map((b) => b.id)
        assert.include(active, on.id)
        assert.notInclude(active, off.id)
        assert.includeMembers(
          (yield* bots.list()).map((b) => b.id),
          [on.id, off.id]
        )

        assert.isFalse((yield* bots.deactivate(on.id)).isActive)
        assert.isTrue((yield* bots.activate(off.id)).isActive)
        active = (yield* bots.listActive()).map((b) => b.id)
        assert.include(active, off.id)
        assert.notInclude(active, on.id)
        const tokens = yield* bots.listActiveWithTokens()
        assert.isTrue(tokens.every((b) => b.isActive))
        assert.strictEqual((yield* Effect.flip(bots.activate(987_654)))._tag, "BotNotFound")
      })
    )

    it.effect("update changes fields and validates them", () =>
      Effect.gen(function* () {
        const bots = yield* Bots
        const { bot } = yield* bots.create({ name: "Before", telegramToken: newToken() })
        const { bot: other } = yield* bots.create({ name: "Other", telegramToken: newToken() })
        const updated = yield* bots.update(bot.id, { name: "After", currency: "USD", trafficRatePerGb: 2500 })
        assert.strictEqual(updated.name, "After")
        assert.strictEqual(updated.currency, "USD")
        assert.strictEqual(updated.trafficRatePerGb, 2500)
        assert.strictEqual((yield* bots.getById(bot.id)).name, "After")

        const newTelegramToken = newToken()
        const moved = yield* bots.update(bot.id, { telegramToken: newTelegramToken })
        assert.strictEqual(moved.telegramBotId, Number(newTelegramToken.split(":")[0]))
        assert.isTrue(Option.isSome(yield* bots.findByTelegramToken(newTelegramToken)))

        const otherToken = Redacted.value((yield* bots.getWithToken(other.id)).telegramToken)
        assert.strictEqual(
          (yield* Effect.flip(bots.update(bot.id, { telegramToken: otherToken })))._tag,
          "DuplicateTelegramToken"
        )
        assert.strictEqual(
          (yield* Effect.flip(bots.update(bot.id, { telegramToken: "nope" })))._tag,
          "InvalidTelegramToken"
        )
        assert.strictEqual((yield* Effect.flip(bots.update(bot.id, { currency: "rial" })))._tag, "InvalidInput")
        assert.strictEqual((yield* Effect.flip(bots.update(bot.id, { name: "" })))._tag, "InvalidInput")
        assert.strictEqual((yield* Effect.flip(bots.update(987_654, { name: "x" })))._tag, "BotNotFound")
        assert.strictEqual((yield* bots.getById(bot.id)).name, "After", "refused updates changed nothing")
      })
    )

    it.effect("malformed and duplicate Telegram tokens are typed errors", () =>
      Effect.gen(function* () {
        const bots = yield* Bots
        for (const telegramToken of [
          "",
          "123456:ABC-DEF",
          "abc:" + "x".repeat(35),
          "12:" + "x".repeat(35),
          `123456:${"x".repeat(34)}!`
        ]) {
          const e = yield* Effect.flip(bots.create({ name: "Bad", telegramToken }))
          assert.strictEqual(e._tag, "InvalidTelegramToken", telegramToken)
        }
        const telegramToken = newToken()
        yield* bots.create({ name: "First", telegramToken })
        const dup = yield* Effect.flip(bots.create({ name: "Second", telegramToken }))
        assert.strictEqual(dup._tag, "DuplicateTelegramToken")
        assert.strictEqual((dup as { code?: string }).code, "duplicate_telegram_token")
      })
    )

    it.effect("delete cascades to every tenant table and leaves other bots alone", () =>
      Effect.gen(function* () {
        const bots = yield* Bots
        const sql = yield* SqlClient.SqlClient
        const { bot: doomed } = yield* bots.create({ name: "Doomed", telegramToken: newToken() })
        const { bot: survivor } = yield* bots.create({ name: "Survivor", telegramToken: newToken() })

        const seed = (botId: number, tag: string) =>
          Effect.gen(function* () {
            yield* sql`INSERT INTO bot_feature_flags (bot_id, feature_key, enabled) VALUES (${botId}, 'zarinpal', true)`
            yield* sql`INSERT INTO bot_configurations (bot_id, config_key, config_value) VALUES (${botId}, 'DEFAULT_LANGUAGE', '"fa"')`
            const [card] = yield* sql<{ id: number }>`
              INSERT INTO tenant_payment_cards (bot_id, card_number, card_holder_name)
              VALUES (${botId}, '6037991234567893', 'Ali') RETURNING id`
            const [plan] = yield* sql<{ id: number }>`
              INSERT INTO bot_plans (bot_id, name, period_days, price) VALUES (${botId}, 'Monthly', 30, 100000) RETURNING id`
            const [user] = yield* sql<{ id: number }>`
              INSERT INTO users (bot_id, telegram_id, balance) VALUES (${botId}, 424242, 5000) RETURNING id`
            yield* sql`INSERT INTO transactions (bot_id, user_id, type, amount, balance_after)
                       VALUES (${botId}, ${user!.id}, 'deposit', 5000, 5000)`
            yield* sql`INSERT INTO subscriptions (bot_id, user_id, plan_id, expires_at)
                       VALUES (${botId}, ${user!.id}, ${plan!.id}, now() + interval '30 days')`
            yield* sql`INSERT INTO tickets (bot_id, user_id, subject) VALUES (${botId}, ${user!.id}, 'help')`
            const [group] = yield* sql<{ id: number }>`
              INSERT INTO promo_groups (bot_id, name) VALUES (${botId}, 'vip') RETURNING id`
            yield* sql`INSERT INTO promo_codes (bot_id, code, promo_group_id) VALUES (${botId}, 'OFF10', ${group!.id})`
            yield* sql`INSERT INTO card_to_card_payments (bot_id, user_id, card_id, plan_id, amount, tracking_number, expires_at)
                       VALUES (${botId}, ${user!.id}, ${card!.id}, ${plan!.id}, 100000, ${`C2C${tag.repeat(16)}`}, now() + interval '1 hour')`
            yield* sql`INSERT INTO zarinpal_payments (bot_id, user_id, amount, zarinpal_authority, expires_at)
                       VALUES (${botId}, ${user!.id}, 100000, ${`A${tag}${botId}`}, now() + interval '30 minutes')`
            yield* sql`INSERT INTO processed_updates (bot_id, update_id) VALUES (${botId}, 1)`
            yield* sql`INSERT INTO update_inbox (bot_id, update_id, payload) VALUES (${botId}, 2, '{"update_id":2}')`
          })
        yield* seed(doomed.id, "A")
        yield* seed(survivor.id, "B")

        const counts = (botId: number) =>
          Effect.forEach(CHILD_TABLES, (table) =>
            Effect.map(
              sql<{ n: number }>`SELECT count(*)::integer AS n FROM ${sql(table)} WHERE bot_id = ${botId}`,
              (rows) => [table, rows[0]!.n] as const
            )
          )
        for (const [table, n] of yield* counts(doomed.id)) assert.strictEqual(n, 1, `seeded ${table}`)

        yield* bots.delete(doomed.id)
        for (const [table, n] of yield* counts(doomed.id)) assert.strictEqual(n, 0, `${table} rows left behind`)
        for (const [table, n] of yield* counts(survivor.id)) assert.strictEqual(n, 1, `survivor lost ${table}`)
        assert.strictEqual((yield* Effect.flip(bots.getById(doomed.id)))._tag, "BotNotFound")
        assert.strictEqual((yield* Effect.flip(bots.delete(doomed.id)))._tag, "BotNotFound")
      })
    )

    it.effect("a flag for a bot that does not exist is refused by the foreign key", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const e = yield* Effect.flip(
          sql`INSERT INTO bot_feature_flags (bot_id, feature_key, enabled) VALUES (987654, 'zarinpal', true)`
        )
        assert.strictEqual(e._tag, "SqlError")
        assert.strictEqual(e.reason._tag, "ConstraintError")
        assert.strictEqual((e.reason.cause as { code?: string }).code, "23503")
      })
    )

    it.effect("rotateApiToken invalidates the old token at once", () =>
      Effect.gen(function* () {
        const bots = yield* Bots
        const { bot, apiToken: oldToken } = yield* bots.create({ name: "Rotating", telegramToken: newToken() })
        const newApiToken = yield* bots.rotateApiToken(bot.id)
        assert.notStrictEqual(newApiToken, oldToken)
        assert.isTrue(Option.isNone(yield* bots.findByApiToken(oldToken)))
        assert.deepStrictEqual(
          Option.map(yield* bots.findByApiToken(newApiToken), (b) => b.id),
          Option.some(bot.id)
        )
        assert.strictEqual((yield* Effect.flip(bots.rotateApiToken(987_654)))._tag, "BotNotFound")
      })
    )
  })
})
