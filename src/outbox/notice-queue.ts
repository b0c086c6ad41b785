/**
 * The jobs' notices as a leased queue (src/db/leased-queue.ts): claimed across
 * every tenant, each then sent with its tenant's bot. The claim records which
 * runner holds the lease (`claimed_by`, for operators and tests).
 */
import { leasedQueue } from "../db/leased-queue.ts"
import type { NoticeKind } from "../tenants/notices.ts"

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

export const noticeQueue = leasedQueue<ClaimedNotice>({
  table: "job_notices",
  returning: "q.id, q.bot_id, q.kind, q.subject_id, q.user_id, q.payload::text AS payload_json, q.attempts",
  claimedByColumn: "claimed_by"
})
