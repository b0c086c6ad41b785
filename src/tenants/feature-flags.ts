/**
 * Per-tenant feature flags (seed increment 1.4). A missing row means disabled;
 * each flag may carry a JSON object of settings. Every query runs inside
 * `withTenant`, so row-level security confines it to the one bot.
 *
 * JSON is read as text and parsed here: the client's name transform would
 * otherwise camelCase the keys inside jsonb values.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { InvalidInput } from "./errors.ts"
import type { BotNotFound } from "./errors.ts"
import { jsonShapeProblem } from "./limits.ts"
import { checkBoolean, missingBot, tenantScope } from "./repository.ts"

/** The flags the product knows about; other well-formed keys are allowed too. */
export const FEATURE_KEYS = [
  "card_to_card",
  "zarinpal",
  "trial_subscription",
  "auto_renewal",
  "referral_program",
  "promo_codes",
  "support_tickets",
  "support_contact"
] as const

export type FeatureKey = (typeof FEATURE_KEYS)[number]

/** A canonical key, or any other key matching {@link FEATURE_KEY_PATTERN}. */
export type FeatureKeyInput = FeatureKey | (string & {})

export const FEATURE_KEY_PATTERN = /^[a-z][a-z0-9_]{0,99}$/

export type FeatureConfig = Schema.JsonObject

export interface FeatureFlag {
  readonly featureKey: string
  readonly enabled: boolean
  readonly config: FeatureConfig
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface SetFeatureFlag {
  readonly enabled: boolean
  /** Replaces the stored config; when omitted an existing config is kept ({} for a new flag). */
  readonly config?: FeatureConfig | undefined
}

type Failure = InvalidInput | SqlError

export class FeatureFlags extends Context.Service<
  FeatureFlags,
  {
    get(botId: number, key: FeatureKeyInput): Effect.Effect<Option.Option<FeatureFlag>, Failure>
    /** False when the flag has no row. */
    isEnabled(botId: number, key: FeatureKeyInput): Effect.Effect<boolean, Failure>
    /** The flag's config, or {} when the flag has no row. */
    getConfig(botId: number, key: FeatureKeyInput): Effect.Effect<FeatureConfig, Failure>
    set(botId: number, key: FeatureKeyInput, value: SetFeatureFlag): Effect.Effect<FeatureFlag, Failure | BotNotFound>
    getAll(
      botId: number,
      options?: { readonly enabledOnly?: boolean | undefined }
    ): Effect.Effect<ReadonlyArray<FeatureFlag>, Failure>
    /** True when a row was deleted. */
    delete(botId: number, key: FeatureKeyInput): Effect.Effect<boolean, Failure>
    enable(botId: number, key: FeatureKeyInput): Effect.Effect<FeatureFlag, Failure | BotNotFound>
    disable(botId: number, key: FeatureKeyInput): Effect.Effect<FeatureFlag, Failure | BotNotFound>
    /** Flips the flag in one statement (a missing row counts as disabled) and returns the new value. */
    toggle(botId: number, key: FeatureKeyInput): Effect.Effect<boolean, Failure | BotNotFound>
  }
>()("botfleet/tenants/FeatureFlags") {
  static readonly layer = Layer.effect(
    FeatureFlags,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const cols = sql.unsafe(`feature_key, enabled, config::text AS config_json, created_at, updated_at`)

      const tenant = tenantScope(sql)

      const upsert = Effect.fnUntraced(function* (
        botId: number,
        key: string,
        enabled: boolean,
        config: FeatureConfig | undefined
      ) {
        const featureKey = yield* checkKey(key)
        const configJson = config === undefined ? null : yield* configText(config)
        const rows = yield* tenant(
          botId,
          sql<Row>`
            INSERT INTO bot_feature_flags (bot_id, feature_key, enabled, config)
            VALUES (${botId}, ${featureKey}, ${enabled}, COALESCE(${configJson}::jsonb, '{}'::jsonb))
            ON CONFLICT (bot_id, feature_key) DO UPDATE
              SET enabled = EXCLUDED.enabled,
                  config = COALESCE(${configJson}::jsonb, bot_feature_flags.config)
            RETURNING ${cols}`.pipe(Effect.catchTag("SqlError", missingBot("bot_feature_flags_bot_id_fkey", botId)))
        )
        return toFlag(rows[0]!)
      })

      const get = Effect.fn("FeatureFlags.get")(function* (botId: number, key: FeatureKeyInput) {
        const featureKey = yield* checkKey(key)
        const rows = yield* tenant(
          botId,
          sql<Row>`SELECT ${cols} FROM bot_feature_flags WHERE bot_id = ${botId} AND feature_key = ${featureKey}`
        )
        return Option.map(Option.fromNullishOr(rows[0]), toFlag)
      })

      return FeatureFlags.of({
        get,
        isEnabled: Effect.fn("FeatureFlags.isEnabled")(function* (botId: number, key: FeatureKeyInput) {
          return Option.match(yield* get(botId, key), { onNone: () => false, onSome: (flag) => flag.enabled })
        }),
        getConfig: Effect.fn("FeatureFlags.getConfig")(function* (botId: number, key: FeatureKeyInput) {
          return Option.match(yield* get(botId, key), {
            onNone: (): FeatureConfig => ({}),
            onSome: (flag) => flag.config
          })
        }),
        set: Effect.fn("FeatureFlags.set")(function* (botId: number, key: FeatureKeyInput, value: SetFeatureFlag) {
          const enabled = yield* checkBoolean("enabled", value.enabled)
          return yield* upsert(botId, key, enabled, value.config)
        }),
        getAll: Effect.fn("FeatureFlags.getAll")(function* (
          botId: number,
          options?: { readonly enabledOnly?: boolean | undefined }
        ) {
          const enabledOnly = options?.enabledOnly ?? false
          const rows = yield* tenant(
            botId,
            sql<Row>`SELECT ${cols} FROM bot_feature_flags
                     WHERE bot_id = ${botId} AND (enabled OR NOT ${enabledOnly}::boolean)
                     ORDER BY feature_key`
          )
          return rows.map(toFlag)
        }),
        delete: Effect.fn("FeatureFlags.delete")(function* (botId: number, key: FeatureKeyInput) {
          const featureKey = yield* checkKey(key)
          const rows = yield* tenant(
            botId,
            sql<{ featureKey: string }>`
              DELETE FROM bot_feature_flags WHERE bot_id = ${botId} AND feature_key = ${featureKey} RETURNING feature_key`
          )
          return rows.length > 0
        }),
        enable: Effect.fn("FeatureFlags.enable")(function* (botId: number, key: FeatureKeyInput) {
          return yield* upsert(botId, key, true, undefined)
        }),
        disable: Effect.fn("FeatureFlags.disable")(function* (botId: number, key: FeatureKeyInput) {
          return yield* upsert(botId, key, false, undefined)
        }),
        toggle: Effect.fn("FeatureFlags.toggle")(function* (botId: number, key: FeatureKeyInput) {
          const featureKey = yield* checkKey(key)
          const rows = yield* tenant(
            botId,
            sql<{ enabled: boolean }>`
              INSERT INTO bot_feature_flags (bot_id, feature_key, enabled)
              VALUES (${botId}, ${featureKey}, true)
              ON CONFLICT (bot_id, feature_key) DO UPDATE SET enabled = NOT bot_feature_flags.enabled
              RETURNING enabled`.pipe(Effect.catchTag("SqlError", missingBot("bot_feature_flags_bot_id_fkey", botId)))
          )
          return rows[0]!.enabled
        })
      })
    })
  )
}

interface Row {
  readonly featureKey: string
  readonly enabled: boolean
  readonly configJson: string
  readonly createdAt: Date
  readonly updatedAt: Date
}

const toFlag = ({ configJson, ...row }: Row): FeatureFlag => ({ ...row, config: JSON.parse(configJson) })

const checkKey = (key: string) =>
  typeof key === "string" && FEATURE_KEY_PATTERN.test(key)
    ? Effect.succeed(key)
    : Effect.fail(new InvalidInput({ field: "featureKey", reason: "must match ^[a-z][a-z0-9_]{0,99}$" }))

const isJsonObject = Schema.is(Schema.JsonObject)

const configText = (config: unknown) => {
  const shape = jsonShapeProblem(config)
  if (shape !== undefined) return Effect.fail(new InvalidInput({ field: "config", reason: shape }))
  return isJsonObject(config) && !Array.isArray(config)
    ? Effect.succeed(JSON.stringify(config))
    : Effect.fail(new InvalidInput({ field: "config", reason: "must be a JSON object" }))
}
