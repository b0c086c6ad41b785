/**
 * What every database-backed CLI command needs: configuration, logging on
 * stderr (stdout is the command's output), the client, migrations applied.
 */
import { Effect, Layer } from "effect"
import { AppConfig } from "../config.ts"
import { DatabaseLive } from "../db/client.ts"
import { runMigrations } from "../db/migrator.ts"
import { LoggingLive } from "../logging.ts"
import { Bots } from "../tenants/bots.ts"

const Logging = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    return LoggingLive({ format: config.logFormat, level: "Warn", stderr: true })
  })
)

const Migrated = Layer.effectDiscard(runMigrations())

/** The client alone (for `migrate`, which reports what it applied). */
export const CliClient = DatabaseLive({ maxConnections: 2, applicationName: "botfleet-cli" }).pipe(
  Layer.provideMerge(Logging),
  Layer.provideMerge(AppConfig.layer)
)

/** The client with the schema migrated and the bots registry. */
export const CliDatabase = Bots.layer.pipe(Layer.provideMerge(Migrated), Layer.provideMerge(CliClient))
