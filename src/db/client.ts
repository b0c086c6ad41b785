/**
 * The PostgreSQL client layer: DATABASE_URL when set, otherwise the embedded
 * server under BOTFLEET_DATA_DIR, started with the layer and stopped with it.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, Redacted, String as Str } from "effect"
import { AppConfig, DEFAULT_DATABASE_POOL_SIZE } from "../config.ts"
import { startEmbeddedPostgres } from "./embedded-postgres.ts"
import { makeTypeRegistry } from "./int8-as-number.ts"

export interface DatabaseOptions {
  /** Pool size; `DatabaseLive` defaults to DATABASE_POOL_SIZE (src/config.ts). */
  readonly maxConnections?: number
  readonly applicationName?: string
}

/** A pooled client for a known URL (tests and tools use this directly). */
export const layerFromUrl = (url: string, options: DatabaseOptions = {}) =>
  PgClient.layer({
    url: Redacted.make(url),
    maxConnections: options.maxConnections ?? DEFAULT_DATABASE_POOL_SIZE,
    applicationName: options.applicationName ?? "botfleet",
    idleTimeout: "60 seconds",
    connectTimeout: "10 seconds",
    // Columns are snake_case in SQL, fields camelCase in TypeScript.
    transformResultNames: Str.snakeToCamel,
    transformQueryNames: Str.camelToSnake,
    // JSON values (tenant configuration, Telegram payloads) keep their keys as stored.
    transformJson: false,
    types: makeTypeRegistry()
  })

/** The embedded server as a scoped resource: its URL, stopped on scope close. */
export const embeddedUrl = (dataDir: string) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const lines: Array<string> = []
      const server = yield* Effect.tryPromise({
        try: () => startEmbeddedPostgres(dataDir, { log: (line) => lines.push(line), ownProcessGroup: true }),
        catch: (cause) => new Error(`could not start the embedded PostgreSQL: ${String(cause)}`, { cause })
      })
      yield* Effect.forEach(lines, (line) => Effect.logInfo(line), { discard: true })
      return server
    }),
    (server) =>
      Effect.promise(() => server.stop()).pipe(Effect.tap(() => Effect.logInfo("embedded PostgreSQL stopped")))
  ).pipe(Effect.map((server) => server.url()))

export const DatabaseLive = (options: DatabaseOptions = {}) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const config = yield* AppConfig
      const url = Option.isSome(config.databaseUrl)
        ? Redacted.value(config.databaseUrl.value)
        : yield* embeddedUrl(config.dataDir).pipe(Effect.orDie)
      return layerFromUrl(url, { ...options, maxConnections: options.maxConnections ?? config.databasePoolSize })
    })
  )
