/**
 * Every setting of the service, read once from the environment through Effect
 * Config. README's configuration table documents each one; keep the two in step.
 */
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import type { LogLevel } from "effect/LogLevel"

const adminIds = Config.String("MASTER_ADMIN_IDS").pipe(
  Config.withDefault(""),
  Config.map((raw) =>
    raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map((s) => Number(s)).filter(Number.isSafeInteger)
  )
)

// Either spelling: operators write `info`, Effect says `Info`.
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "Fatal", "Error", "Warn", "Info", "Debug", "Trace"] as const

// RUNNER_HEALTH when set; otherwise `k8s` inside Kubernetes (every pod has KUBERNETES_SERVICE_HOST), else `ping`.
const runnerHealth = Config.all({
  explicit: Config.option(Config.Literals(["ping", "k8s"], "RUNNER_HEALTH")),
  kubernetes: Config.option(Config.String("KUBERNETES_SERVICE_HOST"))
}).pipe(Config.map(({ explicit, kubernetes }) =>
  Option.getOrElse(explicit, (): "ping" | "k8s" => Option.isSome(kubernetes) ? "k8s" : "ping")
))

export const AppConfigFields = Config.all({
  databaseUrl: Config.option(Config.Redacted("DATABASE_URL")),
  dataDir: Config.String("BOTFLEET_DATA_DIR").pipe(Config.withDefault("./.botfleet")),
  telegramApiRoot: Config.String("TELEGRAM_API_ROOT").pipe(Config.withDefault("https://api.telegram.org")),
  // 0 picks a free port (tests, several local processes).
  httpPort: Config.Int("HTTP_PORT").pipe(Config.withDefault(8080)),
  botBuckets: Config.Int("BOT_BUCKETS").pipe(Config.withDefault(1024)),
  publicUrl: Config.String("PUBLIC_URL").pipe(Config.withDefault("http://localhost:8080")),
  runnerHost: Config.String("RUNNER_HOST").pipe(Config.withDefault("localhost")),
  // 0 picks a free port and registers it (tests, several local processes).
  runnerPort: Config.Int("RUNNER_PORT").pipe(Config.withDefault(34431)),
  // How other runners are judged alive: pod readiness (`k8s`) or a ping.
  runnerHealth: runnerHealth,
  // RUNNER_HEALTH=k8s looks runners up among these pods (default: the pod's own namespace).
  k8sNamespace: Config.option(Config.String("K8S_NAMESPACE")),
  k8sLabelSelector: Config.option(Config.String("K8S_LABEL_SELECTOR")),
  // K > 1: this process starts K runner processes (RUNNER_PORT + i) and serves HTTP_PORT for them.
  workerProcesses: Config.Int("WORKER_PROCESSES").pipe(Config.withDefault(1)),
  // Set by the parent in each worker process (0 … K-1); unset otherwise.
  workerIndex: Config.option(Config.Int("WORKER_INDEX")),
  masterBotToken: Config.option(Config.Redacted("MASTER_BOT_TOKEN")),
  masterAdminIds: adminIds,
  zarinpalApiRoot: Config.String("ZARINPAL_API_ROOT").pipe(Config.withDefault("https://payment.zarinpal.com")),
  remnawaveApiUrl: Config.option(Config.String("REMNAWAVE_API_URL")),
  remnawaveApiToken: Config.option(Config.Redacted("REMNAWAVE_API_TOKEN")),
  logLevel: Config.Literals(LOG_LEVELS, "LOG_LEVEL").pipe(
    Config.withDefault("info" as const),
    Config.map((level): LogLevel => (level.charAt(0).toUpperCase() + level.slice(1).toLowerCase()) as LogLevel)
  ),
  logFormat: Config.Literals(["json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("pretty" as const)),
  resyncIntervalSeconds: Config.Int("RESYNC_INTERVAL_SECONDS").pipe(Config.withDefault(30)),
  startsPerSecond: Config.Int("BOT_STARTS_PER_SECOND").pipe(Config.withDefault(1000)),
  shutdownGraceSeconds: Config.Int("SHUTDOWN_GRACE_SECONDS").pipe(Config.withDefault(20)),
  pollTimeoutSeconds: Config.Int("TELEGRAM_POLL_TIMEOUT_SECONDS").pipe(Config.withDefault(30)),
  handlerDeadlineSeconds: Config.Int("HANDLER_DEADLINE_SECONDS").pipe(Config.withDefault(30)),
  // Per API token, per replica (a token bucket): the sustained rate and the burst on top of it.
  apiRateLimitPerMinute: Config.Int("API_RATE_LIMIT_PER_MINUTE").pipe(Config.withDefault(600)),
  apiRateLimitBurst: Config.Int("API_RATE_LIMIT_BURST").pipe(Config.withDefault(60))
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
