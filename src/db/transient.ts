/**
 * Failures that say "the database is not there right now" rather than "this
 * work is wrong": lost or refused connections, a restarting server, deadlocks
 * and serialization conflicts. Work that meets one is retried later, not
 * counted against the work (an update must not be dead-lettered because
 * PostgreSQL restarted).
 */
import { Cause } from "effect"

const TRANSIENT_REASONS = new Set(["ConnectionError", "DeadlockError", "SerializationError", "LockTimeoutError"])
const TRANSIENT_TEXT =
  /terminating connection|database system is (starting up|shutting down|in recovery|not yet accepting)|connection (terminated|closed|ended)|ECONNRESET|ECONNREFUSED|Failed to connect|socket hang up/i

const messages = (error: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    parts.push(current.message)
    current = current.cause
  }
  return parts.join(" | ")
}

export const isTransientDatabaseError = (error: unknown): boolean => {
  const e = error as { _tag?: unknown; reason?: { _tag?: unknown } }
  if (e?._tag === "SqlError" && TRANSIENT_REASONS.has(String(e.reason?._tag))) return true
  return (e?._tag === "SqlError" || String(e?._tag).endsWith("Error")) && TRANSIENT_TEXT.test(messages(error))
}

export const isTransientDatabaseFailure = (cause: Cause.Cause<unknown>): boolean =>
  !Cause.hasInterruptsOnly(cause) && isTransientDatabaseError(Cause.squash(cause))
