/**
 * The demo's PostgreSQL as an operating-system process, with nothing but
 * node: built-ins (the entry point uses this before the demo loads; pid files
 * are read as src/db/embedded-postgres.ts reads them): is a
 * server running in the data directory, whose is it, and stopping one that a
 * killed demo left behind.
 */
import * as path from "node:path"
import { isAlive, readPid, waitForExit } from "../db/pid-files.ts"

/** The postmaster running in this data directory, if one is. */
export const runningPostmaster = (dataDir: string): number | undefined => {
  const pid = readPid(path.join(dataDir, "pg", "postmaster.pid"))?.pid
  return pid !== undefined && isAlive(pid) ? pid : undefined
}

/** The process that started (or adopted) the server in this data directory, if it is still alive. */
const liveOwner = (dataDir: string): number | undefined => {
  const pid = readPid(path.join(dataDir, "owner.pid"))?.pid
  return pid !== undefined && pid !== process.pid && isAlive(pid) ? pid : undefined
}

/**
 * Stops a postmaster left behind in this data directory by a demo that is gone
 * (killed before it could stop it): fast shutdown, then SIGKILL. A server whose
 * owner is alive (another demo running on the same directory) is left alone.
 */
export const reapPostgres = async (dataDir: string): Promise<void> => {
  const pid = runningPostmaster(dataDir)
  if (pid === undefined || liveOwner(dataDir) !== undefined) return
  try {
    process.kill(pid, "SIGINT")
  } catch {
    return
  }
  if (await waitForExit(pid, 10_000)) return
  try {
    process.kill(pid, "SIGKILL")
  } catch {
    // gone meanwhile
  }
  await waitForExit(pid, 5_000)
}

/** Refuses a data directory whose server another live demo is using (its database would be dropped under it). */
export const checkNoOtherDemo = (dataDir: string): void => {
  const owner = runningPostmaster(dataDir) !== undefined ? liveOwner(dataDir) : undefined
  if (owner !== undefined) {
    throw new Error(
      `another demo (process ${owner}) is running on ${dataDir}; stop it, or give this one its own --data-dir`
    )
  }
}
