import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import {
  ConfigDefaults,
  Configurations,
  InvalidInput,
  KNOWN_CONFIG_KEYS,
  validateConfigValue
} from "../../src/tenants/index.ts"
import { botFactory, tenantsTestLayer } from "./support.ts"

const newBot = botFactory("config", 710000, "C")

describe("Configurations", () => {
  it.layer(tenantsTestLayer())((it) => {
    it.effect("set and get any JSON value, keys inside values kept exactly", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const botId = yield* newBot
        assert.isTrue(Option.isNone(yield* config.get(botId, "WELCOME_TEXT")))
        const values = [
          "سلام",
          42,
          true,
          null,
          [1, "two", { three_3: 3 }],
          { snake_case: 1, UPPER_CASE: { inner_key: [{ deep_key: "x" }] } }
        ]
        for (const value of values) {
          assert.deepStrictEqual(yield* config.set(botId, "SOME_VALUE", value), value)
          assert.deepStrictEqual(Option.getOrThrow(yield* config.get(botId, "SOME_VALUE")), value)
        }
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ n: number }>`
          SELECT count(*)::integer AS n FROM bot_configurations WHERE bot_id = ${botId}`
        assert.strictEqual(rows[0]!.n, 1, "set replaces, one row per key")
      })
    )

    it.effect("keys must be upper snake case", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const botId = yield* newBot
        for (const key of ["", "default_language", "Default", "1KEY", "A-B", "A B", "A".repeat(101)]) {
          const e = yield* Effect.flip(config.set(botId, key, 1))
          assert.strictEqual(e._tag, "InvalidInput", key)
          assert.strictEqual((yield* Effect.flip(config.get(botId, key)))._tag, "InvalidInput", key)
        }
        yield* config.set(botId, "A".repeat(100), 1)
        yield* config.set(botId, "X9_Y", 1)
      })
    )

    it.effect("known keys are validated against their schema", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const botId = yield* newBot
        const refused: ReadonlyArray<readonly [string, unknown]> = [
          ["DEFAULT_LANGUAGE", "de"],
          ["DEFAULT_LANGUAGE", 1],
          ["ADMIN_IDS", [1, 2.5]],
          ["ADMIN_IDS", "123"],
          ["ADMIN_IDS", [-5]],
          ["ADMIN_CHAT_ID", "-100123"],
          ["ADMIN_CHAT_ID", 1.5],
          ["CARD_RECEIPT_TOPIC_ID", 0],
          ["ZARINPAL_SANDBOX", "true"],
          ["ZARINPAL_MERCHANT_ID", ""],
          ["CARD_PAYMENT_TTL_MINUTES", 0],
          ["ZARINPAL_PAYMENT_TTL_MINUTES", -1],
          ["MIN_PAYMENT_AMOUNT", 10.5],
          ["MAX_PAYMENT_AMOUNT", null],
          ["SUPPORT_USERNAME", "not a username"]
        ]
        for (const [key, value] of refused) {
          const e = yield* Effect.flip(config.set(botId, key, value))
          assert.instanceOf(e, InvalidInput, `${key} = ${JSON.stringify(value)}`)
          assert.strictEqual((e as InvalidInput).field, key)
          assert.isAbove((e as InvalidInput).reason.length, 0)
        }
        assert.deepStrictEqual(yield* config.getAll(botId), {}, "nothing written")

        const e = yield* Effect.flip(config.set(botId, "DEFAULT_LANGUAGE", "de"))
        assert.include((e as InvalidInput).reason, "fa", "the reason names what is expected")

        yield* config.set(botId, "DEFAULT_LANGUAGE", "ru")
        yield* config.set(botId, "ADMIN_IDS", [123456789, 987654321])
        yield* config.set(botId, "ADMIN_CHAT_ID", -1001234567890)
        yield* config.set(botId, "ZARINPAL_SANDBOX", true)
        yield* config.set(botId, "SUPPORT_USERNAME", "@shop_support")
        yield* config.set(botId, "ZARINPAL_MERCHANT_ID", "1344b5d4-0048-11e8-94db-005056a205be")
        yield* config.set(botId, "CUSTOM_ANYTHING", { any: ["json", 1, null] })
      })
    )

    it.effect("values that are not JSON are refused", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const botId = yield* newBot
        for (const value of [undefined, Number.NaN, Number.POSITIVE_INFINITY, { a: undefined }, () => 1, new Date()]) {
          assert.strictEqual((yield* Effect.flip(config.set(botId, "CUSTOM", value)))._tag, "InvalidInput")
        }
        assert.isTrue(Option.isNone(yield* config.get(botId, "CUSTOM")))
      })
    )

    it.effect("MIN_PAYMENT_AMOUNT may not exceed MAX_PAYMENT_AMOUNT (stored or default)", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const botId = yield* newBot
        const tooHigh = yield* Effect.flip(
          config.set(botId, "MIN_PAYMENT_AMOUNT", ConfigDefaults.MAX_PAYMENT_AMOUNT + 1)
        )
        assert.strictEqual(tooHigh._tag, "InvalidInput")
        yield* config.set(botId, "MAX_PAYMENT_AMOUNT", 50_000)
        assert.strictEqual((yield* Effect.flip(config.set(botId, "MIN_PAYMENT_AMOUNT", 60_000)))._tag, "InvalidInput")
        yield* config.set(botId, "MIN_PAYMENT_AMOUNT", 50_000)
        assert.strictEqual((yield* Effect.flip(config.set(botId, "MAX_PAYMENT_AMOUNT", 40_000)))._tag, "InvalidInput")
        assert.deepStrictEqual(yield* config.getAll(botId), { MAX_PAYMENT_AMOUNT: 50_000, MIN_PAYMENT_AMOUNT: 50_000 })
      })
    )

    it.effect("getAll returns one object of every stored key; delete removes one", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const botId = yield* newBot
        assert.deepStrictEqual(yield* config.getAll(botId), {})
        yield* config.set(botId, "DEFAULT_LANGUAGE", "en")
        yield* config.set(botId, "ADMIN_IDS", [1, 2])
        yield* config.set(botId, "EXTRA_SETTINGS", { some_key: { nested_key: 1 } })
        assert.deepStrictEqual(yield* config.getAll(botId), {
          DEFAULT_LANGUAGE: "en",
          ADMIN_IDS: [1, 2],
          EXTRA_SETTINGS: { some_key: { nested_key: 1 } }
        })
        assert.isTrue(yield* config.delete(botId, "ADMIN_IDS"))
        assert.isFalse(yield* config.delete(botId, "ADMIN_IDS"))
        assert.deepStrictEqual(Object.keys(yield* config.getAll(botId)).sort(), ["DEFAULT_LANGUAGE", "EXTRA_SETTINGS"])
      })
    )

    it.effect("merge updates an object value in place", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const botId = yield* newBot
        assert.deepStrictEqual(
          yield* config.merge(botId, "TEXTS", { welcome_text: "hi" }),
          { welcome_text: "hi" },
          "a missing key starts from {}"
        )
        yield* config.merge(botId, "TEXTS", { help_text: "help", nested: { a: 1, b: 2 } })
        const merged = yield* config.merge(botId, "TEXTS", { welcome_text: "salam", nested: { c: 3 } })
        assert.deepStrictEqual(merged, { welcome_text: "salam", help_text: "help", nested: { c: 3 } }, "shallow merge")
        assert.deepStrictEqual(Option.getOrThrow(yield* config.get(botId, "TEXTS")), merged)
      })
    )

    it.effect("concurrent merges of different fields all survive", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const botId = yield* newBot
        yield* config.set(botId, "COUNTERS", {})
        yield* Effect.forEach(
          Array.from({ length: 8 }, (_, i) => i),
          (i) => config.merge(botId, "COUNTERS", { [`field_${i}`]: i }),
          { concurrency: "unbounded" }
        )
        const value = Option.getOrThrow(yield* config.get(botId, "COUNTERS")) as Record<string, number>
        assert.strictEqual(Object.keys(value).length, 8)
        for (let i = 0; i < 8; i++) assert.strictEqual(value[`field_${i}`], i)
      })
    )

    it.effect("merge into a non-object value or a known key is InvalidInput and changes nothing", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const botId = yield* newBot
        for (const value of [[1, 2], 5, "text", null]) {
          yield* config.set(botId, "SCALAR", value)
          const e = yield* Effect.flip(config.merge(botId, "SCALAR", { a: 1 }))
          assert.strictEqual(e._tag, "InvalidInput")
          assert.deepStrictEqual(Option.getOrThrow(yield* config.get(botId, "SCALAR")), value)
        }
        const known = yield* Effect.flip(config.merge(botId, "ADMIN_IDS", { a: 1 }))
        assert.strictEqual(known._tag, "InvalidInput")
        assert.isTrue(Option.isNone(yield* config.get(botId, "ADMIN_IDS")), "the failed merge was rolled back")
        const notObject = yield* Effect.flip(config.merge(botId, "OBJ", [1] as never))
        assert.strictEqual(notObject._tag, "InvalidInput")
      })
    )

    it.effect("getTyped and resolve apply defaults and ignore invalid stored values", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const botId = yield* newBot
        assert.deepStrictEqual(yield* config.getTyped(botId, "DEFAULT_LANGUAGE"), Option.some("fa"))
        assert.deepStrictEqual(yield* config.getTyped(botId, "ADMIN_IDS"), Option.some([]))
        assert.deepStrictEqual(yield* config.getTyped(botId, "CARD_PAYMENT_TTL_MINUTES"), Option.some(60))
        assert.deepStrictEqual(yield* config.getTyped(botId, "ZARINPAL_PAYMENT_TTL_MINUTES"), Option.some(30))
        assert.deepStrictEqual(yield* config.getTyped(botId, "MIN_PAYMENT_AMOUNT"), Option.some(10_000))
        assert.deepStrictEqual(yield* config.getTyped(botId, "MAX_PAYMENT_AMOUNT"), Option.some(100_000_000))
        assert.deepStrictEqual(yield* config.getTyped(botId, "ZARINPAL_SANDBOX"), Option.some(false))
        assert.isTrue(Option.isNone(yield* config.getTyped(botId, "ADMIN_CHAT_ID")))

        yield* config.set(botId, "DEFAULT_LANGUAGE", "en")
        yield* config.set(botId, "ADMIN_CHAT_ID", -100123)
        assert.deepStrictEqual(yield* config.getTyped(botId, "DEFAULT_LANGUAGE"), Option.some("en"))
        assert.deepStrictEqual(yield* config.getTyped(botId, "ADMIN_CHAT_ID"), Option.some(-100123))

        // A value written around the service (an old release, a manual fix) that no longer decodes.
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO bot_configurations (bot_id, config_key, config_value)
                   VALUES (${botId}, 'CARD_PAYMENT_TTL_MINUTES', '"soon"'::jsonb)`
        assert.deepStrictEqual(yield* config.getTyped(botId, "CARD_PAYMENT_TTL_MINUTES"), Option.some(60))

        const settings = yield* config.resolve(botId)
        assert.deepStrictEqual(Object.keys(settings).sort(), [...KNOWN_CONFIG_KEYS].sort())
        assert.strictEqual(settings.DEFAULT_LANGUAGE, "en")
        assert.strictEqual(settings.ADMIN_CHAT_ID, -100123)
        assert.strictEqual(settings.CARD_PAYMENT_TTL_MINUTES, 60)
        assert.deepStrictEqual(settings.ADMIN_IDS, [])
        assert.isUndefined(settings.SUPPORT_USERNAME)
        assert.isUndefined(settings.ZARINPAL_MERCHANT_ID)
      })
    )

    it.effect("validateConfigValue explains a refusal", () =>
      Effect.sync(() => {
        const result = validateConfigValue("ADMIN_IDS", [1, "x"])
        assert.isTrue(result._tag === "Failure")
        assert.isTrue(validateConfigValue("UNKNOWN_KEY", { anything: [1] })._tag === "Success")
      })
    )

    it.effect("configuration is per bot, and a bot that does not exist is BotNotFound", () =>
      Effect.gen(function* () {
        const config = yield* Configurations
        const a = yield* newBot
        const b = yield* newBot
        yield* config.set(a, "SUPPORT_USERNAME", "shop_a_support")
        assert.isTrue(Option.isNone(yield* config.get(b, "SUPPORT_USERNAME")))
        assert.deepStrictEqual(yield* config.getAll(b), {})
        assert.isFalse(yield* config.delete(b, "SUPPORT_USERNAME"))
        assert.deepStrictEqual(yield* config.get(a, "SUPPORT_USERNAME"), Option.some("shop_a_support"))
        assert.strictEqual((yield* Effect.flip(config.set(999_999, "X", 1)))._tag, "BotNotFound")
        assert.strictEqual((yield* Effect.flip(config.merge(999_999, "X", { a: 1 })))._tag, "BotNotFound")
      })
    )
  })
})
