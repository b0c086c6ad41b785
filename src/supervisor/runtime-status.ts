/**
 * The supervisor's record of each bot in `bot_runtime_status` (read by the CLI's
 * `status`, the master bot and the API). Written on state changes only, never
 * per update. Fleet-wide table: no tenant scope.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { causeSummary } from "../logging.ts"

export type RunnerState = "starting" | "running" | "backoff" | "unauthorized" | "webhook_conflict" | "stopped"

export interface StatusChange {
  readonly state: RunnerState
  readonly fingerprint: string
  readonly runner: string
  readonly error?: string | undefined
  readonly restart?: boolean | undefined
  readonly conflict?: boolean | undefined
  readonly started?: boolean | undefined
}

export const recordStatus = (botId: number, change: StatusChange) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const error = change.error?.slice(0, 500) ?? null
    const restart = change.restart ? 1 : 0
    const conflict = change.conflict ? 1 : 0
    yield* sql`
      INSERT INTO bot_runtime_status AS s (bot_id, state, token_fingerprint, last_error, last_error_at, restart_count,
        conflict_count, last_started_at, runner, updated_at)
      -- SELECT … WHERE EXISTS: a bot deleted while it stops has no status left to record.
      SELECT ${botId}, ${change.state}, ${change.fingerprint}, ${error}, ${error === null ? null : new Date()},
        ${restart}, ${conflict}, ${change.started ? new Date() : null}, ${change.runner}, now()
      WHERE EXISTS (SELECT 1 FROM bots WHERE id = ${botId})
      ON CONFLICT (bot_id) DO UPDATE SET
        state = EXCLUDED.state,
        token_fingerprint = EXCLUDED.token_fingerprint,
        last_error = COALESCE(EXCLUDED.last_error, s.last_error),
        last_error_at = COALESCE(EXCLUDED.last_error_at, s.last_error_at),
        restart_count = s.restart_count + ${restart},
        conflict_count = s.conflict_count + ${conflict},
        last_started_at = COALESCE(EXCLUDED.last_started_at, s.last_started_at),
        runner = EXCLUDED.runner,
        updated_at = now()`
  }).pipe(
    // A lost status row must never take a bot down with it.
    Effect.catchCause((cause) => Effect.logWarning(`could not record bot status: ${causeSummary(cause)}`)),
    Effect.annotateLogs({ bot_id: botId })
  )

/** The recorded `unauthorized` time for this exact token, if any (to honour the cool-down across restarts). */
export const unauthorizedSince = (botId: number, fingerprint: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ lastErrorAt: Date | null }>`
      SELECT last_error_at FROM bot_runtime_status
      WHERE bot_id = ${botId} AND state = 'unauthorized' AND token_fingerprint = ${fingerprint}`
    return rows[0]?.lastErrorAt ?? undefined
  }).pipe(Effect.orElseSucceed(() => undefined))
