/**
 * The whole service as one Layer: every part wired in one place. `main.ts`
 * launches it; tests launch it too, with their own configuration.
 *
 * Order matters at shutdown (layers release in reverse): the supervisor drains
 * its bots first while the HTTP server still answers /readyz (503) and
 * /metrics, then the server, the watcher and the database go.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Layer, Runtime, Schedule } from "effect"
import { Sharding } from "effect/cluster"
import { SqlClient } from "effect/sql"
import type { Composer } from "grammy"
import * as os from "node:os"
import { HttpLive } from "./api/server.ts"
import { makeTenantApp } from "./bot/app.ts"
import type { BotContext } from "./bot/context.ts"
import { MasterApp, MasterAppServices } from "./bot/master/app.ts"
import { EnsureMasterBot } from "./bot/master/ensure-master.ts"
import { BotTokens } from "./telegram/bot-tokens.ts"
import { TelegramNotifier } from "./telegram/notifier.ts"
import { UnreachableUsers } from "./telegram/unreachable-users.ts"
import { TenantCache } from "./tenants/tenant-cache.ts"
import { isUnreachable, markUnreachable } from "./tenants/users.ts"
import { AppConfig } from "./config.ts"
import { DatabaseLive } from "./db/client.ts"
import { JobsLive } from "./jobs/jobs.ts"
import { noticeWorker } from "./outbox/notice-worker.ts"
import { broadcastWorker } from "./outbox/broadcast-worker.ts"
import { runMigrations } from "./db/migrator.ts"
import { TenantStatementTimeout, withTenant } from "./db/tenant.ts"
import { LoggingLive } from "./logging.ts"
import { HeapTuningLive } from "./heap-tuning.ts"
import { OutboxWorkerLive } from "./outbox/worker.ts"
import { UnlimitedPlanBilledGb } from "./payments/tenant-wallet.ts"
import { ZarinpalClient } from "./payments/zarinpal-client.ts"
import { TenantApp } from "./supervisor/bot-runner.ts"
import { RunnerName } from "./supervisor/runner-name.ts"
import { Health } from "./supervisor/health.ts"
import { StartLimiter } from "./supervisor/start-limiter.ts"
import { clusterOwnership } from "./supervisor/cluster/bucket-singletons.ts"
import { ClusterLive } from "./supervisor/cluster/sharding.ts"
import { SupervisorLive } from "./supervisor/supervisor.ts"
import { WebhookBots } from "./supervisor/webhook-bots.ts"
import { BotsWatcher } from "./supervisor/watcher.ts"
import { RemnawaveClient } from "./vpn/remnawave-client.ts"

const Logging = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    return LoggingLive({ format: config.logFormat, level: config.logLevel })
  })
)

/** Settings read through references deep in the domain: TENANT_STATEMENT_TIMEOUT_MS, UNLIMITED_PLAN_BILLED_GB. */
const LimitSettingsLive = Layer.mergeAll(
  Layer.effect(
    TenantStatementTimeout,
    Effect.map(AppConfig, (c) => c.tenantStatementTimeoutMs)
  ),
  Layer.effect(
    UnlimitedPlanBilledGb,
    Effect.map(AppConfig, (c) => c.unlimitedPlanBilledGb)
  )
)

/** A database that is down at start-up is waited for (logged), not a crash loop. */
const databaseReachable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`SELECT 1`
}).pipe(
  Effect.tapError((e) => Effect.logWarning(`database not reachable yet (${e.message}); retrying`)),
  Effect.retry(Schedule.min([Schedule.exponential("500 millis"), Schedule.spaced("10 seconds")])),
  Effect.orDie // unreachable: the schedule retries for ever
)

const Migrated = Layer.effectDiscard(
  databaseReachable.pipe(
    Effect.andThen(runMigrations()),
    Effect.tap((applied) =>
      applied.length > 0 ? Effect.logInfo(`applied migrations: ${applied.join(", ")}`) : Effect.void
    ),
    Effect.tapError((e) => Effect.logError(e.message))
  )
)

/**
 * What the Telegram client needs from the rest of the service: the active bots'
 * tokens (from the watcher) and the users who refused a bot for good (the users
 * table), so `telegram/` imports neither the supervisor nor the tenant model.
 */
const TelegramNeeds = Layer.mergeAll(
  Layer.effect(
    BotTokens,
    Effect.map(BotsWatcher, (watcher) => BotTokens.of({ ready: watcher.ready, get: (botId) => watcher.get(botId) }))
  ),
  Layer.effect(
    UnreachableUsers,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const inTenant = <A, E>(botId: number, effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        withTenant(botId, effect).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      return UnreachableUsers.of({
        isUnreachable: (botId, telegramId) =>
          inTenant(botId, isUnreachable(botId, telegramId)).pipe(Effect.orElseSucceed(() => false)),
        markUnreachable: (botId, telegramId) => inTenant(botId, markUnreachable(botId, telegramId)).pipe(Effect.ignore)
      })
    })
  )
)

export interface AppOptions {
  readonly runnerName?: string
  /** The tenant application; tests substitute their own handlers. */
  readonly tenantApp?: Composer<BotContext>
}

const Apps = (options: AppOptions) =>
  Layer.unwrap(
    Effect.gen(function* () {
      return TenantApp.fromComposers(options.tenantApp ?? makeTenantApp(), yield* MasterApp)
    })
  ).pipe(Layer.provide(MasterAppServices))

/**
 * The supervisor over the cluster engine, the one way bots are owned (also in
 * tests and with a single process: a cluster of one runner costs ~150 ms at
 * start): this process is a cluster runner and runs the buckets whose
 * singletons the engine places here (bucket-singletons.ts). On shutdown the
 * engine stops each bucket's bots before it lets that bucket's lock go.
 */
const Supervisor = Layer.unwrap(
  Effect.gen(function* () {
    const sharding = yield* Sharding.Sharding
    return SupervisorLive(clusterOwnership(sharding))
  })
).pipe(Layer.provideMerge(ClusterLive))

export const AppLayer = (options: AppOptions = {}) => {
  // MASTER_BOT_TOKEN becomes (or updates) the master bot row once the schema is there.
  const Database = EnsureMasterBot.pipe(
    Layer.provideMerge(Migrated),
    Layer.provideMerge(DatabaseLive()),
    Layer.provideMerge(LimitSettingsLive)
  )
  const Core = Layer.mergeAll(
    TenantCache.layer(Effect.map(BotsWatcher, (watcher) => watcher.settingsChanged)),
    Health.layer,
    StartLimiter.layer,
    Apps(options),
    Layer.succeed(RunnerName, RunnerName.of({ name: options.runnerName ?? `${os.hostname()}:${process.pid}` })),
    // The shop's outside world: Telegram outside updates, the payment gateway, the VPN panel.
    TelegramNotifier.layer.pipe(Layer.provideMerge(TelegramNeeds)),
    ZarinpalClient.layer,
    RemnawaveClient.layer
  ).pipe(Layer.provideMerge(BotsWatcher.layer))
  // Scheduled jobs (src/jobs): cluster-wide schedules on this runner's Sharding; stopped first.
  // Beside them, the notice worker that tells users and admins what the jobs did (src/outbox/notice-worker.ts).
  const NoticeWorkerLive = Layer.unwrap(Effect.map(RunnerName, ({ name }) => noticeWorker(name)))
  // And the broadcasts, each at its tenant's pace (src/outbox/broadcast-worker.ts).
  const BroadcastWorkerLive = Layer.unwrap(Effect.map(RunnerName, ({ name }) => broadcastWorker(name)))
  return Layer.mergeAll(JobsLive, NoticeWorkerLive, BroadcastWorkerLive).pipe(
    Layer.provideMerge(Supervisor),
    Layer.provideMerge(HttpLive),
    // Provisioning and ZarinPal requests, after their transactions commit (src/outbox/worker.ts).
    Layer.provideMerge(OutboxWorkerLive),
    // Webhook bots owned here: setWebhook/deleteWebhook, and handling what their webhooks stored.
    Layer.provideMerge(WebhookBots.layer),
    Layer.provideMerge(Core),
    Layer.provideMerge(Database),
    Layer.provideMerge(Logging),
    // A process setting, not the database's: V8's heap growth (HEAP_GROWING_PERCENT).
    Layer.provideMerge(HeapTuningLive)
  )
}

/**
 * Runs a service layer as the process: until SIGTERM/SIGINT, then the layers'
 * graceful release. A stop by signal is the normal end of a replica's life
 * (Kubernetes sends SIGTERM), so it exits 0; a real failure exits non-zero.
 */
export const launch = <E>(layer: Layer.Layer<never, E>) =>
  Layer.launch(layer).pipe(
    NodeRuntime.runMain({
      teardown: (exit, onExit) =>
        Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause) ? Runtime.defaultTeardown(exit, onExit) : onExit(0)
    })
  )
