/**
 * The update's transaction as the pipeline opens it (src/supervisor/update-pipeline.ts):
 * on the handler's first `ctx.run`, scoped to the tenant (role and `app.bot_id`),
 * carrying the "processed" mark with the handler's writes; a handler that writes
 * nothing still leaves its mark; an update that comes back after a crash (first
 * batch) is skipped before its handler runs when its mark is there; one whose mark
 * appears while it is handled (another process got there first) keeps no effects.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Composer } from "grammy"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BotContext } from "../../src/bot/context.ts"
import { layerFromUrl } from "../../src/db/client.ts"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { HOLD_MS } from "../../src/supervisor/update-pipeline.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { eventually, startApp } from "../support/app.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

let emulator: TelegramEmulator
let db: TestDatabase

/** Handler runs per update id, and what a write saw of its transaction. */
const runs = new Map<number, number>()
const scopes = new Map<number, { user: string; botId: string }>()

const app = new Composer<BotContext>()
app.on("message:text", async (ctx) => {
  const id = ctx.update.update_id
  const n = (runs.get(id) ?? 0) + 1
  runs.set(id, n)
  const text = ctx.message.text
  if (text.startsWith("write")) {
    await ctx.run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const [scope] = yield* sql<{ user: string; botId: string }>`
        SELECT current_user AS user, current_setting('app.bot_id') AS bot_id`
        scopes.set(id, scope!)
        yield* sql`INSERT INTO handler_log (bot_id, update_id) VALUES (${ctx.tenant.botId}, ${id})`
      })
    )
    if (text === "write-then-fail" && n === 1) throw new Error("fails after writing, first time")
    // Past the chat's burst (4): the last replies wait for Telegram's pace, the update committed.
    if (text === "write-burst") {
      for (let i = 1; i <= 5; i++) await ctx.reply(`burst ${i}`)
    }
    // Past the chat's burst by far: the last replies wait longer than a 2-s handler deadline.
    if (text === "write-long-burst") {
      for (let i = 1; i <= 8; i++) await ctx.reply(`long ${i}`)
    }
  }
  await ctx.reply(`done ${id}`)
})

const run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Bots>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(Bots.layer), Effect.provide(layerFromUrl(db.url, { maxConnections: 2 })))
  )

const logged = (updateId: number) =>
  run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM handler_log WHERE update_id = ${updateId}`
      return row!.n
    })
  )

const marked = (botId: number, updateId: number) =>
  run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql`SELECT 1 FROM processed_updates WHERE bot_id = ${botId} AND update_id = ${updateId}`
      return rows.length === 1
    })
  )

const mark = (botId: number, updateId: number) =>
  run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO processed_updates (bot_id, update_id) VALUES (${botId}, ${updateId})`
    })
  )

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  db = await createTestDatabase()
  await run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE handler_log (bot_id bigint NOT NULL, update_id bigint NOT NULL)`
      yield* sql`GRANT INSERT, SELECT ON handler_log TO botfleet_tenant`
    })
  )
})
afterAll(async () => {
  await emulator?.close()
  await db?.drop()
})

describe("the update's transaction", () => {
  it("is scoped to the tenant, carries the mark, rolls back on failure; a read-only handler is marked too; replays are skipped", async () => {
    const { token } = emulator.createBot()
    const bot = await run(
      Effect.gen(function* () {
        return (yield* (yield* Bots).create({ name: "Tx", telegramToken: token })).bot
      })
    )
    // Queued before the bot starts: its first batch, where a crash's replays come back.
    // One of them was already handled (its mark committed) before the "crash".
    const replayedWrite = emulator.injectMessage(token, { text: "write", from: 801 })
    const replayedEcho = emulator.injectMessage(token, { text: "echo", from: 802 })
    const fresh = emulator.injectMessage(token, { text: "write", from: 803 })
    await mark(bot.id, replayedWrite.updateId)
    await mark(bot.id, replayedEcho.updateId)

    const running = await startApp({ databaseUrl: db.url, telegramApiRoot: emulator.url, tenantApp: app })
    try {
      await emulator.waitForSent(token, 803, (m) => m.text === `done ${fresh.updateId}`, 5000)
      await emulator.waitForConfirmed(token, fresh.updateId, 5000)
      expect(runs.get(replayedWrite.updateId)).toBeUndefined()
      expect(runs.get(replayedEcho.updateId)).toBeUndefined()
      expect(await logged(replayedWrite.updateId)).toBe(0)
      expect(await logged(fresh.updateId)).toBe(1)
      expect(await marked(bot.id, fresh.updateId)).toBe(true)
      expect(scopes.get(fresh.updateId)).toEqual({ user: "botfleet_tenant", botId: String(bot.id) })

      // Writes nothing: marked all the same, before it is confirmed.
      const echo = emulator.injectMessage(token, { text: "echo", from: 804 })
      await emulator.waitForSent(token, 804, (m) => m.text === `done ${echo.updateId}`, 5000)
      await eventually(() => marked(bot.id, echo.updateId), 3000)
      expect(runs.get(echo.updateId)).toBe(1)

      // The first attempt's write is rolled back with it; the retry's commits once.
      const failing = emulator.injectMessage(token, { text: "write-then-fail", from: 805 })
      await emulator.waitForSent(token, 805, (m) => m.text === `done ${failing.updateId}`, 5000)
      expect(runs.get(failing.updateId)).toBe(2)
      expect(await logged(failing.updateId)).toBe(1)

      // Marked by someone else while this process handles it: its writes are not kept.
      const next = failing.updateId + 1
      await mark(bot.id, next)
      const taken = emulator.injectMessage(token, { text: "write", from: 806 })
      expect(taken.updateId).toBe(next)
      const after = emulator.injectMessage(token, { text: "echo", from: 806 })
      await emulator.waitForSent(token, 806, (m) => m.text === `done ${after.updateId}`, 5000)
      expect(await logged(next)).toBe(0)
      expect(emulator.sentMessages(token, 806).map((m) => m.text)).toEqual([`done ${after.updateId}`])
    } finally {
      await running.stop()
    }
  }, 30_000)

  it("a message sent after the update committed is recorded with it, done once sent; one left by a dead process is sent by the notice worker", async () => {
    const { token } = emulator.createBot()
    const bot = await run(
      Effect.gen(function* () {
        return (yield* (yield* Bots).create({ name: "Paced", telegramToken: token })).bot
      })
    )
    const notices = () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{ state: string; method: string }>`
            SELECT state, payload ->> 'method' AS method FROM job_notices
            WHERE bot_id = ${bot.id} AND kind = 'update_message' ORDER BY id`
        })
      )
    const running = await startApp({ databaseUrl: db.url, telegramApiRoot: emulator.url, tenantApp: app })
    try {
      const sent = emulator.injectMessage(token, { text: "write-burst", from: 821 })
      await emulator.waitForSent(token, 821, (m) => m.text === `done ${sent.updateId}`, 10_000)
      expect(emulator.sentMessages(token, 821).map((m) => m.text)).toEqual([
        "burst 1",
        "burst 2",
        "burst 3",
        "burst 4",
        "burst 5",
        `done ${sent.updateId}`
      ])
      expect(await logged(sent.updateId)).toBe(1)
      // The first message that had to wait committed the update with its record; every waiting one was recorded.
      const recorded = await notices()
      expect(recorded.length).toBeGreaterThanOrEqual(1)
      expect(recorded.every((n) => n.method === "sendMessage")).toBe(true)
      await eventually(async () => (await notices()).every((n) => n.state === "done"), 5_000)

      // A process killed while its message waited: the record's lease has run out; the worker sends it.
      await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const message = JSON.stringify({ method: "sendMessage", payload: { chat_id: 821, text: "left behind" } })
          yield* sql`INSERT INTO job_notices (bot_id, kind, payload, locked_until)
                     VALUES (${bot.id}, 'update_message', ${message}::jsonb, now() - interval '1 second')`
        })
      )
      await emulator.waitForSent(token, 821, (m) => m.text === "left behind", 10_000)
      await eventually(async () => (await notices()).every((n) => n.state === "done"), 5_000)
      expect(emulator.sentMessages(token, 821).filter((m) => m.text === "left behind")).toHaveLength(1)
    } finally {
      await running.stop()
    }
  }, 30_000)

  it("a handler past its deadline after its update committed (waiting for Telegram's pace) is not a failure: no retry, every message once", async () => {
    const { token } = emulator.createBot()
    const bot = await run(
      Effect.gen(function* () {
        return (yield* (yield* Bots).create({ name: "Deadline", telegramToken: token })).bot
      })
    )
    const running = await startApp({
      databaseUrl: db.url,
      telegramApiRoot: emulator.url,
      tenantApp: app,
      config: { handlerDeadlineSeconds: 2 }
    })
    try {
      const sent = emulator.injectMessage(token, { text: "write-long-burst", from: 831 })
      await emulator.waitForSent(token, 831, (m) => m.text === `done ${sent.updateId}`, 20_000)
      expect(emulator.sentMessages(token, 831).map((m) => m.text)).toEqual([
        ...Array.from({ length: 8 }, (_, i) => `long ${i + 1}`),
        `done ${sent.updateId}`
      ])
      // (Each reply once: the handler ran once.) No failure counted, so no retry was made.
      const metrics = await (await fetch(`${running.metricsUrl}/metrics`)).text()
      const errors = metrics.match(new RegExp(`^botfleet_bot_handler_errors_total\\{bot_id="${bot.id}"\\} (\\d+)`, "m"))
      expect(Number(errors?.[1] ?? 0)).toBe(0)
    } finally {
      await running.stop()
    }
  }, 40_000)

  it(`commits while a call to Telegram is still unanswered ${HOLD_MS} ms after it began: no row lock waits on Telegram`, async () => {
    const { token } = emulator.createBot()
    await run(
      Effect.gen(function* () {
        yield* (yield* Bots).create({ name: "Slow Telegram", telegramToken: token })
      })
    )
    const running = await startApp({ databaseUrl: db.url, telegramApiRoot: emulator.url, tenantApp: app })
    try {
      // The bot is up (a quick reply); then its replies take 3 × HOLD_MS.
      const warm = emulator.injectMessage(token, { text: "echo", from: 811 })
      await emulator.waitForSent(token, 811, (m) => m.text === `done ${warm.updateId}`, 5000)
      emulator.setLatency(token, { ms: 3 * HOLD_MS, method: "sendMessage" })
      const sent = emulator.injectMessage(token, { text: "write", from: 811 })
      const started = performance.now()
      // The write and the mark commit about HOLD_MS after the reply began, well before it arrives.
      await eventually(async () => (await logged(sent.updateId)) === 1, 2.5 * HOLD_MS)
      expect(performance.now() - started).toBeLessThan(3 * HOLD_MS)
      expect(emulator.sentMessages(token, 811)).toHaveLength(1)
      await emulator.waitForSent(token, 811, (m) => m.text === `done ${sent.updateId}`, 10 * HOLD_MS)
      expect(emulator.sentMessages(token, 811).filter((m) => m.text === `done ${sent.updateId}`)).toHaveLength(1)
    } finally {
      await running.stop()
    }
  }, 30_000)
})
