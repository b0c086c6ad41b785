/**
 * `WORKER_PROCESSES=K` (K > 1): this process is the pod's parent, not a runner.
 * It starts K worker processes — each a cluster runner of its own on
 * RUNNER_PORT + i, or on free ports chosen once when RUNNER_PORT is 0 (crash
 * isolation, more cores) — restarts a crashed one, and
 * serves HTTP_PORT for all of them (parent-http.ts). SIGTERM: readiness turns
 * false, every worker gets SIGTERM and hands its bots over, the parent waits
 * for them and exits 0.
 *
 * Without DATABASE_URL the parent starts the embedded PostgreSQL once and gives
 * its URL to the workers, so they share one server.
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { AppConfig } from "../../config.ts"
import { embeddedUrl } from "../../db/client.ts"
import { LoggingLive } from "../../logging.ts"
import { serveParentHttp } from "./parent-http.ts"
import { freePort } from "../../free-port.ts"
import { makeWorkers, superviseWorkers } from "./worker-processes.ts"

/** Time for the workers' own graceful stop (SHUTDOWN_GRACE_SECONDS) plus the cluster handoff after it. */
const HANDOFF_MARGIN_SECONDS = 5

const Parent = Layer.effectDiscard(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const count = config.workerProcesses
    const databaseUrl = Option.isSome(config.databaseUrl)
      ? Redacted.value(config.databaseUrl.value)
      : yield* embeddedUrl(config.dataDir).pipe(Effect.orDie)
    // Fixed for the parent's lifetime: a restarted worker comes back as the same
    // runner and takes back its own buckets only.
    const runnerPorts =
      config.runnerPort === 0
        ? yield* Effect.forEach(Array.from({ length: count }), () => Effect.orDie(freePort(config.runnerHost)))
        : Array.from({ length: count }, (_, i) => config.runnerPort + i)
    const workers = makeWorkers(runnerPorts)
    let stopping = false

    // Serving first, so that /readyz (503) and /metrics still answer while the workers stop.
    const ports = yield* serveParentHttp({
      port: config.httpPort,
      metricsPort: config.metricsPort,
      workers,
      isStopping: () => stopping
    }).pipe(Effect.orDie)
    yield* superviseWorkers(workers, {
      argv: process.argv.slice(1),
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stopTimeout: `${config.shutdownGraceSeconds + HANDOFF_MARGIN_SECONDS} seconds`
    })
    yield* Effect.logInfo(
      `parent of ${count} worker processes (runner ports ${runnerPorts.join(", ")}), HTTP on port ${ports.http}, metrics on port ${ports.metrics}`
    )
    // Runs first on shutdown: stop looking ready before the workers are told to stop.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        stopping = true
      }).pipe(Effect.andThen(Effect.logInfo("stopping: handing every worker's bots over")))
    )
  })
)

export const WorkerParentLive = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    return Parent.pipe(Layer.provide(LoggingLive({ format: config.logFormat, level: config.logLevel })))
  })
)
