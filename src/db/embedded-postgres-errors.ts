/**
 * Why the embedded PostgreSQL could not start, as one line that names the cause
 * and the fix (printed as is by `npm start`, see src/startup-failure.ts).
 */
import * as fs from "node:fs"
import * as path from "node:path"

export type EmbeddedFailure =
  /** The data directory cannot be created or written to. */
  | "DataDirUnwritable"
  | "OutOfDisk"
  /** initdb or postgres failed; the message carries the last line of its log. */
  | "ServerFailed"
  /** As root: no `postgres` user to run as, and it could not be created. */
  | "NoOsUser"
  /** As root: the `postgres` user cannot reach the binaries or the data, and moving them failed. */
  | "Unreachable"
  /** No server binaries for this platform. */
  | "NoBinaries"

export class EmbeddedPostgresError extends Error {
  readonly _tag = "EmbeddedPostgresError"
  override readonly name = "EmbeddedPostgresError"
  readonly reason: EmbeddedFailure
  constructor(reason: EmbeddedFailure, message: string, options?: { readonly cause?: unknown }) {
    super(message, options)
    this.reason = reason
  }
}

const errnoText = (error: unknown): string => {
  const e = error as NodeJS.ErrnoException
  return e?.code ? `${e.code}${e.syscall ? ` on ${e.syscall}` : ""}` : String((error as Error)?.message ?? error)
}

/**
 * A recursive mkdir under a read-only or forbidden directory fails with ENOENT;
 * the directory that exists above says what is really wrong (EROFS, EACCES).
 */
const realCause = (error: unknown, dir: string): unknown => {
  if ((error as NodeJS.ErrnoException)?.code !== "ENOENT") return error
  let above = path.dirname(dir)
  while (!fs.existsSync(above) && above !== path.dirname(above)) above = path.dirname(above)
  try {
    fs.accessSync(above, fs.constants.W_OK)
    return error
  } catch (cause) {
    return cause
  }
}

/** A failed file operation under the data directory: a full disk, or a directory that cannot be written. */
export const fileSystemError = (error: unknown, dir: string, setting: string): EmbeddedPostgresError => {
  if (error instanceof EmbeddedPostgresError) return error
  error = realCause(error, dir)
  return (error as NodeJS.ErrnoException)?.code === "ENOSPC"
    ? new EmbeddedPostgresError(
        "OutOfDisk",
        `out of disk space in ${dir} (${setting}, ENOSPC): free some space on that disk, or point ${setting} at another one`,
        { cause: error }
      )
    : new EmbeddedPostgresError(
        "DataDirUnwritable",
        `${setting} ${dir} is not a writable directory (${errnoText(error)}): point ${setting} at a directory this user can write, or set DATABASE_URL to use another PostgreSQL server`,
        { cause: error }
      )
}

const TAIL_BYTES = 16 * 1024
/** Lines that say what went wrong, rather than what the server did next ("removing contents…", "shut down"). */
const PROBLEM = /\b(FATAL|PANIC|ERROR|error|could not|No space left on device|Permission denied)\b/

/** `running bootstrap script ... 2026-12-03 22:11:19.598 UTC [23812] FATAL: …` → `FATAL: …` */
const LOG_PREFIX = /^.*?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] /

/** The line of a server log that best says why it stopped: a full disk, else its last problem line, else its last line. */
export const lastLogLine = (logFile: string): string | undefined => {
  let text: string
  try {
    const fd = fs.openSync(logFile, "r")
    try {
      const size = fs.fstatSync(fd).size
      const start = Math.max(0, size - TAIL_BYTES)
      const buffer = Buffer.alloc(size - start)
      fs.readSync(fd, buffer, 0, buffer.length, start)
      text = buffer.toString("utf8")
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    return undefined
  }
  const lines = text
    .split("\n")
    .map((l) => l.replace(LOG_PREFIX, "").replace(/\s+/g, " ").trim())
    .filter((l) => l.length > 0)
  return (
    lines.findLast((l) => l.includes("No space left on device")) ??
    lines.findLast((l) => PROBLEM.test(l)) ??
    lines.at(-1)
  )
}
