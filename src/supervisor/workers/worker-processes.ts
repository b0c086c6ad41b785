/**
 * The worker processes of a pod (WORKER_PROCESSES=K > 1): K copies of this
 * program, each a cluster runner of its own with a runner port of its own.
 * A worker that exits is started again after a backoff (1 s doubling to 30 s,
 * back to 1 s after a minute of good health), on the same runner address, so it
 * takes back its own buckets and the other workers' buckets stay where they are.
 *
 * Stopping (the parent's scope closes, i.e. SIGTERM): no more restarts, SIGTERM
 * to every worker, wait for them to exit (each hands its bots over), SIGKILL
 * whatever is still running after the grace period.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { type Duration, Effect, Fiber, Schedule } from "effect"
import type { Scope } from "effect"
import { freePort } from "../../free-port.ts"

export interface Worker {
  readonly index: number
  readonly runnerPort: number
  /** The worker's internal HTTP port (its own /metrics, /readyz, API). */
  httpPort: number | undefined
  /** the worker's METRICS_PORT (the parent merges its /metrics) */
  metricsPort: number | undefined
  pid: number | undefined
  ready: boolean
  restarts: number
}

export interface WorkerProcessesOptions {
  /** The worker's command line: `[script, ...args]` after the Node binary and its flags. */
  readonly argv: ReadonlyArray<string>
  /** Environment shared by every worker (the parent's, plus what the parent resolved). */
  readonly env: Record<string, string | undefined>
  /** How long stopping workers may take before they are killed. */
  readonly stopTimeout: Duration.Input
}

const INITIAL_BACKOFF_MS = 1_000
const MAX_BACKOFF_MS = 30_000
/** A worker that stayed up this long is healthy: its next crash restarts it after the initial backoff. */
const HEALTHY_AFTER_MS = 60_000
const READINESS_POLL = "1 second"

interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** Resolves when the process has exited, or could not be started at all (no "exit" follows then). */
const awaitExit = (child: ChildProcess) =>
  Effect.callback<Exited>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resume(Effect.succeed({ code: child.exitCode, signal: child.signalCode }))
      return
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => resume(Effect.succeed({ code, signal }))
    const onError = () => {
      if (child.pid === undefined) resume(Effect.succeed({ code: null, signal: null }))
    }
    child.once("exit", onExit)
    child.on("error", onError)
    return Effect.sync(() => {
      child.off("exit", onExit)
      child.off("error", onError)
    })
  })

const isReady = (port: number) =>
  Effect.tryPromise(() => fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_500) })).pipe(
    Effect.map((res) => {
      void res.body?.cancel()
      return res.status === 200
    }),
    Effect.orElseSucceed(() => false)
  )

export const makeWorkers = (runnerPorts: ReadonlyArray<number>): ReadonlyArray<Worker> =>
  runnerPorts.map((runnerPort, index) => ({
    index,
    runnerPort,
    httpPort: undefined,
    metricsPort: undefined,
    pid: undefined,
    ready: false,
    restarts: 0
  }))

/** Starts the workers and keeps them running until the scope closes. */
export const superviseWorkers = (
  workers: ReadonlyArray<Worker>,
  options: WorkerProcessesOptions
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    let stopping = false
    const children = new Map<number, ChildProcess>()

    const runOnce = (worker: Worker) =>
      Effect.gen(function* () {
        const httpPort = yield* Effect.orDie(freePort())
        const metricsPort = yield* Effect.orDie(freePort())
        const child = spawn(process.execPath, [...process.execArgv, ...options.argv], {
          env: {
            ...options.env,
            WORKER_PROCESSES: "1",
            WORKER_INDEX: String(worker.index),
            RUNNER_PORT: String(worker.runnerPort),
            HTTP_PORT: String(httpPort),
            METRICS_PORT: String(metricsPort)
          },
          // An IPC channel, so a worker notices when its parent is gone (parent-watch.ts).
          stdio: ["ignore", "inherit", "inherit", "ipc"]
        })
        // A process that cannot be started emits only "error"; awaitExit ends on it and the worker is retried.
        child.on("error", () => undefined)
        children.set(worker.index, child)
        worker.httpPort = httpPort
        worker.metricsPort = metricsPort
        worker.pid = child.pid
        yield* Effect.logInfo(`worker ${worker.index} started (pid ${child.pid}, runner port ${worker.runnerPort})`)
        const exited = yield* awaitExit(child)
        children.delete(worker.index)
        worker.pid = undefined
        worker.ready = false
        return exited
      })

    const supervise = (worker: Worker) =>
      Effect.gen(function* () {
        let backoff = INITIAL_BACKOFF_MS
        while (!stopping) {
          const startedAt = Date.now()
          const exited = yield* runOnce(worker)
          if (stopping) return
          if (Date.now() - startedAt >= HEALTHY_AFTER_MS) backoff = INITIAL_BACKOFF_MS
          worker.restarts++
          yield* Effect.logWarning(
            `worker ${worker.index} exited (${exited.signal ?? `code ${exited.code}`}); restarting in ${backoff} ms`
          )
          yield* Effect.sleep(backoff)
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
        }
      }).pipe(Effect.annotateLogs({ worker: worker.index }))

    const fibers = yield* Effect.forEach(workers, (w) => Effect.forkScoped(supervise(w)))

    // Each worker's /readyz, for the parent's /readyz and for choosing where to pass requests.
    const pollReadiness = (w: Worker) => {
      const { httpPort, pid } = w
      if (httpPort === undefined || pid === undefined) return Effect.void
      return Effect.map(isReady(httpPort), (ready) => {
        if (w.pid === pid) w.ready = ready // not a worker that exited meanwhile
      })
    }
    yield* Effect.forkScoped(
      Effect.forEach(workers, pollReadiness, { concurrency: "unbounded", discard: true }).pipe(
        Effect.repeat(Schedule.spaced(READINESS_POLL))
      )
    )

    // Added after the supervising fibers, so it runs before they are interrupted.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        stopping = true
        const running = [...children.values()]
        yield* Effect.logInfo(`stopping ${running.length} worker processes`)
        for (const child of running) child.kill("SIGTERM")
        const all = Effect.forEach(running, awaitExit, { concurrency: "unbounded", discard: true })
        const finished = yield* Effect.timeoutOption(all, options.stopTimeout)
        if (finished._tag === "None") {
          yield* Effect.logWarning("worker processes still running after the grace period; killing them")
          for (const child of children.values()) child.kill("SIGKILL")
          yield* Effect.timeoutOption(all, "5 seconds")
        }
        yield* Fiber.interruptAll(fibers)
      })
    )
  })
