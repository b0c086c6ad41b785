/**
 * Claims due notices across every tenant (the connecting role; a notice is then
 * sent with its tenant's bot): a lease (`locked_until`) that commits at once,
 * so no connection or row lock is held while Telegram answers. A claimant that
 * dies leaves its lease to run out, and the notice is claimed again —
 * `attempts` then shows it was tried before.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { NoticeKind } from "../notice-kinds.ts"

export interface ClaimedNotice {
  readonly id: number
  readonly botId: number
  readonly kind: NoticeKind
  readonly subjectId: number | null
  readonly userId: number | null
  /** The payload as JSON text. */
  readonly payloadJson: string
  /** Including this one. */
  readonly attempts: number
}

export const fleetClaimNotices = Effect.fn("fleetClaimNotices")(
  function*(limit: number, leaseSeconds: number, claimedBy: string) {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<ClaimedNotice>`
      UPDATE job_notices n
      SET locked_until = now() + make_interval(secs => ${leaseSeconds}::int), attempts = n.attempts + 1,
          claimed_by = ${claimedBy}
      FROM (
        SELECT id FROM job_notices
        WHERE state = 'pending' AND run_after <= now() AND (locked_until IS NULL OR locked_until < now())
        ORDER BY run_after, id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ) due
      WHERE n.id = due.id
      RETURNING n.id, n.bot_id, n.kind, n.subject_id, n.user_id, n.payload::text AS payload_json, n.attempts`
  }
)
