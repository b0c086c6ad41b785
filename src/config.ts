/**
 * Every setting of the service, read once from the environment through Effect
 * Config. README's configuration table documents each one; keep the two in step.
 */
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"

const adminIds = Config.String("MASTER_ADMIN_IDS").pipe(
  Config.withDefault(""),
  Config.map((raw) =>
    raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map((s) => Number(s)).filter(Number.isSafeInteger)
  )
)

export const AppConfigFields = Config.all({
  databaseUrl: Config.option(Config.Redacted("DATABASE_URL")),
  dataDir: Config.String("BOTFLEET_DATA_DIR").pipe(Config.withDefault("./.botfleet")),
  telegramApiRoot: Config.String("TELEGRAM_API_ROOT").pipe(Config.withDefault("https://api.telegram.org")),
  // 0 picks a free port (tests, several local processes).
  httpPort: Config.Int("HTTP_PORT").pipe(Config.withDefault(8080)),
  botBuckets: Config.Int("BOT_BUCKETS").pipe(Config.withDefault(1024)),
  publicUrl: Config.String("PUBLIC_URL").pipe(Config.withDefault("http://localhost:8080")),
  runnerHost: Config.String("RUNNER_HOST").pipe(Config.withDefault("localhost")),
  runnerPort: Config.Port("RUNNER_PORT").pipe(Config.withDefault(34431)),
  workerProcesses: Config.Int("WORKER_PROCESSES").pipe(Config.withDefault(1)),
  masterBotToken: Config.option(Config.Redacted("MASTER_BOT_TOKEN")),
  masterAdminIds: adminIds,
  zarinpalApiRoot: Config.String("ZARINPAL_API_ROOT").pipe(Config.withDefault("https://payment.zarinpal.com")),
  remnawaveApiUrl: Config.option(Config.String("REMNAWAVE_API_URL")),
  remnawaveApiToken: Config.option(Config.Redacted("REMNAWAVE_API_TOKEN")),
  logLevel: Config.LogLevel("LOG_LEVEL").pipe(Config.withDefault("Info" as const)),
  logFormat: Config.Literals(["json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("pretty" as const)),
  resyncIntervalSeconds: Config.Int("RESYNC_INTERVAL_SECONDS").pipe(Config.withDefault(30)),
  startsPerSecond: Config.Int("BOT_STARTS_PER_SECOND").pipe(Config.withDefault(1000)),
  shutdownGraceSeconds: Config.Int("SHUTDOWN_GRACE_SECONDS").pipe(Config.withDefault(20)),
  pollTimeoutSeconds: Config.Int("TELEGRAM_POLL_TIMEOUT_SECONDS").pipe(Config.withDefault(30)),
  handlerDeadlineSeconds: Config.Int("HANDLER_DEADLINE_SECONDS").pipe(Config.withDefault(30))
})

export type AppConfigShape = Config.Success<typeof AppConfigFields>

export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("botfleet/AppConfig") {
  static readonly layer = Layer.effect(AppConfig, AppConfigFields)
  /** For tests and embedded use: the environment's values overridden by `overrides`. */
  static readonly layerWith = (overrides: Partial<AppConfigShape>) =>
    Layer.effect(AppConfig, Effect.map(AppConfigFields, (c) => ({ ...c, ...overrides })))
}

export const databaseUrlFromConfig = (c: AppConfigShape): Option.Option<string> =>
  Option.map(c.databaseUrl, Redacted.value)
