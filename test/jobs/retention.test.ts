/**
 * The retention job deletes what has done its job — and nothing else: old
 * update marks and attempt counts, sent notices and done outbox tasks past
 * their retention — in batches, leaving recent rows, failed notices and
 * pending tasks alone.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { makeRetentionRun, RETENTION_BATCH } from "../../src/jobs/retention.ts"
import { createTestDatabase, sqlOn } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

let db: TestDatabase
const { run, query: q } = sqlOn(() => db)

beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(() => db?.drop())

it("deletes old marks, attempts, sent notices and done tasks in batches; keeps recent, failed and pending rows", async () => {
  const old = RETENTION_BATCH + 700 // more than one batch
  await q(`INSERT INTO bots (id, name, telegram_bot_token, telegram_bot_id, api_token_hash)
           VALUES (1, 'a', '1:a', 1, repeat('a', 64))`)
  await q(`INSERT INTO processed_updates (bot_id, update_id, processed_at)
           SELECT 1, g, now() - interval '3 days' FROM generate_series(1, ${old}) g
           UNION ALL SELECT 1, 1000000 + g, now() - interval '1 hour' FROM generate_series(1, 10) g`)
  await q(`INSERT INTO update_attempts (bot_id, update_id, attempts, updated_at)
           VALUES (1, 1, 1, now() - interval '3 days'), (1, 2, 1, now())`)
  await q(`INSERT INTO job_notices (bot_id, kind, state, done_at, created_at) VALUES
           (1, 'receipt_reminder', 'done', now() - interval '8 days', now() - interval '8 days'),
           (1, 'receipt_reminder', 'done', now() - interval '1 day', now() - interval '1 day'),
           (1, 'receipt_reminder', 'failed', now() - interval '30 days', now() - interval '30 days'),
           (1, 'receipt_reminder', 'pending', NULL, now() - interval '30 days')`)
  await q(`INSERT INTO outbox_tasks (bot_id, kind, subject_id, state, done_at, created_at) VALUES
           (1, 'provision_subscription', 1, 'done', now() - interval '8 days', now() - interval '8 days'),
           (1, 'provision_subscription', 2, 'done', now() - interval '2 days', now() - interval '2 days'),
           (1, 'provision_subscription', 3, 'pending', NULL, now() - interval '30 days')`)

  const result = await run(makeRetentionRun({ updateMarksHours: 48, doneTasksDays: 7 }))
  expect(result.items).toBe(old + 1 + 1 + 1)

  expect(await q<{ n: number }>("SELECT count(*)::int AS n FROM processed_updates")).toEqual([{ n: 10 }])
  expect(await q<{ updateId: number }>("SELECT update_id FROM update_attempts")).toEqual([{ updateId: 2 }])
  expect((await q<{ state: string }>("SELECT state FROM job_notices ORDER BY id")).map((r) => r.state)).toEqual([
    "done",
    "failed",
    "pending"
  ])
  expect(
    (await q<{ subjectId: number }>("SELECT subject_id FROM outbox_tasks ORDER BY id")).map((r) => r.subjectId)
  ).toEqual([2, 3])

  // Idempotent: nothing left to delete.
  expect((await run(makeRetentionRun({ updateMarksHours: 48, doneTasksDays: 7 }))).items).toBe(0)
})
