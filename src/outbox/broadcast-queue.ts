/**
 * The broadcasts as a leased queue (src/db/leased-queue.ts): a broadcast being
 * sent is claimed by one worker at a time across every tenant (`claimed_by`),
 * which renews the lease while it sends; a hand-over releases it, a crash lets
 * it run out, a 429 releases it with the wait Telegram asked for.
 */
import { leasedQueue } from "../db/leased-queue.ts"

export interface ClaimedBroadcast {
  readonly id: number
  readonly botId: number
  /** Including this one. */
  readonly attempts: number
}

export const broadcastQueue = leasedQueue<ClaimedBroadcast>({
  table: "broadcasts",
  returning: "q.id, q.bot_id, q.attempts",
  claimedByColumn: "claimed_by"
})
