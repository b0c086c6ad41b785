/**
 * The PostgreSQL client layer: DATABASE_URL when set, otherwise the embedded
 * server under BOTFLEET_DATA_DIR, started with the layer and stopped with it.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, Redacted, String as Str } from "effect"
import { AppConfig, DEFAULT_DATABASE_POOL_SIZE } from "../config.ts"
import { checkDatabaseUrl } from "./database-url.ts"
import { EmbeddedPostgresError, startEmbeddedPostgres } from "./embedded-postgres.ts"
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
      const started = yield* Effect.tryPromise({
        try: () => startEmbeddedPostgres(dataDir, { log: (line) => lines.push(line), ownProcessGroup: true }),
        // EmbeddedPostgresError already says what failed and what to do, in one line.
        catch: (cause) =>
          cause instanceof EmbeddedPostgresError
            ? cause
            : new Error(`could not start the embedded PostgreSQL: ${String(cause)}`, { cause })
      }).pipe(Effect.exit)
      // Also when it failed: where it put its binaries and data helps to read the failure.
      yield* Effect.forEach(lines, (line) => Effect.logInfo(line), { discard: true })
      return yield* started
    }),
    (server) =>
      Effect.promise(() => server.stop()).pipe(Effect.tap(() => Effect.logInfo("embedded PostgreSQL stopped")))
  ).pipe(Effect.map((server) => server.url()))

export const DatabaseLive = (options: DatabaseOptions = {}) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const config = yield* AppConfig
      // A DATABASE_URL that can never work stops the start (a defect with a one-line message), not retried.
      const configured = Option.map(config.databaseUrl, Redacted.value)
      const url = Option.isSome(configured)
        ? yield* Effect.sync(() => checkDatabaseUrl(configured.value))
        : yield* embeddedUrl(config.dataDir).pipe(Effect.orDie)
      return layerFromUrl(url, { ...options, maxConnections: options.maxConnections ?? config.databasePoolSize })
    })
  )
