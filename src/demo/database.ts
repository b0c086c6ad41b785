/**
 * The demo's PostgreSQL: the embedded server (src/db/embedded-postgres.ts) in
 * the demo's own data directory (default ./.botfleet-demo, never the service's
 * ./.botfleet), and in it a database `botfleet_demo` dropped and created anew
 * on every run: each run starts from empty shops, while the server's files stay
 * (no initdb after the first run) and the last run's data can be looked at
 * until the next run starts.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { layerFromUrl } from "../db/client.ts"
import { startEmbeddedPostgres } from "../db/embedded-postgres.ts"
import { waitForExit } from "../db/pid-files.ts"
import { checkNoOtherDemo, runningPostmaster } from "./postgres-process.ts"

export const DEMO_DATABASE = "botfleet_demo"

export interface DemoDatabase {
  /** The URL of the demo database. */
  readonly url: string
  readonly pid: number | undefined
  readonly stop: () => Promise<void>
}

const admin = (url: string, statement: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(statement).raw
    }).pipe(Effect.provide(layerFromUrl(url, { maxConnections: 1, applicationName: "botfleet-demo" })))
  )

export const startDemoDatabase = async (dataDir: string): Promise<DemoDatabase> => {
  checkNoOtherDemo(dataDir)
  // Speed over crash safety (fsync off): the data is thrown away on the next run anyway.
  // In a process group of its own: a terminal's Ctrl-C reaches the demo, which stops the server last.
  const server = await startEmbeddedPostgres(dataDir, { durable: false, ownProcessGroup: true })
  const pid = runningPostmaster(dataDir)
  const stop = async () => {
    // The server's own stop waits for the postmaster's exit event; if it had
    // already exited that never comes, so the process itself is watched.
    await Promise.race([server.stop(), new Promise((r) => setTimeout(r, 15_000))])
    if (pid !== undefined && !(await waitForExit(pid, 5_000))) {
      process.kill(pid, "SIGKILL")
      await waitForExit(pid, 5_000)
    }
  }
  try {
    await admin(server.url("postgres"), `DROP DATABASE IF EXISTS ${DEMO_DATABASE} WITH (FORCE)`)
    await admin(server.url("postgres"), `CREATE DATABASE ${DEMO_DATABASE}`)
  } catch (error) {
    await stop()
    throw error
  }
  return { url: server.url(DEMO_DATABASE), pid, stop }
}
