/**
 * Messages an update's handler sends after the update's transaction committed
 * early — the message had to wait for Telegram's pace, or Telegram was slow to
 * answer (src/supervisor/update-pipeline.ts). The update is handled from that
 * commit on, so a process killed during the wait would lose the message with it.
 * Instead the message is recorded as an `update_message` notice in that same
 * transaction, leased to the sending process: once Telegram took it (or refused
 * it for good) the notice is done; if Telegram still fails after the client's
 * retries, the notice goes to the notice worker; if the process dies, the lease
 * runs out and the worker sends it. At least once, like every send here.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { InputFile } from "grammy"
import { noticeQueue } from "./notice-queue.ts"

/** What the handler called: a Bot API method and its parameters, as JSON. */
export interface UpdateMessagePayload {
  readonly method: string
  readonly payload: Record<string, unknown>
}

/**
 * The sending process holds the message for this long and renews the hold every
 * `UPDATE_MESSAGE_RENEW_MS` while its call lasts (Telegram's pace, a group's
 * minute, the client's retries of a 429 or 5xx): a killed process's message goes
 * out about this long after the kill. A renewal that cannot reach the database in
 * time may let the message go out twice: once from here, once from the worker.
 */
export const UPDATE_MESSAGE_LEASE_SECONDS = 15
export const UPDATE_MESSAGE_RENEW_MS = 5_000
/** Telegram still failing after the client's own retries: the worker tries again after this. */
const RETRY_AFTER_SECONDS = 30

/** Whether the call survives JSON: a file upload (InputFile) cannot be recorded. */
export const recordable = (value: unknown): boolean => {
  if (value instanceof InputFile) return false
  if (value === null || typeof value !== "object") return true
  return Object.values(value).every(recordable)
}

/** In the update's transaction (tenant role): the message, leased to this process. */
export const holdUpdateMessage = Effect.fn("holdUpdateMessage")(function* (
  botId: number,
  message: UpdateMessagePayload
) {
  const sql = yield* SqlClient.SqlClient
  // JSON goes in as text: the client's name transforms must not touch the payload's keys.
  const [row] = yield* sql<{ id: number }>`
    INSERT INTO job_notices (bot_id, kind, payload, locked_until)
    VALUES (${botId}, 'update_message', ${JSON.stringify(message)}::jsonb,
            now() + make_interval(secs => ${UPDATE_MESSAGE_LEASE_SECONDS}))
    RETURNING id`
  return row!.id
})

/** Still sending: the hold runs on (fleet-wide statement by id: the queue's own bookkeeping). */
export const renewUpdateMessage = Effect.fn("renewUpdateMessage")(function* (id: number) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE job_notices SET locked_until = now() + make_interval(secs => ${UPDATE_MESSAGE_LEASE_SECONDS})
    WHERE id = ${id} AND state = 'pending'`
})

/** After the call: done, or (Telegram did not take it) left to the notice worker. */
export const settleUpdateMessage = (id: number, outcome: { readonly sent: true } | { readonly error: string }) =>
  "sent" in outcome ? noticeQueue.complete(id) : noticeQueue.retryLater(id, RETRY_AFTER_SECONDS, outcome.error)
