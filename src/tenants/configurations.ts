/**
 * Per-tenant configuration: one JSON value per upper-snake-case key. The keys the
 * bot reads are listed in {@link ConfigSchemas} (with {@link ConfigDefaults});
 * `set` validates those against their schema and accepts any JSON for other
 * well-formed keys. Every query runs inside `withTenant`.
 *
 * JSON is read as text and parsed here: the client's name transform would
 * otherwise camelCase the keys inside jsonb values.
 */
import { Context, Effect, Layer, Option, Result, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { InvalidInput } from "./errors.ts"
import type { BotNotFound } from "./errors.ts"
import {
  CONFIG_MAX_KEYS,
  CONFIG_VALUE_MAX_BYTES,
  INT4_MAX,
  jsonShapeProblem,
  MAX_ADMIN_IDS,
  MAX_BROADCAST_MESSAGES_PER_SECOND,
  MAX_CARD_TTL_MINUTES,
  MAX_DEVICE_LIMIT,
  MAX_MONEY,
  MAX_PLAN_TRAFFIC_GB,
  MAX_SQUADS,
  MAX_TRIAL_DAYS,
  MAX_ZARINPAL_TTL_MINUTES
} from "./limits.ts"
import { missingBot, tenantScope } from "./repository.ts"
import { isTextConfigKey, TENANT_TEXT_MAX_BYTES, TEXT_CONFIG_KEYS, TenantText } from "./tenant-texts.ts"
import type { TextConfigKey } from "./tenant-texts.ts"

export const CONFIG_KEY_PATTERN = /^[A-Z][A-Z0-9_]{0,99}$/

const SquadUuids = Schema.Array(
  Schema.String.check(Schema.isPattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i))
).check(Schema.isMaxLength(MAX_SQUADS))

/** 1–30 days each, at most 5: the subscription_expiry job reads them fleet-wide (sql/fleet-subscription-expiry.ts). */
const ReminderDays = Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 30 }))).check(
  Schema.isMaxLength(5)
)

const upTo = (maximum: number) => Schema.Int.check(Schema.isBetween({ minimum: 1, maximum }))
/** Telegram ids fit in 52 bits (Telegram's own guarantee); chat ids are negative for groups. */
const TELEGRAM_ID_MAX = 2 ** 52
const ChatId = Schema.Int.check(Schema.isBetween({ minimum: -(2 ** 53 - 1), maximum: TELEGRAM_ID_MAX }))

/** An IANA time zone name that this runtime knows ("Asia/Tehran", "Europe/Berlin", "UTC"). */
const TimeZone = Schema.String.check(
  Schema.makeFilter((zone: string) => {
    if (zone.length > 64) return "must be an IANA time zone name such as Asia/Tehran"
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone })
      return undefined
    } catch {
      return "must be an IANA time zone name such as Asia/Tehran"
    }
  })
)

/** The tenant's own texts (tenant-texts.ts): TEXT_WELCOME_FA … TEXT_SUPPORT_RU, each Telegram HTML. */
const TextSchemas = Object.fromEntries(TEXT_CONFIG_KEYS.map((key) => [key, TenantText])) as {
  readonly [K in TextConfigKey]: typeof TenantText
}

/**
 * The schema of every configuration key the bot reads, each bounded
 * (src/tenants/limits.ts): whatever the shop derives from a value (a deadline,
 * an amount) fits its column.
 */
export const ConfigSchemas = {
  DEFAULT_LANGUAGE: Schema.Literals(["fa", "en", "ru"]),
  /** A Telegram username, with or without the leading @. */
  SUPPORT_USERNAME: Schema.String.check(Schema.isPattern(/^@?[A-Za-z][A-Za-z0-9_]{3,31}$/)),
  /** Telegram user ids of the tenant's admins. */
  ADMIN_IDS: Schema.Array(upTo(TELEGRAM_ID_MAX)).check(Schema.isMaxLength(MAX_ADMIN_IDS)),
  /** The chat (usually a negative supergroup id) that receives admin notices. */
  ADMIN_CHAT_ID: ChatId,
  /** The forum topic in ADMIN_CHAT_ID that receives card receipts. */
  CARD_RECEIPT_TOPIC_ID: upTo(INT4_MAX),
  /** The forum topic in ADMIN_CHAT_ID that receives operational alerts (src/messages/admin-alerts.ts). */
  ADMIN_TOPIC_ID: upTo(INT4_MAX),
  /** The chat (usually a supergroup) that hears of every sale, renewal, trial and top-up; unset = nobody. */
  NOTIFICATION_GROUP_ID: ChatId,
  /** The forum topic in NOTIFICATION_GROUP_ID for those notifications. */
  NOTIFICATION_TOPIC_ID: upTo(INT4_MAX),
  /** The hour (0–23, in TIME_ZONE) of the daily summary; unset = no summary. */
  DAILY_SUMMARY_HOUR: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 23 })),
  /** The shop's time zone (the daily summary's hour and day). */
  TIME_ZONE: TimeZone,
  ZARINPAL_MERCHANT_ID: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9-]{1,64}$/)),
  ZARINPAL_SANDBOX: Schema.Boolean,
  CARD_PAYMENT_TTL_MINUTES: upTo(MAX_CARD_TTL_MINUTES),
  ZARINPAL_PAYMENT_TTL_MINUTES: upTo(MAX_ZARINPAL_TTL_MINUTES),
  /** In the tenant's currency unit (bots.currency). */
  MIN_PAYMENT_AMOUNT: upTo(MAX_MONEY),
  /** In the tenant's currency unit (bots.currency). */
  MAX_PAYMENT_AMOUNT: upTo(MAX_MONEY),
  /** Warn the tenant's admins when its platform wallet drops below this (tomans); unset = no warning. */
  TENANT_LOW_BALANCE_THRESHOLD: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_MONEY })),
  /** Remnawave internal squad uuids for plans without their own (the API checks them against the panel). */
  DEFAULT_SQUADS: SquadUuids,
  /** Remnawave internal squad uuids of the free trial; unset = DEFAULT_SQUADS. */
  TRIAL_SQUADS: SquadUuids,
  /** The free trial (flag trial_subscription): its length, traffic (GiB, 0 = unlimited) and device limit. */
  TRIAL_DAYS: upTo(MAX_TRIAL_DAYS),
  TRIAL_TRAFFIC_GB: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_PLAN_TRAFFIC_GB })),
  TRIAL_DEVICES: upTo(MAX_DEVICE_LIMIT),
  /** Days before expiry on which the customer is reminded (each once per period). */
  EXPIRY_REMINDER_DAYS: ReminderDays,
  /** Days after expiry on which a customer who did not renew is reminded (each once per period). */
  EXPIRED_REMINDER_DAYS: ReminderDays,
  /** How many hours before expiry auto-renewal charges the wallet (flag auto_renewal). */
  AUTO_RENEW_HOURS_BEFORE: upTo(168),
  /** Referral program (flag referral_program): percent of each referred customer's purchase credited to the referrer. */
  REFERRAL_COMMISSION_PERCENT: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100 })),
  /** Credited to the referrer on the referred customer's first purchase (tenant's unit; 0 = none). */
  REFERRAL_FIRST_PURCHASE_BONUS_REFERRER: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_MONEY })),
  /** Credited to the referred customer on their own first purchase (tenant's unit; 0 = none). */
  REFERRAL_FIRST_PURCHASE_BONUS_REFERRED: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_MONEY })),
  ...TextSchemas,
  /** Messages a second a broadcast sends (src/outbox/broadcast-worker.ts); the process's pacer may hold it lower. */
  BROADCAST_MESSAGES_PER_SECOND: upTo(MAX_BROADCAST_MESSAGES_PER_SECOND)
} as const

/** Keys whose value is a list of Remnawave internal squad uuids (checked against the panel on the way in). */
export const SQUAD_CONFIG_KEYS: ReadonlyArray<string> = ["DEFAULT_SQUADS", "TRIAL_SQUADS"]

export type KnownConfigKey = keyof typeof ConfigSchemas

export type ConfigValue<K extends KnownConfigKey> = (typeof ConfigSchemas)[K]["Type"]

export const KNOWN_CONFIG_KEYS = Object.keys(ConfigSchemas) as ReadonlyArray<KnownConfigKey>

/** The value a known key has while the tenant has not set it. */
export const ConfigDefaults = {
  DEFAULT_LANGUAGE: "fa",
  ADMIN_IDS: [],
  ZARINPAL_SANDBOX: false,
  CARD_PAYMENT_TTL_MINUTES: 60,
  ZARINPAL_PAYMENT_TTL_MINUTES: 30,
  MIN_PAYMENT_AMOUNT: 10_000,
  MAX_PAYMENT_AMOUNT: 100_000_000,
  TRIAL_DAYS: 3,
  TRIAL_TRAFFIC_GB: 5,
  TRIAL_DEVICES: 1,
  EXPIRY_REMINDER_DAYS: [3, 1],
  EXPIRED_REMINDER_DAYS: [1],
  AUTO_RENEW_HOURS_BEFORE: 24,
  REFERRAL_COMMISSION_PERCENT: 10,
  REFERRAL_FIRST_PURCHASE_BONUS_REFERRER: 0,
  REFERRAL_FIRST_PURCHASE_BONUS_REFERRED: 0,
  TIME_ZONE: "Asia/Tehran",
  BROADCAST_MESSAGES_PER_SECOND: 25
} as const satisfies { readonly [K in KnownConfigKey]?: ConfigValue<K> }

type DefaultedKey = keyof typeof ConfigDefaults

/** Every known key resolved: the stored value, else the default, else undefined. */
export type TenantSettings = {
  readonly [K in KnownConfigKey]: K extends DefaultedKey ? ConfigValue<K> : ConfigValue<K> | undefined
}

export const isKnownConfigKey = (key: string): key is KnownConfigKey => Object.hasOwn(ConfigSchemas, key)

/** A known key's default, when it has one. */
export const configDefault = <K extends KnownConfigKey>(key: K): Option.Option<ConfigValue<K>> =>
  Object.hasOwn(ConfigDefaults, key)
    ? Option.some(ConfigDefaults[key as DefaultedKey] as ConfigValue<K>)
    : Option.none()

/**
 * Checks a value for a key: its size and depth (every key), then a known key
 * against its schema, any other key as JSON. The depth is checked first and
 * without recursion, so a hostile value costs nothing to refuse.
 */
export const validateConfigValue = (key: string, value: unknown): Result.Result<Schema.Json, InvalidInput> => {
  const shape = jsonShapeProblem(value, isTextConfigKey(key) ? TENANT_TEXT_MAX_BYTES : CONFIG_VALUE_MAX_BYTES)
  if (shape !== undefined) return Result.fail(new InvalidInput({ field: key, reason: shape }))
  if (!isJson(value)) {
    return Result.fail(new InvalidInput({ field: key, reason: "must be a JSON value (no undefined, NaN or Infinity)" }))
  }
  if (!isKnownConfigKey(key)) return Result.succeed(value)
  const decoded = decodeKnown(key, value)
  return Result.isSuccess(decoded)
    ? Result.succeed(value)
    : Result.fail(new InvalidInput({ field: key, reason: decoded.failure.message }))
}

type Failure = InvalidInput | SqlError

export class Configurations extends Context.Service<
  Configurations,
  {
    get(botId: number, key: string): Effect.Effect<Option.Option<Schema.Json>, Failure>
    /** Inserts or replaces the value. */
    set(botId: number, key: string, value: unknown): Effect.Effect<Schema.Json, Failure | BotNotFound>
    /** True when a row was deleted. */
    delete(botId: number, key: string): Effect.Effect<boolean, Failure>
    /** Every stored key of the bot as one object `{KEY: value}`. */
    getAll(botId: number): Effect.Effect<Schema.JsonObject, Failure>
    /**
     * Shallow-merges `partial` into an object value (jsonb `||`, one statement); a
     * missing key starts from {}. A non-object current value → InvalidInput.
     */
    merge(
      botId: number,
      key: string,
      partial: Schema.JsonObject
    ): Effect.Effect<Schema.JsonObject, Failure | BotNotFound>
    /**
     * A known key decoded with its schema, else its default. A stored value that
     * no longer decodes is logged and treated as unset.
     */
    getTyped<K extends KnownConfigKey>(botId: number, key: K): Effect.Effect<Option.Option<ConfigValue<K>>, Failure>
    /** Every known key resolved in one query, for the bot's per-tenant cache. */
    resolve(botId: number): Effect.Effect<TenantSettings, Failure>
  }
>()("botfleet/tenants/Configurations") {
  static readonly layer = Layer.effect(
    Configurations,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient

      const tenant = tenantScope(sql)
      const withSql = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        Effect.provideService(effect, SqlClient.SqlClient, sql)

      const get = Effect.fn("Configurations.get")(function* (botId: number, key: string) {
        const configKey = yield* checkKey(key)
        const rows = yield* tenant(
          botId,
          sql<{ json: string | null }>`
            SELECT CASE WHEN pg_column_size(config_value) <= ${STORED_VALUE_MAX_BYTES}
                        THEN config_value::text END AS json
            FROM bot_configurations WHERE bot_id = ${botId} AND config_key = ${configKey}`
        )
        const row = rows[0]
        if (row?.json === null) {
          yield* Effect.logWarning("configuration value over the size limit ignored").pipe(
            Effect.annotateLogs({ botId, key: configKey })
          )
          return Option.none()
        }
        return Option.map(Option.fromNullishOr(row), (r) => JSON.parse(r.json!) as Schema.Json)
      })

      // One row per key, assembled here: linear in the data (jsonb_object_agg was measured
      // quadratic in large values: 9.7 s of server CPU for one 1 MB array). A value stored
      // before the size limit existed and far over it is left out and reported, not sent.
      const getAll = Effect.fn("Configurations.getAll")(function* (botId: number) {
        const rows = yield* tenant(
          botId,
          sql<{ configKey: string; json: string | null }>`
            SELECT config_key,
                   CASE WHEN pg_column_size(config_value) <= ${STORED_VALUE_MAX_BYTES}
                        THEN config_value::text END AS json
            FROM bot_configurations WHERE bot_id = ${botId} ORDER BY config_key`
        )
        const values: Record<string, Schema.Json> = {}
        for (const row of rows) {
          if (row.json === null) {
            yield* Effect.logWarning("configuration value over the size limit left out").pipe(
              Effect.annotateLogs({ botId, key: row.configKey })
            )
            continue
          }
          values[row.configKey] = JSON.parse(row.json)
        }
        return values as Schema.JsonObject
      })

      /** The stored value if it decodes, else the default. */
      const typed = <K extends KnownConfigKey>(botId: number, key: K, stored: Option.Option<Schema.Json>) =>
        Effect.gen(function* () {
          if (Option.isSome(stored)) {
            const decoded = decodeKnown(key, stored.value)
            if (Result.isSuccess(decoded)) return Option.some(decoded.success as ConfigValue<K>)
            yield* Effect.logWarning("ignoring an invalid stored configuration value").pipe(
              Effect.annotateLogs({ botId, key, reason: decoded.failure.message })
            )
          }
          return configDefault(key)
        })

      return Configurations.of({
        get,
        set: (botId: number, key: string, value: unknown) =>
          tenant(botId, withSql(storeConfigValue(botId, key, value))).pipe(Effect.withSpan("Configurations.set")),
        delete: (botId: number, key: string) =>
          tenant(botId, withSql(removeConfigValue(botId, key))).pipe(Effect.withSpan("Configurations.delete")),
        getAll,
        merge: Effect.fn("Configurations.merge")(function* (botId: number, key: string, partial: Schema.JsonObject) {
          const configKey = yield* checkKey(key)
          const shape = jsonShapeProblem(partial)
          if (shape !== undefined) return yield* new InvalidInput({ field: key, reason: shape })
          if (!isJson(partial) || !isPlainObject(partial)) {
            return yield* new InvalidInput({ field: key, reason: "the partial value must be a JSON object" })
          }
          return yield* tenant(
            botId,
            Effect.gen(function* () {
              yield* withSql(checkKeyCount(botId, configKey))
              const rows = yield* sql<JsonRow>`
                INSERT INTO bot_configurations (bot_id, config_key, config_value)
                VALUES (${botId}, ${configKey}, ${JSON.stringify(partial)}::jsonb)
                ON CONFLICT (bot_id, config_key) DO UPDATE
                  SET config_value = bot_configurations.config_value || EXCLUDED.config_value
                  WHERE jsonb_typeof(bot_configurations.config_value) = 'object'
                RETURNING config_value::text AS json`.pipe(
                Effect.catchTag("SqlError", missingBot("bot_configurations_bot_id_fkey", botId))
              )
              if (rows.length === 0) {
                return yield* new InvalidInput({ field: key, reason: "the current value is not a JSON object" })
              }
              const merged = parse(rows[0]!) as Schema.JsonObject
              // A known key must still decode; failing here rolls the merge back.
              const checked = validateConfigValue(configKey, merged)
              if (Result.isFailure(checked)) return yield* checked.failure
              return merged
            })
          )
        }),
        getTyped: <K extends KnownConfigKey>(botId: number, key: K) =>
          Effect.flatMap(get(botId, key), (stored) => typed(botId, key, stored)).pipe(
            Effect.withSpan("Configurations.getTyped")
          ),
        resolve: Effect.fn("Configurations.resolve")(function* (botId: number) {
          const all = yield* getAll(botId)
          const settings: Record<string, unknown> = {}
          for (const key of KNOWN_CONFIG_KEYS) {
            const value = yield* typed(botId, key, Option.fromNullishOr(Object.hasOwn(all, key) ? all[key] : undefined))
            settings[key] = Option.getOrUndefined(value)
          }
          return settings as TenantSettings
        })
      })
    })
  )
}

/** A new key beyond CONFIG_MAX_KEYS is refused (replacing an existing one is fine). */
const checkKeyCount = Effect.fn("checkKeyCount")(function* (botId: number, configKey: string) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ others: number }>`
    SELECT count(*)::integer AS others FROM bot_configurations
    WHERE bot_id = ${botId} AND config_key <> ${configKey}`
  if ((row?.others ?? 0) >= CONFIG_MAX_KEYS) {
    return yield* new InvalidInput({
      field: configKey,
      reason: `a bot may store at most ${CONFIG_MAX_KEYS} configuration keys; delete one first`
    })
  }
})

/**
 * Validates and stores one value (inserted or replaced), in the caller's tenant
 * transaction: the Configurations service (API, CLI) wraps it in `withTenant`;
 * the chat UI runs it in the update's transaction.
 */
export const storeConfigValue = Effect.fn("storeConfigValue")(function* (botId: number, key: string, value: unknown) {
  const sql = yield* SqlClient.SqlClient
  const configKey = yield* checkKey(key)
  const json = yield* Effect.fromResult(validateConfigValue(configKey, value))
  yield* Effect.gen(function* () {
    yield* checkAmountRange(configKey, json, (other) =>
      Effect.map(
        sql<JsonRow>`SELECT config_value::text AS json FROM bot_configurations
                     WHERE bot_id = ${botId} AND config_key = ${other}`,
        (rows) => Option.map(Option.fromNullishOr(rows[0]), parse)
      )
    )
    yield* checkKeyCount(botId, configKey)
    yield* sql`
      INSERT INTO bot_configurations (bot_id, config_key, config_value)
      VALUES (${botId}, ${configKey}, ${JSON.stringify(json)}::jsonb)
      ON CONFLICT (bot_id, config_key) DO UPDATE SET config_value = EXCLUDED.config_value`
  }).pipe(Effect.catchTag("SqlError", missingBot("bot_configurations_bot_id_fkey", botId)))
  return json
})

/** Deletes one key in the caller's tenant transaction; true when a row was deleted. */
export const removeConfigValue = Effect.fn("removeConfigValue")(function* (botId: number, key: string) {
  const sql = yield* SqlClient.SqlClient
  const configKey = yield* checkKey(key)
  const rows = yield* sql`
    DELETE FROM bot_configurations WHERE bot_id = ${botId} AND config_key = ${configKey} RETURNING config_key`
  return rows.length > 0
})

/**
 * Whether the tenant stored `key`, in the caller's tenant transaction (a cheap
 * check before work that only matters when a setting exists).
 */
export const isConfigSet = Effect.fn("isConfigSet")(function* (botId: number, key: KnownConfigKey) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ set: boolean }>`
    SELECT EXISTS (SELECT 1 FROM bot_configurations WHERE bot_id = ${botId} AND config_key = ${key}) AS set`
  return rows[0]?.set === true
})

/**
 * Stored values larger than this (PostgreSQL's own size of the jsonb, a cheap
 * check) are skipped by readers: only values written before the limit existed
 * can be that large.
 */
export const STORED_VALUE_MAX_BYTES = 4 * CONFIG_VALUE_MAX_BYTES

interface JsonRow {
  readonly json: string
}

const parse = (row: JsonRow): Schema.Json => JSON.parse(row.json)

const isJson = Schema.is(Schema.Json)

const isPlainObject = (value: unknown): value is Schema.JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const decoders = Object.fromEntries(
  KNOWN_CONFIG_KEYS.map((key) => [key, Schema.decodeUnknownResult(ConfigSchemas[key] as Schema.Codec<unknown>)])
) as Record<KnownConfigKey, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>

const decodeKnown = (key: KnownConfigKey, value: unknown) => decoders[key](value)

const checkKey = (key: string) =>
  typeof key === "string" && CONFIG_KEY_PATTERN.test(key)
    ? Effect.succeed(key)
    : Effect.fail(new InvalidInput({ field: "configKey", reason: "must match ^[A-Z][A-Z0-9_]{0,99}$" }))

/** MIN_PAYMENT_AMOUNT must stay ≤ MAX_PAYMENT_AMOUNT (stored or default). */
const checkAmountRange = <E>(
  key: string,
  value: Schema.Json,
  read: (key: string) => Effect.Effect<Option.Option<Schema.Json>, E>
): Effect.Effect<void, E | InvalidInput> => {
  if (key !== "MIN_PAYMENT_AMOUNT" && key !== "MAX_PAYMENT_AMOUNT") return Effect.void
  const other = key === "MIN_PAYMENT_AMOUNT" ? "MAX_PAYMENT_AMOUNT" : "MIN_PAYMENT_AMOUNT"
  return Effect.flatMap(read(other), (stored) => {
    const otherValue = Option.getOrElse(
      Option.filter(stored, (v): v is number => typeof v === "number"),
      () => ConfigDefaults[other]
    )
    const [min, max] = key === "MIN_PAYMENT_AMOUNT" ? [value as number, otherValue] : [otherValue, value as number]
    return min <= max
      ? Effect.void
      : Effect.fail(
          new InvalidInput({
            field: key,
            reason: `MIN_PAYMENT_AMOUNT (${min}) must not exceed MAX_PAYMENT_AMOUNT (${max})`
          })
        )
  })
}
