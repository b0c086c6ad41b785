/**
 * The demo's PostgreSQL as an operating-system process, with nothing but
 * node: built-ins (the entry point uses this before the demo loads): is a
 * server running in the data directory, whose is it, and stopping one that a
 * killed demo left behind.
 */
import * as fs from "node:fs"
import * as path from "node:path"

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const readPid = (file: string): number | undefined => {
  try {
    const pid = Number(fs.readFileSync(file, "utf8").split("\n")[0])
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** The postmaster running in this data directory, if one is. */
export const runningPostmaster = (dataDir: string): number | undefined => {
  const pid = readPid(path.join(dataDir, "pg", "postmaster.pid"))
  return pid !== undefined && isAlive(pid) ? pid : undefined
}

/** The process that started (or adopted) the server in this data directory, if it is still alive. */
const liveOwner = (dataDir: string): number | undefined => {
  const pid = readPid(path.join(dataDir, "owner.pid"))
  return pid !== undefined && pid !== process.pid && isAlive(pid) ? pid : undefined
}

export const waitForExit = async (pid: number, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  return !isAlive(pid)
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
    throw new Error(`another demo (process ${owner}) is running on ${dataDir}; stop it, or give this one its own --data-dir`)
  }
}

