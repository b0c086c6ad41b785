/**
 * A tenant as its bot sees it: the bot row, its feature flags and its
 * configuration, loaded once and cached until NOTIFY says they changed.
 */
import { Context, Effect, Layer, PubSub, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { withTenant } from "../db/tenant.ts"
import { KNOWN_CONFIG_KEYS, STORED_VALUE_MAX_BYTES } from "./configurations.ts"
import { stripControlCharacters } from "./limits.ts"

export const Language = Schema.Literals(["fa", "en", "ru"])
export type Language = typeof Language.Type

export interface Tenant {
  readonly botId: number
  readonly name: string
  readonly currency: string
  readonly defaultLanguage: Language
  readonly flags: ReadonlySet<string>
  readonly config: Readonly<Record<string, unknown>>
}

const decodeLanguage = Schema.decodeUnknownOption(Language)

/** Loads a tenant; runs inside the tenant's transaction (RLS limits it to that bot). */
export const loadTenant = (botId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [bots, flags, configs] = yield* Effect.all([
      sql<{ name: string; currency: string }>`SELECT name, currency FROM bots WHERE id = ${botId}`,
      sql<{ featureKey: string }>`SELECT feature_key FROM bot_feature_flags WHERE bot_id = ${botId} AND enabled`,
      // Only the keys the bot reads, and never a value far over the size limit (one stored
      // before the limit existed): one tenant's junk must not make its every load fail.
      sql<{ configKey: string; configValue: unknown }>`
        SELECT config_key, config_value FROM bot_configurations
        WHERE bot_id = ${botId} AND config_key = ANY(${KNOWN_CONFIG_KEYS}::text[])
          AND pg_column_size(config_value) <= ${STORED_VALUE_MAX_BYTES}`
    ])
    const config = Object.fromEntries(configs.map((c) => [c.configKey, c.configValue]))
    const language = decodeLanguage(config.DEFAULT_LANGUAGE)
    return {
      botId,
      // A name stored before control characters were refused never reaches a chat raw.
      name: stripControlCharacters(bots[0]?.name ?? ""),
      currency: bots[0]?.currency ?? "IRT",
      defaultLanguage: language._tag === "Some" ? language.value : "fa",
      flags: new Set(flags.map((f) => f.featureKey)),
      config
    } satisfies Tenant
  })

/**
 * Per-process cache of tenants, dropped per bot when the watcher reports a
 * settings change (a NOTIFY from bot_feature_flags / bot_configurations / bots):
 * `layer` takes that stream of bot ids (app.ts passes the watcher's
 * `settingsChanged`), so the tenant model does not depend on the supervisor.
 */
export class TenantCache extends Context.Service<
  TenantCache,
  {
    readonly get: (botId: number) => Effect.Effect<Tenant, SqlError, SqlClient.SqlClient>
    /** The cached tenant, if loaded (no effect to run: the update pipeline's fast path). */
    readonly peek: (botId: number) => Tenant | undefined
    readonly invalidate: (botId: number) => void
  }
>()("botfleet/tenants/TenantCache") {
  static readonly layer = <R>(settingsChanged: Effect.Effect<PubSub.PubSub<number>, never, R>) =>
    Layer.effect(
      TenantCache,
      Effect.gen(function* () {
        const cache = new Map<number, Tenant>()
        const subscription = yield* PubSub.subscribe(yield* settingsChanged)
        yield* Effect.forkScoped(Effect.forever(Effect.map(PubSub.take(subscription), (id) => cache.delete(id))))
        return TenantCache.of({
          get: (botId) => {
            const hit = cache.get(botId)
            return hit
              ? Effect.succeed(hit)
              : Effect.tap(loadTenant(botId), (t) => Effect.sync(() => cache.set(botId, t)))
          },
          peek: (botId) => cache.get(botId),
          invalidate: (botId) => void cache.delete(botId)
        })
      })
    )
}

/** The tenant from the cache, loaded in its own tenant transaction on a miss (code outside an update). */
export const tenantOf = (botId: number) =>
  withTenant(
    botId,
    TenantCache.use((cache) => cache.get(botId))
  )
