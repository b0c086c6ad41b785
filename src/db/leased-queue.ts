/**
 * A table used as a queue of leased tasks: the payment outbox (`outbox_tasks`,
 * migrations/005), the jobs' notices (`job_notices`, migrations/006) and the
 * broadcasts (`broadcasts`, migrations/023) share
 * its columns (`state` pending/done/failed, `run_after`, `locked_until`,
 * `attempts`, `last_error`, `done_at`) and these statements.
 *
 * The statements run as the connecting role across every tenant (the one
 * narrow bypass a fleet-wide worker needs, like the watcher's); the work itself
 * runs per task inside its tenant's transaction.
 *
 * A claim is a lease, not a transaction: `locked_until` moves forward and the
 * claim commits at once (FOR UPDATE SKIP LOCKED keeps two claimants apart), so
 * no connection or row lock is held while the task talks to Telegram,
 * Remnawave or ZarinPal. A claimant that dies leaves its lease to run out; the
 * task is then claimed again, and `attempts` shows it was tried before.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/** Seconds before attempt `attempts + 1`: 1, 2, 4 … capped at 5 minutes. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** Math.max(0, attempts - 1))

export interface LeasedQueueSpec {
  readonly table: "outbox_tasks" | "job_notices" | "broadcasts"
  /** What a claim returns, over the claimed row `q` (trusted SQL). */
  readonly returning: string
  /** The column that records who holds the lease, where the table keeps one. */
  readonly claimedByColumn?: string
}

export const leasedQueue = <Claimed extends object>(spec: LeasedQueueSpec) => {
  const { table } = spec
  return {
    /** Leases up to `limit` due tasks for `leaseSeconds`, oldest first. */
    claim: Effect.fn(`${table}.claim`)(function* (limit: number, leaseSeconds: number, claimedBy?: string) {
      const sql = yield* SqlClient.SqlClient
      const holder =
        spec.claimedByColumn && claimedBy !== undefined ? sql`, ${sql(spec.claimedByColumn)} = ${claimedBy}` : sql``
      return yield* sql<Claimed>`
        UPDATE ${sql(table)} q
        SET locked_until = now() + make_interval(secs => ${leaseSeconds}::int), attempts = q.attempts + 1${holder}
        FROM (
          SELECT id FROM ${sql(table)}
          WHERE state = 'pending' AND run_after <= now() AND (locked_until IS NULL OR locked_until < now())
          ORDER BY run_after, id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        ) due
        WHERE q.id = due.id
        RETURNING ${sql.unsafe(spec.returning)}`
    }),

    /** Done: the lease is released and the task is never claimed again. */
    complete: Effect.fn(`${table}.complete`)(function* (id: number) {
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE ${sql(table)} SET state = 'done', done_at = now(), locked_until = NULL WHERE id = ${id}`
    }),

    /** Not yet: released, due again after `delaySeconds`, with the reason kept. */
    retryLater: Effect.fn(`${table}.retryLater`)(function* (id: number, delaySeconds: number, error: string) {
      const sql = yield* SqlClient.SqlClient
      yield* sql`
        UPDATE ${sql(table)}
        SET locked_until = NULL, run_after = now() + make_interval(secs => ${delaySeconds}::int), last_error = ${error.slice(0, 2000)}
        WHERE id = ${id}`
    }),

    /** Given up: kept as `failed` with the reason, for operators. */
    fail: Effect.fn(`${table}.fail`)(function* (id: number, error: string) {
      const sql = yield* SqlClient.SqlClient
      yield* sql`
        UPDATE ${sql(table)} SET state = 'failed', done_at = now(), locked_until = NULL, last_error = ${error.slice(0, 2000)}
        WHERE id = ${id}`
    })
  }
}

export type LeasedQueue<Claimed extends object> = ReturnType<typeof leasedQueue<Claimed>>
