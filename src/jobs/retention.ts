/**
 * retention: deletes bookkeeping that has done its job, so that the tables a
 * busy fleet writes on every update do not grow for ever.
 *
 * | table              | deleted when                                                     |
 * |--------------------|------------------------------------------------------------------|
 * | processed_updates  | processed more than UPDATE_MARKS_RETENTION_HOURS (48) ago         |
 * | update_attempts    | last touched more than UPDATE_MARKS_RETENTION_HOURS ago           |
 * | job_notices        | sent (`done`) more than DONE_TASKS_RETENTION_DAYS (7) ago         |
 * | outbox_tasks       | done more than DONE_TASKS_RETENTION_DAYS ago                      |
 * | daily_summaries    | queued more than DONE_TASKS_RETENTION_DAYS ago (only today's row is ever consulted) |
 *
 * Why 48 h is safe for the exactly-once marks: a mark is only consulted when
 * Telegram delivers the same update again, which happens only while it is
 * unconfirmed, and Telegram keeps an update for 24 h at most. Failed notices
 * and tasks, and dead letters, are kept for operators.
 *
 * Deletes go in batches of RETENTION_BATCH rows (short transactions, no long
 * locks on tables the pipeline writes), up to MAX_BATCHES per table per tick;
 * whatever is left waits for the next tick. Fleet-wide: no tenant scope.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { JobRun } from "./scheduled-job.ts"

export const RETENTION_BATCH = 5_000
const MAX_BATCHES = 20

export interface RetentionOptions {
  readonly updateMarksHours: number
  readonly doneTasksDays: number
}

/** Deletes up to RETENTION_BATCH rows of `table` matching `where` (trusted SQL, built below); how many went. */
const deleteBatch = (table: string, where: string, cutoff: Date) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql.unsafe<{ n: number }>(
      `WITH gone AS (
         DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${where} LIMIT ${RETENTION_BATCH}))
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [cutoff]
    )
    return rows[0]?.n ?? 0
  })

const drain = (table: string, where: string, cutoff: Date) =>
  Effect.gen(function* () {
    let total = 0
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = yield* deleteBatch(table, where, cutoff)
      total += n
      if (n < RETENTION_BATCH) break
    }
    return total
  })

export const makeRetentionRun = (options: RetentionOptions) =>
  Effect.gen(function* () {
    const now = Date.now()
    const marks = new Date(now - options.updateMarksHours * 3_600_000)
    const done = new Date(now - options.doneTasksDays * 86_400_000)
    const deleted = [
      yield* drain("processed_updates", "processed_at < $1", marks),
      yield* drain("update_attempts", "updated_at < $1", marks),
      yield* drain("job_notices", "state = 'done' AND done_at < $1", done),
      yield* drain("outbox_tasks", "state = 'done' AND done_at < $1", done),
      yield* drain("daily_summaries", "created_at < $1", done)
    ]
    return { items: deleted.reduce((a, b) => a + b, 0) } satisfies JobRun
  })
