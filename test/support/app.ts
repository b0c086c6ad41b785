/**
 * Runs the whole service in-process against a test database and an emulator,
 * exactly as main.ts wires it (only the configuration differs).
 */
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { HttpServer } from "effect/http"
import type { SqlClient } from "effect/sql"
import type { Composer } from "grammy"
import { MetricsAddress } from "../../src/api/server.ts"
import { AppLayer } from "../../src/app.ts"
import type { BotContext } from "../../src/bot/context.ts"
import { AppConfig } from "../../src/config.ts"
import type { AppConfigShape } from "../../src/config.ts"
import { Bots } from "../../src/tenants/bots.ts"

export interface RunningApp {
  readonly httpUrl: string
  /** Where /metrics is served (METRICS_PORT, a free port here). */
  readonly metricsUrl: string
  readonly runtime: ManagedRuntime.ManagedRuntime<any, any>
  readonly run: <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Bots>) => Promise<A>
  readonly stop: () => Promise<void>
}

export const startApp = async (options: {
  databaseUrl: string
  telegramApiRoot: string
  config?: Partial<AppConfigShape>
  tenantApp?: Composer<BotContext>
  runnerName?: string
}): Promise<RunningApp> => {
  const layer = Bots.layer.pipe(
    Layer.provideMerge(AppLayer({ tenantApp: options.tenantApp, runnerName: options.runnerName ?? "test" })),
    Layer.provideMerge(
      AppConfig.layerWith({
        databaseUrl: Option.some(Redacted.make(options.databaseUrl)),
        telegramApiRoot: options.telegramApiRoot,
        httpPort: 0,
        metricsPort: 0,
        botBuckets: 16,
        resyncIntervalSeconds: 5,
        logLevel: "Warn",
        shutdownGraceSeconds: 5,
        ...options.config
      })
    )
  )
  const runtime = ManagedRuntime.make(layer)
  const address = await runtime.runPromise(
    Effect.gen(function* () {
      return (yield* HttpServer.HttpServer).address
    })
  )
  const port = "port" in address ? address.port : 0
  const metricsPort = (await runtime.runPromise(MetricsAddress)).port
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    runtime,
    run: (effect) => runtime.runPromise(effect as Effect.Effect<any, any, never>),
    stop: () => runtime.dispose()
  }
}

export { eventually } from "./eventually.ts"
