import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { FEATURE_KEY_PATTERN, FEATURE_KEYS, FeatureFlags } from "../../src/tenants/index.ts"
import { botFactory, tenantsTestLayer } from "./support.ts"

const newBot = botFactory("flags", 700000, "F")

describe("FeatureFlags", () => {
  it.layer(tenantsTestLayer())((it) => {
    it.effect("a missing flag is disabled with an empty config", () =>
      Effect.gen(function* () {
        const flags = yield* FeatureFlags
        const botId = yield* newBot
        assert.isTrue(Option.isNone(yield* flags.get(botId, "zarinpal")))
        assert.isFalse(yield* flags.isEnabled(botId, "zarinpal"))
        assert.deepStrictEqual(yield* flags.getConfig(botId, "zarinpal"), {})
        assert.deepStrictEqual(yield* flags.getAll(botId), [])
      })
    )

    it.effect("set upserts, keeps the config when omitted, and keeps JSON keys exactly", () =>
      Effect.gen(function* () {
        const flags = yield* FeatureFlags
        const botId = yield* newBot
        const config = { max_uses: 3, nested_obj: { min_amount: 1, UPPER_KEY: true }, list: [{ a_b: 1 }] }
        const created = yield* flags.set(botId, "promo_codes", { enabled: true, config })
        assert.strictEqual(created.featureKey, "promo_codes")
        assert.isTrue(created.enabled)
        assert.deepStrictEqual(created.config, config)
        assert.deepStrictEqual(yield* flags.getConfig(botId, "promo_codes"), config)

        const disabled = yield* flags.set(botId, "promo_codes", { enabled: false })
        assert.isFalse(disabled.enabled)
        assert.deepStrictEqual(disabled.config, config, "config kept when omitted")

        yield* flags.set(botId, "promo_codes", { enabled: true, config: { other: 1 } })
        const flag = Option.getOrThrow(yield* flags.get(botId, "promo_codes"))
        assert.deepStrictEqual(flag.config, { other: 1 }, "config replaced when given")
        assert.isTrue(flag.enabled)

        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ n: number }>`
          SELECT count(*)::integer AS n FROM bot_feature_flags WHERE bot_id = ${botId}`
        assert.strictEqual(rows[0]!.n, 1, "one row per (bot, key)")
      })
    )

    it.effect("enable, disable and toggle", () =>
      Effect.gen(function* () {
        const flags = yield* FeatureFlags
        const botId = yield* newBot
        assert.isTrue((yield* flags.enable(botId, "card_to_card")).enabled)
        assert.isTrue(yield* flags.isEnabled(botId, "card_to_card"))
        assert.isFalse((yield* flags.disable(botId, "card_to_card")).enabled)
        assert.isFalse(yield* flags.isEnabled(botId, "card_to_card"))

        assert.isTrue(yield* flags.toggle(botId, "auto_renewal"), "a missing flag toggles on")
        assert.isFalse(yield* flags.toggle(botId, "auto_renewal"))
        assert.isTrue(yield* flags.toggle(botId, "auto_renewal"))
        assert.isTrue(yield* flags.isEnabled(botId, "auto_renewal"))
      })
    )

    it.effect("toggle is atomic under concurrency", () =>
      Effect.gen(function* () {
        const flags = yield* FeatureFlags
        const botId = yield* newBot
        yield* flags.disable(botId, "referral_program")
        const results = yield* Effect.forEach(
          Array.from({ length: 8 }, () => 0),
          () => flags.toggle(botId, "referral_program"),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter((on) => on).length, 4)
        assert.isFalse(
          yield* flags.isEnabled(botId, "referral_program"),
          "an even number of toggles ends where it began"
        )
      })
    )

    it.effect("getAll lists flags by key, optionally only the enabled ones", () =>
      Effect.gen(function* () {
        const flags = yield* FeatureFlags
        const botId = yield* newBot
        yield* flags.enable(botId, "zarinpal")
        yield* flags.disable(botId, "support_tickets")
        yield* flags.enable(botId, "card_to_card")
        const all = yield* flags.getAll(botId)
        assert.deepStrictEqual(
          all.map((f) => f.featureKey),
          ["card_to_card", "support_tickets", "zarinpal"]
        )
        const enabled = yield* flags.getAll(botId, { enabledOnly: true })
        assert.deepStrictEqual(
          enabled.map((f) => f.featureKey),
          ["card_to_card", "zarinpal"]
        )
      })
    )

    it.effect("delete removes the row and reports whether one existed", () =>
      Effect.gen(function* () {
        const flags = yield* FeatureFlags
        const botId = yield* newBot
        yield* flags.enable(botId, "support_contact")
        assert.isTrue(yield* flags.delete(botId, "support_contact"))
        assert.isFalse(yield* flags.delete(botId, "support_contact"))
        assert.isFalse(yield* flags.isEnabled(botId, "support_contact"))
      })
    )

    it.effect("malformed keys and configs are InvalidInput", () =>
      Effect.gen(function* () {
        const flags = yield* FeatureFlags
        const botId = yield* newBot
        for (const key of ["", "Zarinpal", "1abc", "card-to-card", "with space", "a".repeat(101)]) {
          const e = yield* Effect.flip(flags.set(botId, key, { enabled: true }))
          assert.strictEqual(e._tag, "InvalidInput", key)
          assert.strictEqual((yield* Effect.flip(flags.isEnabled(botId, key)))._tag, "InvalidInput")
        }
        assert.isTrue((yield* flags.enable(botId, "a".repeat(100))).enabled, "100 characters is the limit")
        for (const config of [[1, 2], "x", 3, null, { a: Number.NaN }, { d: new Date() }]) {
          const e = yield* Effect.flip(flags.set(botId, "zarinpal", { enabled: true, config: config as never }))
          assert.strictEqual(e._tag, "InvalidInput")
        }
        assert.isTrue(Option.isNone(yield* flags.get(botId, "zarinpal")), "nothing written")
      })
    )

    it.effect("canonical keys are well formed", () =>
      Effect.sync(() => {
        assert.deepStrictEqual(
          [...FEATURE_KEYS],
          [
            "card_to_card",
            "zarinpal",
            "trial_subscription",
            "auto_renewal",
            "referral_program",
            "promo_codes",
            "support_tickets",
            "support_contact"
          ]
        )
        for (const key of FEATURE_KEYS) assert.isTrue(FEATURE_KEY_PATTERN.test(key))
      })
    )

    it.effect("flags are per bot, and a bot that does not exist is BotNotFound", () =>
      Effect.gen(function* () {
        const flags = yield* FeatureFlags
        const a = yield* newBot
        const b = yield* newBot
        yield* flags.set(a, "trial_subscription", { enabled: true, config: { days: 3 } })
        assert.isFalse(yield* flags.isEnabled(b, "trial_subscription"))
        assert.deepStrictEqual(yield* flags.getAll(b), [])
        assert.isFalse(yield* flags.delete(b, "trial_subscription"))
        assert.isTrue(yield* flags.toggle(b, "trial_subscription"), "B's flag was missing, so it toggles on")
        assert.isTrue(yield* flags.isEnabled(a, "trial_subscription"), "A's flag untouched")
        assert.deepStrictEqual(yield* flags.getConfig(a, "trial_subscription"), { days: 3 })

        const missing = yield* Effect.flip(flags.enable(999_999, "zarinpal"))
        assert.strictEqual(missing._tag, "BotNotFound")
        assert.strictEqual((yield* Effect.flip(flags.toggle(999_999, "zarinpal")))._tag, "BotNotFound")
        assert.strictEqual((yield* Effect.flip(flags.isEnabled(0, "zarinpal")))._tag, "InvalidInput")
      })
    )
  })
})
