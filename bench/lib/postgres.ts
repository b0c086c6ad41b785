/**
 * PostgreSQL for the benchmark: an embedded server in a temporary directory
 * (or BENCH_DATABASE_URL, an admin URL of a server of your own), a migrated
 * template database, and a fresh database per scenario cloned from it.
 * Everything created here is dropped/stopped/removed by `stop()`.
 */
import { Effect, ManagedRuntime } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { layerFromUrl } from "../../src/db/client.ts"
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts"
import type { EmbeddedServer } from "../../src/db/embedded-postgres.ts"
import { runMigrations } from "../../src/db/migrator.ts"

export const TMP_PREFIX = "botfleet-bench-"

/** A small SQL handle for the runner's own statements (seeding bots, changes). */
export interface Sql {
  readonly query: <A = Record<string, unknown>>(
    statement: string,
    params?: ReadonlyArray<unknown>
  ) => Promise<ReadonlyArray<A>>
  readonly close: () => Promise<void>
}

export const openSql = (url: string, maxConnections = 2): Sql => {
  const runtime = ManagedRuntime.make(layerFromUrl(url, { maxConnections, applicationName: "botfleet-bench" }))
  return {
    query: <A>(statement: string, params: ReadonlyArray<unknown> = []) =>
      runtime.runPromise(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return (yield* sql.unsafe(statement, params)) as unknown as ReadonlyArray<A>
        })
      ),
    close: () => runtime.dispose()
  }
}

export interface BenchDatabase {
  readonly name: string
  readonly url: string
  readonly drop: () => Promise<void>
}

export interface BenchPostgres {
  /** "embedded (fsync on)" or "external" */
  readonly description: string
  readonly settings: Record<string, string>
  readonly createDatabase: () => Promise<BenchDatabase>
  /** The embedded server's processes (postmaster and its children), for CPU accounting; empty when external. */
  readonly pids: () => Array<number>
  readonly stop: () => Promise<void>
}

const postmasterPid = (dataDir: string): number | undefined => {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, "pg", "postmaster.pid"), "utf8").split("\n")[0])
    return pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** The postmaster and every process whose parent it is. */
const serverPids = (dataDir: string): Array<number> => {
  const postmaster = postmasterPid(dataDir)
  if (postmaster === undefined) return []
  const pids = [postmaster]
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8")
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      if (ppid === postmaster) pids.push(Number(entry))
    } catch {
      // gone
    }
  }
  return pids
}

const withDb = (url: string, db: string) => {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString()
}

const adminQuery = async (adminUrl: string, statement: string) => {
  const sql = openSql(adminUrl, 1)
  try {
    return await sql.query(statement)
  } finally {
    await sql.close()
  }
}

/**
 * Stops servers and removes directories left by a benchmark run that was
 * killed with SIGKILL (its owner pid is gone). Only our own temp directories.
 */
export const sweepStaleRuns = async (log: (s: string) => void): Promise<void> => {
  const tmp = os.tmpdir()
  for (const entry of fs.readdirSync(tmp)) {
    if (!entry.startsWith(TMP_PREFIX)) continue
    const dir = path.join(tmp, entry)
    let runnerPid = 0
    try {
      runnerPid = Number(fs.readFileSync(path.join(dir, "runner.pid"), "utf8").trim())
    } catch {
      runnerPid = 0
    }
    if (runnerPid > 0 && isAlive(runnerPid)) continue
    try {
      const pmPid = Number(fs.readFileSync(path.join(dir, "pg", "postmaster.pid"), "utf8").split("\n")[0])
      if (pmPid > 0 && isAlive(pmPid)) {
        process.kill(pmPid, "SIGINT")
        const deadline = Date.now() + 10_000
        while (isAlive(pmPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      }
    } catch {
      // no server there
    }
    fs.rmSync(dir, { recursive: true, force: true })
    log(`removed a stale benchmark directory ${dir}`)
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

export const startBenchPostgres = async (options: {
  durable: boolean
  log: (s: string) => void
}): Promise<BenchPostgres> => {
  const external = process.env.BENCH_DATABASE_URL
  let server: EmbeddedServer | undefined
  let dir: string | undefined
  let adminUrl: string
  if (external) {
    adminUrl = external
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), TMP_PREFIX))
    fs.writeFileSync(path.join(dir, "runner.pid"), `${process.pid}\n`)
    server = await startEmbeddedPostgres(dir, { durable: options.durable, log: options.log })
    adminUrl = server.url("postgres")
  }
  const created = new Set<string>()
  const suffix = randomBytes(4).toString("hex")
  const template = `bench_template_${suffix}`
  await adminQuery(adminUrl, `CREATE DATABASE ${template}`)
  created.add(template)
  const tplSql = layerFromUrl(withDb(adminUrl, template), { maxConnections: 1 })
  await Effect.runPromise(runMigrations().pipe(Effect.provide(tplSql)))

  const settingsRows = await adminQuery(
    adminUrl,
    `SELECT name, setting FROM pg_settings WHERE name IN ('fsync','synchronous_commit','shared_buffers','max_connections','server_version')`
  )
  const settings = Object.fromEntries(
    (settingsRows as Array<{ name: string; setting: string }>).map((r) => [r.name, r.setting])
  )
  let n = 0
  return {
    description: external
      ? "external (BENCH_DATABASE_URL)"
      : `embedded PostgreSQL ${settings.server_version ?? ""}, fsync ${settings.fsync}`,
    settings,
    createDatabase: async () => {
      const name = `bench_${suffix}_${++n}`
      await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`)
      created.add(name)
      return {
        name,
        url: withDb(adminUrl, name),
        drop: async () => {
          await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
          created.delete(name)
        }
      }
    },
    pids: () => (dir ? serverPids(dir) : []),
    stop: async () => {
      if (external) {
        for (const name of created)
          await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined)
      }
      created.clear()
      if (server && dir) {
        // A Ctrl-C in a terminal reaches the postmaster too (same process group) and it stops by itself.
        const pm = postmasterPid(dir)
        if (pm !== undefined && isAlive(pm)) {
          await Promise.race([server.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 15_000))])
          if (isAlive(pm)) process.kill(pm, "SIGQUIT")
        }
      }
      if (dir) fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
