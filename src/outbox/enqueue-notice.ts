/**
 * Records a notice in the caller's transaction (a tenant transaction: the
 * job_notices RLS policy admits only this tenant's rows), so it exists exactly
 * when the change it announces committed. The statement trigger's NOTIFY wakes
 * the notice workers at commit.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { NoticeKind } from "./notice-kinds.ts"

export interface NewNotice {
  readonly kind: NoticeKind
  readonly subjectId: number | null
  readonly userId: number | null
  readonly payload?: unknown
}

export const enqueueNotice = Effect.fn("enqueueNotice")(function* (botId: number, notice: NewNotice) {
  const sql = yield* SqlClient.SqlClient
  // JSON goes in as text: the client's name transforms must not touch the payload's keys.
  yield* sql`
    INSERT INTO job_notices (bot_id, kind, subject_id, user_id, payload)
    VALUES (${botId}, ${notice.kind}, ${notice.subjectId}, ${notice.userId}, ${JSON.stringify(notice.payload ?? {})}::jsonb)`
})
