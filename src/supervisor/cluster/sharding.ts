/**
 * This process as an effect/cluster runner: registered in PostgreSQL
 * (SqlRunnerStorage; shard locks are PostgreSQL advisory locks), reachable by
 * the other runners at RUNNER_HOST:RUNNER_PORT, and judged alive by pod
 * readiness in Kubernetes or by ping elsewhere.
 *
 * The engine creates and migrates its own tables (`cluster_runners`,
 * `cluster_locks`, `cluster_messages`, `cluster_replies` and their
 * `cluster_*migrations` histories) on start, serialised by a table lock, so
 * botfleet's migrations do not define them; the database user needs CREATE on
 * the schema, as it does for botfleet's own migrations.
 *
 * The engine gets a small connection pool of its own: the lock session and the
 * runner-list reads must not queue behind thousands of bots writing their
 * status at start-up (a lock refresh that misses its deadline makes the runner
 * drop every bot it runs), and it needs the driver's default type decoding.
 */
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option } from "effect"
import { RunnerAddress, ShardingConfig } from "effect/cluster"
import * as fs from "node:fs"
import { AppConfig } from "../../config.ts"
import type { AppConfigShape } from "../../config.ts"
import { ClusterMetricsLive } from "../../metrics/cluster-metrics.ts"
import { rateLimitedEngineLogs } from "./engine-logs.ts"
import { freePort } from "../../free-port.ts"
import {
  ENGINE_WARNING_INTERVAL_MS,
  MESSAGE_POLL,
  REFRESH_ASSIGNMENTS,
  RUNNER_HEALTH_CHECK,
  SHARD_LOCK_EXPIRATION,
  SHARD_LOCK_REFRESH
} from "./timings.ts"

/** Connections for the engine: its lock session, runner-list reads, message polling, spare. */
const CLUSTER_POOL_SIZE = 5

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

/**
 * Every ShardingConfig field, set here from AppConfig and timings.ts. The
 * engine's layer also reads its own environment variables (`HOST`, `PORT`,
 * `SHARDS_PER_GROUP`, …); these values override all of them, so none can
 * change the cluster behind the operator's back.
 */
export const shardingConfigFor = (address: RunnerAddress.RunnerAddress): ShardingConfig.ShardingConfig["Service"] => ({
  ...ShardingConfig.defaults,
  runnerAddress: Option.some(address),
  // Listen where the others connect (the pod IP in Kubernetes).
  runnerListenAddress: Option.none(),
  // The default (300) must be the same on every runner; bucket singletons hash onto these.
  shardsPerGroup: ShardingConfig.defaults.shardsPerGroup,
  shardLockRefreshInterval: SHARD_LOCK_REFRESH,
  shardLockExpiration: SHARD_LOCK_EXPIRATION,
  refreshAssignmentsInterval: REFRESH_ASSIGNMENTS,
  runnerHealthCheckInterval: RUNNER_HEALTH_CHECK,
  entityMessagePollInterval: MESSAGE_POLL
})

/** RUNNER_PORT=0: a free port, chosen now and registered as it is (tests, several local processes). */
const runnerPort = (config: AppConfigShape) =>
  config.runnerPort !== 0 ? Effect.succeed(config.runnerPort) : Effect.orDie(freePort(config.runnerHost))

/** K8S_NAMESPACE, else the pod's own namespace from its service account; none → all namespaces. */
const k8sNamespace = (config: AppConfigShape) =>
  Option.getOrElse(config.k8sNamespace, () => {
    try {
      return fs.readFileSync(SERVICE_ACCOUNT_NAMESPACE, "utf8").trim() || undefined
    } catch {
      return undefined
    }
  })

/**
 * The engine's connection pool: the application's server and connection
 * settings, fewer connections, and the driver's own types and names. The
 * application decodes int8 as a JavaScript number and refuses larger values;
 * the engine's message ids are 64-bit snowflakes and would not decode.
 */
const ClusterDatabase = Layer.unwrap(
  Effect.gen(function* () {
    const pg = yield* PgClient.PgClient
    const {
      transformJson: _json,
      transformQueryNames: _query,
      transformResultNames: _result,
      types: _types,
      ...connection
    } = pg.config
    return PgClient.layer({ ...connection, maxConnections: CLUSTER_POOL_SIZE, applicationName: "botfleet-cluster" })
  })
)

/** The cluster runner of this process. Provides `Sharding`; needs the application's PgClient and AppConfig. */
export const ClusterLive = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const address = RunnerAddress.make(config.runnerHost, yield* runnerPort(config))
    yield* Effect.logInfo(`cluster runner ${address.host}:${address.port}, runner health: ${config.runnerHealth}`)
    const Engine = NodeClusterSocket.layer({
      storage: "sql",
      runnerHealth: config.runnerHealth,
      runnerHealthK8s: {
        namespace: k8sNamespace(config),
        labelSelector: Option.getOrUndefined(config.k8sLabelSelector)
      },
      shardingConfig: shardingConfigFor(address)
    }).pipe(
      Layer.provide(ClusterDatabase),
      Layer.provide(rateLimitedEngineLogs(ENGINE_WARNING_INTERVAL_MS)),
      Layer.orDie
    )
    return Layer.merge(Engine, ClusterMetricsLive)
  })
)
