/**
 * Processes known by their pid files (the embedded PostgreSQL's
 * `postmaster.pid`, botfleet's `owner.pid`), with node: built-ins only: the
 * demo's entry point uses this before anything heavy is loaded.
 */
import * as fs from "node:fs"

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The pid on a pid file's first line, and (postmaster.pid) the port on its fourth; undefined when unreadable. */
export const readPid = (file: string): { pid: number; port: number } | undefined => {
  try {
    const lines = fs.readFileSync(file, "utf8").split("\n")
    const pid = Number(lines[0])
    const port = Number(lines[3])
    return Number.isSafeInteger(pid) && pid > 0 ? { pid, port } : undefined
  } catch {
    return undefined
  }
}

/** Resolves true once `pid` has exited, false if it still runs after `timeoutMs`. */
export const waitForExit = async (pid: number, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  return !isAlive(pid)
}
