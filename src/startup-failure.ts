/**
 * `npm start` failing: one line on stderr that names the cause and the fix,
 * exit code 1, no stack trace (LOG_LEVEL=debug adds the full cause below the
 * line). Settings that can be checked before anything starts are checked
 * first (`checkSettings`), so a taken port does not wait for the database.
 */
import { Cause, Effect, Option, Redacted } from "effect"
import * as net from "node:net"
import type { AppConfigShape } from "./config.ts"
import { checkDatabaseUrl, InvalidDatabaseUrl } from "./db/database-url.ts"
import { EmbeddedPostgresError } from "./db/embedded-postgres.ts"
import { causeSummary, redactTokens } from "./logging.ts"

/** A start-up failure whose message is already the one line to print. */
export class StartupFailure extends Error {
  readonly _tag = "StartupFailure"
  override readonly name = "StartupFailure"
}

interface Ports {
  readonly httpPort: number
  readonly runnerPort: number
  readonly runnerHost: string
  readonly workerProcesses: number
}

/** The setting a port comes from, as the operator wrote it. */
const portSetting = (port: number, ports: Ports): string | undefined => {
  if (port === ports.httpPort) return "HTTP_PORT"
  if (
    ports.runnerPort > 0 &&
    port >= ports.runnerPort &&
    port < ports.runnerPort + Math.max(1, ports.workerProcesses)
  ) {
    return port === ports.runnerPort ? "RUNNER_PORT" : `RUNNER_PORT+${port - ports.runnerPort} (WORKER_PROCESSES)`
  }
  return undefined
}

const portInUse = (port: number, ports: Ports, host?: string): string => {
  const setting = portSetting(port, ports)
  const where = host ? ` on ${host}` : ""
  if (setting === undefined) return `port ${port}${where} is already in use: stop the process that listens on it`
  const name = setting.split(/[+ ]/)[0]
  return `${setting} ${port}${where} is already in use by another process: stop that process, or set ${name} to a free port${name === "RUNNER_PORT" ? " (0 picks one)" : ""}`
}

/** The ports as the environment gives them (the configuration itself may be what failed). */
const portsFromEnv = (): Ports => {
  const int = (name: string, fallback: number) => {
    const n = Number(process.env[name])
    return process.env[name] !== undefined && Number.isInteger(n) ? n : fallback
  }
  return {
    httpPort: int("HTTP_PORT", 8080),
    runnerPort: int("RUNNER_PORT", 0),
    runnerHost: process.env.RUNNER_HOST ?? "localhost",
    workerProcesses: int("WORKER_PROCESSES", 1)
  }
}

/** Fails when something else already listens on `port` (the server would fail the same way, later). */
const checkPortFree = (port: number, host: string | undefined, ports: Ports) =>
  Effect.callback<void, StartupFailure>((resume) => {
    const server = net.createServer()
    server.once("error", (error: NodeJS.ErrnoException) =>
      // Any other error (an address not of this host…) is the real server's to report.
      resume(error.code === "EADDRINUSE" ? Effect.fail(new StartupFailure(portInUse(port, ports, host))) : Effect.void)
    )
    server.listen({ port, host }, () => server.close(() => resume(Effect.void)))
  })

/**
 * What can be known wrong before anything starts: DATABASE_URL that can never
 * work, and the ports this process will listen on already taken.
 */
export const checkSettings = (config: AppConfigShape): Effect.Effect<void, StartupFailure | InvalidDatabaseUrl> =>
  Effect.gen(function* () {
    if (Option.isSome(config.databaseUrl)) {
      const raw = Redacted.value(config.databaseUrl.value)
      yield* Effect.try({ try: () => checkDatabaseUrl(raw), catch: (e) => e as InvalidDatabaseUrl })
    }
    const ports: Ports = config
    if (config.httpPort !== 0) yield* checkPortFree(config.httpPort, undefined, ports)
    if (config.runnerPort !== 0) {
      // A parent of worker processes checks all their ports; a worker its own.
      const count = Math.max(config.workerProcesses, 1)
      for (let i = 0; i < count; i++) yield* checkPortFree(config.runnerPort + i, config.runnerHost, ports)
    }
  })

/** Every error in a cause, each followed by its `cause` chain. */
const errorsIn = (cause: Cause.Cause<unknown>): ReadonlyArray<unknown> => {
  const errors: Array<unknown> = []
  for (const reason of cause.reasons) {
    let error: unknown = Cause.isFailReason(reason)
      ? reason.error
      : Cause.isDieReason(reason)
        ? reason.defect
        : undefined
    for (let depth = 0; error !== undefined && error !== null && depth < 10; depth++) {
      errors.push(error)
      error = (error as { cause?: unknown }).cause
    }
  }
  return errors
}

const isOneLine = (e: unknown): e is Error =>
  e instanceof StartupFailure || e instanceof InvalidDatabaseUrl || e instanceof EmbeddedPostgresError

/** The one line for a failure: its cause and its fix. */
export const describeFailure = (cause: Cause.Cause<unknown>): string => {
  const errors = errorsIn(cause)
  const known = errors.find(isOneLine)
  if (known) return known.message
  const errno = (code: string) =>
    errors.find((e) => (e as NodeJS.ErrnoException)?.code === code) as
      | (NodeJS.ErrnoException & { port?: number; address?: string })
      | undefined
  const inUse = errno("EADDRINUSE")
  if (inUse) {
    const port = inUse.port ?? Number(/:(\d+)\s*$/.exec(inUse.message)?.[1])
    return portInUse(port, portsFromEnv())
  }
  const full = errno("ENOSPC")
  if (full) {
    return `out of disk space${full.path ? ` writing ${full.path}` : ""} (ENOSPC): free some space on that disk (df -h), then start again`
  }
  const config = errors.find((e) => (e as { _tag?: string })?._tag === "ConfigError") as Error | undefined
  if (config) {
    const detail = (config.cause instanceof Error ? config.cause.message : config.message).replace(/\s+/g, " ")
    return `a setting is invalid: ${detail}: fix it (README's configuration table lists every setting with its default)`
  }
  return `${causeSummary(cause)} (LOG_LEVEL=debug prints the whole error)`
}

/**
 * Prints the failure: one line (JSON under LOG_FORMAT=json, like the logs);
 * with LOG_LEVEL=debug or trace, the whole cause with its stacks after it.
 */
export const reportFailure = (cause: Cause.Cause<unknown>, options: { readonly started: boolean }): void => {
  const line = redactTokens(
    `botfleet: ${options.started ? "stopped" : "cannot start"}: ${describeFailure(cause).replace(/\s*\n\s*/g, " ")}`
  )
  process.stderr.write(
    process.env.LOG_FORMAT === "json"
      ? `${JSON.stringify({ message: line, level: "FATAL", timestamp: new Date().toISOString() })}\n`
      : `${line}\n`
  )
  if (/^(debug|trace|all)$/i.test(process.env.LOG_LEVEL ?? "")) {
    process.stderr.write(`${redactTokens(Cause.pretty(cause))}\n`)
  }
}
