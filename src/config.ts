/**
 * Every setting of the service, read once from the environment through Effect
 * Config. README's configuration table documents each one; keep the two in step.
 */
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import type { LogLevel } from "effect/LogLevel"

const adminIds = Config.String("MASTER_ADMIN_IDS").pipe(
  Config.withDefault(""),
  Config.map((raw) =>
    raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((s) => Number(s))
      .filter(Number.isSafeInteger)
  )
)

// Either spelling: operators write `info`, Effect says `Info`.
const LOG_LEVELS = [
  "fatal",
  "error",
  "warn",
  "info",
  "debug",
  "trace",
  "Fatal",
  "Error",
  "Warn",
  "Info",
  "Debug",
  "Trace"
] as const

// RUNNER_HEALTH when set; otherwise `k8s` inside Kubernetes (every pod has KUBERNETES_SERVICE_HOST), else `ping`.
const runnerHealth = Config.all({
  explicit: Config.option(Config.Literals(["ping", "k8s"], "RUNNER_HEALTH")),
  kubernetes: Config.option(Config.String("KUBERNETES_SERVICE_HOST"))
}).pipe(
  Config.map(({ explicit, kubernetes }) =>
    Option.getOrElse(explicit, (): "ping" | "k8s" => (Option.isSome(kubernetes) ? "k8s" : "ping"))
  )
)

/**
 * nginx's http2_max_concurrent_streams default (api.telegram.org answers from nginx; its
 * actual SETTINGS value was not checked from here). The emulator advertises the same.
 */
export const DEFAULT_HTTP2_MAX_STREAMS = 128

/** See `databasePoolSize` below. */
export const DEFAULT_DATABASE_POOL_SIZE = 20

export const AppConfigFields = Config.all({
  databaseUrl: Config.option(Config.Redacted("DATABASE_URL")),
  dataDir: Config.String("BOTFLEET_DATA_DIR").pipe(Config.withDefault("./.botfleet")),
  // Connections this process keeps to PostgreSQL. Every update being handled holds one for its
  // transaction (reply to Telegram included), so this bounds the updates handled at once; LISTEN,
  // the cluster engine and jobs take a few more. Budget: replicas × WORKER_PROCESSES × this ≤ the
  // server's max_connections (default 100) minus its reserved and other clients' connections.
  databasePoolSize: Config.Int("DATABASE_POOL_SIZE").pipe(Config.withDefault(DEFAULT_DATABASE_POOL_SIZE)),
  telegramApiRoot: Config.String("TELEGRAM_API_ROOT").pipe(Config.withDefault("https://api.telegram.org")),
  // One HTTP client for all bots (src/telegram/http-client.ts). A PEM file of CA certificates trusted
  // besides Node's bundled roots (a self-hosted Bot API server behind a private CA; the emulator's CA).
  telegramCaFile: Config.option(Config.String("TELEGRAM_CA_FILE")),
  // `auto`: HTTP/2 where the server offers it (api.telegram.org), long polls multiplexed; `off`: HTTP/1.1.
  telegramHttp2: Config.Literals(["auto", "off"], "TELEGRAM_HTTP2").pipe(Config.withDefault("auto" as const)),
  // Streams (long polls and sends) per HTTP/2 connection; the server's SETTINGS may lower it.
  telegramHttp2MaxStreams: Config.Int("TELEGRAM_HTTP2_MAX_STREAMS").pipe(Config.withDefault(DEFAULT_HTTP2_MAX_STREAMS)),
  // 0 picks a free port (tests, several local processes).
  httpPort: Config.Int("HTTP_PORT").pipe(Config.withDefault(8080)),
  // /metrics, on a port of its own that is never exposed publicly (0 picks a free port).
  metricsPort: Config.Int("METRICS_PORT").pipe(Config.withDefault(9464)),
  botBuckets: Config.Int("BOT_BUCKETS").pipe(Config.withDefault(1024)),
  publicUrl: Config.String("PUBLIC_URL").pipe(Config.withDefault("http://localhost:8080")),
  runnerHost: Config.String("RUNNER_HOST").pipe(Config.withDefault("localhost")),
  // The cluster port other runners connect to. 0 (default) picks a free port and registers it,
  // so several processes on one machine (tests, local runs) never collide; set a fixed one where
  // other hosts must reach a known port (the Kubernetes manifests set 34431).
  runnerPort: Config.Int("RUNNER_PORT").pipe(Config.withDefault(0)),
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
  // Tenants with ZARINPAL_SANDBOX=true are sent here instead.
  zarinpalSandboxApiRoot: Config.String("ZARINPAL_SANDBOX_API_ROOT").pipe(
    Config.withDefault("https://sandbox.zarinpal.com")
  ),
  remnawaveApiUrl: Config.option(Config.String("REMNAWAVE_API_URL")),
  remnawaveApiToken: Config.option(Config.Redacted("REMNAWAVE_API_TOKEN")),
  logLevel: Config.Literals(LOG_LEVELS, "LOG_LEVEL").pipe(
    Config.withDefault("info" as const),
    Config.map((level): LogLevel => (level.charAt(0).toUpperCase() + level.slice(1).toLowerCase()) as LogLevel)
  ),
  logFormat: Config.Literals(["json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("pretty" as const)),
  resyncIntervalSeconds: Config.Int("RESYNC_INTERVAL_SECONDS").pipe(Config.withDefault(30)),
  startsPerSecond: Config.Int("BOT_STARTS_PER_SECOND").pipe(Config.withDefault(1000)),
  // V8's old generation may grow by this much over what survived its last full collection
  // before it collects again (src/heap-tuning.ts); 0 leaves V8's own factor (up to 4×).
  heapGrowingPercent: Config.Int("HEAP_GROWING_PERCENT").pipe(Config.withDefault(20)),
  shutdownGraceSeconds: Config.Int("SHUTDOWN_GRACE_SECONDS").pipe(Config.withDefault(20)),
  pollTimeoutSeconds: Config.Int("TELEGRAM_POLL_TIMEOUT_SECONDS").pipe(Config.withDefault(30)),
  // Sends paced to Telegram's flood limits (src/telegram/send-pace.ts); off only when the API has none.
  telegramSendPacing: Config.Literals(["on", "off"], "TELEGRAM_SEND_PACING").pipe(Config.withDefault("on" as const)),
  // How bots without a mode of their own (bots.ingest_mode) take their updates.
  ingestMode: Config.Literals(["polling", "webhook"], "INGEST_MODE").pipe(Config.withDefault("polling" as const)),
  handlerDeadlineSeconds: Config.Int("HANDLER_DEADLINE_SECONDS").pipe(Config.withDefault(30)),
  // How often each replica sweeps the payment outbox (provisioning, ZarinPal requests) for due
  // tasks; NOTIFY wakes it at once for new ones, so this bounds only retries and missed wake-ups.
  outboxSweepSeconds: Config.Int("OUTBOX_SWEEP_SECONDS").pipe(Config.withDefault(5)),
  // Scheduled jobs (src/jobs), each tick run once across the cluster. Every interval must divide
  // a minute, an hour or a day (ticks are aligned to the UTC clock).
  // time_based card rotation: how often tenants are checked; a card's turn is rotation_interval_minutes.
  cardRotationIntervalSeconds: Config.Int("CARD_ROTATION_INTERVAL_SECONDS").pipe(Config.withDefault(60)),
  // Payment expiry (and receipt reminders). 1 s keeps an expiry within ~2 s of its deadline.
  paymentExpiryIntervalSeconds: Config.Int("PAYMENT_EXPIRY_INTERVAL_SECONDS").pipe(Config.withDefault(1)),
  // Every process also expires card payments overdue by more than this, so a crashed tick owner
  // (≈10 s to fail over) does not make expiries late; 0 turns this fallback off.
  paymentExpiryFallbackSeconds: Config.Int("PAYMENT_EXPIRY_FALLBACK_SECONDS").pipe(Config.withDefault(3)),
  // ZarinPal reconciliation: unVerified.json per merchant, then verify and credit.
  zarinpalReconcileIntervalSeconds: Config.Int("ZARINPAL_RECONCILE_INTERVAL_SECONDS").pipe(Config.withDefault(300)),
  // Subscription expiry: reminders before and after (EXPIRY_REMINDER_DAYS, EXPIRED_REMINDER_DAYS per
  // tenant) and the expiry itself; a reminder goes out within this many seconds of its moment.
  subscriptionExpiryIntervalSeconds: Config.Int("SUBSCRIPTION_EXPIRY_INTERVAL_SECONDS").pipe(Config.withDefault(60)),
  // Auto-renewal from the wallet: how often due subscriptions (AUTO_RENEW_HOURS_BEFORE per tenant) are charged.
  autoRenewalIntervalSeconds: Config.Int("AUTO_RENEWAL_INTERVAL_SECONDS").pipe(Config.withDefault(60)),
  // Daily summary: how often the job looks for tenants whose DAILY_SUMMARY_HOUR has come.
  dailySummaryIntervalSeconds: Config.Int("DAILY_SUMMARY_INTERVAL_SECONDS").pipe(Config.withDefault(60)),
  // Panel sync: how often the Remnawave panel's users are read back (traffic, deleted/disabled drift).
  panelSyncIntervalSeconds: Config.Int("PANEL_SYNC_INTERVAL_SECONDS").pipe(Config.withDefault(300)),
  // A receipt still unreviewed after its payment's deadline reminds the admins at most this often.
  adminReminderIntervalMinutes: Config.Int("ADMIN_REMINDER_INTERVAL_MINUTES").pipe(Config.withDefault(60)),
  // Retention (src/jobs/retention.ts): how often, and how long bookkeeping is kept. Update marks
  // guard redeliveries, which Telegram makes for 24 h at most.
  retentionIntervalSeconds: Config.Int("RETENTION_INTERVAL_SECONDS").pipe(Config.withDefault(300)),
  updateMarksRetentionHours: Config.Int("UPDATE_MARKS_RETENTION_HOURS").pipe(Config.withDefault(48)),
  doneTasksRetentionDays: Config.Int("DONE_TASKS_RETENTION_DAYS").pipe(Config.withDefault(7)),
  // Per API token, per replica (a token bucket): the sustained rate and the burst on top of it.
  apiRateLimitPerMinute: Config.Int("API_RATE_LIMIT_PER_MINUTE").pipe(Config.withDefault(600)),
  apiRateLimitBurst: Config.Int("API_RATE_LIMIT_BURST").pipe(Config.withDefault(60)),
  // Limits (README "Limits"). PostgreSQL's statement_timeout for every statement of a tenant
  // transaction (Telegram updates, the API's tenant routes, jobs' tenant steps); 0 = none.
  tenantStatementTimeoutMs: Config.Int("TENANT_STATEMENT_TIMEOUT_MS").pipe(Config.withDefault(5000)),
  // An API request still running after this is abandoned (its query cancelled) with a JSON 503.
  apiRequestTimeoutSeconds: Config.Int("API_REQUEST_TIMEOUT_SECONDS").pipe(Config.withDefault(15)),
  // An unlimited plan (traffic 0) is charged to the tenant's platform wallet as this many GB.
  unlimitedPlanBilledGb: Config.Int("UNLIMITED_PLAN_BILLED_GB").pipe(Config.withDefault(100)),
  // ZarinPal's verify is asked at most once per this many seconds per payment (callbacks, cluster-wide).
  zarinpalVerifyIntervalSeconds: Config.Int("ZARINPAL_VERIFY_INTERVAL_SECONDS").pipe(Config.withDefault(5))
})

export type AppConfigShape = Config.Success<typeof AppConfigFields>

export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("botfleet/AppConfig") {
  static readonly layer = Layer.effect(AppConfig, AppConfigFields)
  /** For tests and embedded use: the environment's values overridden by `overrides`. */
  static readonly layerWith = (overrides: Partial<AppConfigShape>) =>
    Layer.effect(
      AppConfig,
      Effect.map(AppConfigFields, (c) => ({ ...c, ...overrides }))
    )
}

export const databaseUrlFromConfig = (c: AppConfigShape): Option.Option<string> =>
  Option.map(c.databaseUrl, Redacted.value)
