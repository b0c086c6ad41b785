/**
 * The leased queue both task tables share (src/db/leased-queue.ts): a claim
 * takes due pending tasks oldest first and leases them, so a second claimant
 * gets the others; a lease that ran out is claimed again with its attempts
 * counted; retry, done and failed each release the lease and say what comes
 * next. Run against both tables, with the notices' lease holder recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { LeasedQueue } from "../../src/db/leased-queue.ts"
import { noticeQueue } from "../../src/outbox/notice-queue.ts"
import { outboxQueue } from "../../src/outbox/fleet-queue.ts"
import { createTestDatabase, sqlOn } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

let db: TestDatabase
const { run, query: q } = sqlOn(() => db)

beforeAll(async () => {
  db = await createTestDatabase()
  await q(`INSERT INTO bots (id, name, telegram_bot_token, telegram_bot_id, api_token_hash)
           VALUES (1, 'a', '1:a', 1, repeat('a', 64))`)
})
afterAll(() => db?.drop())

interface QueueUnderTest {
  readonly name: string
  readonly queue: LeasedQueue<{ readonly id: number; readonly subjectId: number | null; readonly attempts: number }>
  readonly insert: (subject: number, runAfter: string) => string
}

const queues: ReadonlyArray<QueueUnderTest> = [
  {
    name: "outbox_tasks",
    queue: outboxQueue,
    insert: (subject: number, runAfter: string) =>
      `INSERT INTO outbox_tasks (bot_id, kind, subject_id, run_after) VALUES (1, 'provision_subscription', ${subject}, ${runAfter})`
  },
  {
    name: "job_notices",
    queue: noticeQueue,
    insert: (subject: number, runAfter: string) =>
      `INSERT INTO job_notices (bot_id, kind, subject_id, run_after) VALUES (1, 'card_payment_expired', ${subject}, ${runAfter})`
  }
]

describe.each(queues)("$name as a leased queue", ({ name, queue, insert }) => {
  it("claims due tasks oldest first, once each, and releases them as retried, done or failed", async () => {
    await q(insert(1, "now() - interval '3 minutes'"))
    await q(insert(2, "now() - interval '2 minutes'"))
    await q(insert(3, "now() - interval '1 minute'"))
    await q(insert(4, "now() + interval '1 hour'")) // not due

    const first = await run(queue.claim(2, 60, "runner-a"))
    expect(first.map((t) => t.subjectId)).toEqual([1, 2])
    expect(first.map((t) => t.attempts)).toEqual([1, 1])
    // A second claimant gets what is left and due; leased tasks are not handed out twice.
    const second = await run(queue.claim(10, 60, "runner-b"))
    expect(second.map((t) => t.subjectId)).toEqual([3])
    expect(await run(queue.claim(10, 60, "runner-c"))).toEqual([])

    await run(queue.complete(first[0]!.id))
    await run(queue.fail(first[1]!.id, "gone for good"))
    await run(queue.retryLater(second[0]!.id, 0, "try again"))
    const rows = await q<{ subjectId: number; state: string; lockedUntil: Date | null; lastError: string | null }>(
      `SELECT subject_id, state, locked_until, last_error FROM ${name} WHERE subject_id <= 3 ORDER BY subject_id`
    )
    expect(rows).toEqual([
      { subjectId: 1, state: "done", lockedUntil: null, lastError: null },
      { subjectId: 2, state: "failed", lockedUntil: null, lastError: "gone for good" },
      { subjectId: 3, state: "pending", lockedUntil: null, lastError: "try again" }
    ])
    // Retried with no delay: due again at once, its earlier attempt counted.
    const again = await run(queue.claim(10, 60, "runner-a"))
    expect(again.map((t) => [t.subjectId, t.attempts])).toEqual([[3, 2]])
    // A lease that ran out (its claimant died) is claimed again.
    await q(`UPDATE ${name} SET locked_until = now() - interval '1 second' WHERE subject_id = 3`)
    expect((await run(queue.claim(10, 60, "runner-b"))).map((t) => [t.subjectId, t.attempts])).toEqual([[3, 3]])
  })
})

it("a notice's claim records which runner holds its lease", async () => {
  await q(`INSERT INTO job_notices (bot_id, kind, subject_id) VALUES (1, 'zarinpal_paid', 99)`)
  const [claimed] = await run(noticeQueue.claim(10, 60, "runner-z"))
  expect(claimed?.subjectId).toBe(99)
  expect(await q<{ claimedBy: string }>("SELECT claimed_by FROM job_notices WHERE subject_id = 99")).toEqual([
    { claimedBy: "runner-z" }
  ])
})
