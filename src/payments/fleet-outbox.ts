/**
 * The payment outbox, fleet side: claiming due tasks across every tenant, and
 * recording their outcome. These queries run as the connecting role, outside
 * any tenant transaction (the one narrow bypass this module needs, like the
 * watcher's). The work itself runs per task inside `withTenant`.
 *
 * A claim is a lease, not a transaction: `locked_until` moves forward and the
 * claim commits at once, so no connection is held while the task talks to
 * Remnawave or ZarinPal. A worker that dies mid-task leaves the lease to run out;
 * the task is then claimed again (task handlers are idempotent).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { OutboxKind } from "./outbox.ts"

export interface ClaimedTask {
  readonly id: number
  readonly botId: number
  readonly kind: OutboxKind
  readonly subjectId: number
  /** Including this one. */
  readonly attempts: number
}

export const claimDueTasks = Effect.fn("claimDueTasks")(function*(limit: number, leaseSeconds: number) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<ClaimedTask>`
    UPDATE outbox_tasks t
    SET locked_until = now() + make_interval(secs => ${leaseSeconds}::int), attempts = t.attempts + 1
    FROM (
      SELECT id FROM outbox_tasks
      WHERE state = 'pending' AND run_after <= now() AND (locked_until IS NULL OR locked_until < now())
      ORDER BY run_after, id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE t.id = due.id
    RETURNING t.id, t.bot_id, t.kind, t.subject_id, t.attempts`
})

export const completeTask = Effect.fn("completeTask")(function*(id: number) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`UPDATE outbox_tasks SET state = 'done', done_at = now(), locked_until = NULL WHERE id = ${id}`
})

export const retryTaskLater = Effect.fn("retryTaskLater")(function*(id: number, delaySeconds: number, error: string) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE outbox_tasks
    SET locked_until = NULL, run_after = now() + make_interval(secs => ${delaySeconds}::int), last_error = ${error.slice(0, 2000)}
    WHERE id = ${id}`
})

export const failTask = Effect.fn("failTask")(function*(id: number, error: string) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE outbox_tasks SET state = 'failed', done_at = now(), locked_until = NULL, last_error = ${error.slice(0, 2000)}
    WHERE id = ${id}`
})
