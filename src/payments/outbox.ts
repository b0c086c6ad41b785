/**
 * The payment outbox, tenant side: a task is recorded in the same transaction
 * as the state change that needs slow external work (a completed purchase needs
 * its panel user; a ZarinPal payment needs its authority). The insert trigger's
 * NOTIFY reaches the workers only when that transaction commits, and
 * src/outbox/worker.ts runs the task outside any tenant transaction.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * `sync_subscription`: the panel follows the subscription row as for
 * `provision_subscription`, without telling the customer (an admin took days).
 */
export type OutboxKind = "provision_subscription" | "zarinpal_request" | "reset_devices" | "sync_subscription"

export const enqueueTask = Effect.fn("enqueueTask")(function* (botId: number, kind: OutboxKind, subjectId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ id: number }>`
    INSERT INTO outbox_tasks (bot_id, kind, subject_id) VALUES (${botId}, ${kind}, ${subjectId}) RETURNING id`
  return row!.id
})
