/**
 * The payment outbox as a leased queue (src/db/leased-queue.ts): tasks are
 * claimed across every tenant, and each runs inside `withTenant` outside the
 * claim. Task handlers are idempotent: a task whose claimant died is claimed
 * again once its lease runs out.
 */
import { leasedQueue } from "../db/leased-queue.ts"
import type { OutboxKind } from "../payments/outbox.ts"

export interface ClaimedTask {
  readonly id: number
  readonly botId: number
  readonly kind: OutboxKind
  readonly subjectId: number
  /** Including this one. */
  readonly attempts: number
}

export const outboxQueue = leasedQueue<ClaimedTask>({
  table: "outbox_tasks",
  returning: "q.id, q.bot_id, q.kind, q.subject_id, q.attempts"
})
