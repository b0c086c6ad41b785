/**
 * Real processes: a supervisor killed with SIGKILL mid-burst loses nothing and
 * handles nothing twice after its restart; SIGTERM drains in-flight updates and
 * exits 0; no token ever appears in its logs.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { layerFromUrl } from "../../src/db/client.ts"
import { freePort } from "../../src/free-port.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { eventually } from "../support/app.ts"
import { startSupervisorProcess } from "../support/child.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

let emulator: TelegramEmulator
let db: TestDatabase

const run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Bots>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(Bots.layer), Effect.provide(layerFromUrl(db.url, { maxConnections: 2 })))
  )

const handled = () =>
  run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return yield* sql<{ updateId: number; times: number }>`
      SELECT update_id, count(*)::int AS times FROM handler_log GROUP BY update_id`
    })
  )

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  db = await createTestDatabase()
  runnerPort = await Effect.runPromise(freePort())
  await run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE handler_log (
        bot_id bigint NOT NULL, update_id bigint NOT NULL, chat_id bigint NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp())`
      yield* sql`GRANT INSERT ON handler_log TO botfleet_tenant`
    })
  )
})
afterAll(async () => {
  await emulator?.close()
  await db?.drop()
})

// One runner address for every child of this file: a restarted child is the same
// cluster runner coming back, so it takes its buckets at once instead of waiting
// for the dead one to be declared unhealthy (one child runs at a time here).
let runnerPort = 0

const childEnv = (delayMs: number) => ({
  RUNNER_PORT: String(runnerPort),
  DATABASE_URL: db.url,
  TELEGRAM_API_ROOT: emulator.url,
  HANDLER_DELAY_MS: String(delayMs),
  BOT_BUCKETS: "8"
})

describe("crashes and shutdowns", () => {
  it("after kill -9 mid-burst, every update is handled exactly once", async () => {
    const { token } = emulator.createBot()
    await run(
      Effect.gen(function* () {
        yield* (yield* Bots).create({ name: "Crashy", telegramToken: token })
      })
    )
    const first = startSupervisorProcess(childEnv(40))
    await emulator.waitForPoller(token, 10_000)
    const injected: Array<number> = []
    for (let i = 0; i < 300; i++) {
      injected.push(emulator.injectMessage(token, { text: `quiet m${i}`, from: 1000 + (i % 30) }).updateId)
    }
    await eventually(async () => (await handled()).length >= 60, 10_000)
    first.process.kill("SIGKILL")
    await first.exited
    const atKill = (await handled()).length
    expect(atKill).toBeLessThan(300) // the kill really happened mid-burst

    const second = startSupervisorProcess(childEnv(0))
    const rows = await eventually(async () => {
      const rows = await handled()
      return rows.length === 300 ? rows : undefined
    }, 20_000).catch(async (e) => {
      second.process.kill("SIGKILL")
      throw new Error(`${e}: handled ${(await handled()).length} of 300; ${JSON.stringify(emulator.stats(token))}`)
    })
    expect(rows.map((r) => r.updateId).sort((a, b) => a - b)).toEqual(injected)
    expect(rows.every((r) => r.times === 1)).toBe(true)
    second.process.kill("SIGTERM")
    expect((await second.exited).code).toBe(0)
    expect(first.output() + second.output()).not.toContain(token.split(":")[1])
  }, 60_000)

  it("kill -9 with 500 updates stored but unhandled: the next owner handles each once, in order per chat", async () => {
    const { token } = emulator.createBot()
    const botId = await run(
      Effect.gen(function* () {
        return (yield* (yield* Bots).create({ name: "Stored", telegramToken: token })).bot.id
      })
    )
    // Handlers that never finish before the kill: every update is stored, none handled.
    const first = startSupervisorProcess(childEnv(120_000))
    await emulator.waitForPoller(token, 10_000)
    const chats = Array.from({ length: 25 }, (_, i) => 5000 + i)
    const injected = new Map<number, Array<number>>(chats.map((c) => [c, []]))
    for (let i = 0; i < 500; i++) {
      const chat = chats[i % chats.length]!
      injected.get(chat)!.push(emulator.injectMessage(token, { text: `quiet ${i}`, from: chat }).updateId)
    }
    const stored = () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM update_inbox WHERE bot_id = ${botId}`
          return row!.n
        })
      )
    await eventually(async () => (await stored()) === 500, 15_000)
    first.process.kill("SIGKILL")
    await first.exited
    const mine = () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{ updateId: number; times: number }>`
            SELECT update_id, count(*)::int AS times FROM handler_log WHERE bot_id = ${botId} GROUP BY update_id`
        })
      )
    expect(await mine()).toHaveLength(0)

    const second = startSupervisorProcess(childEnv(0))
    const rows = await eventually(async () => {
      const rows = await mine()
      return rows.length === 500 ? rows : undefined
    }, 30_000).catch(async (e) => {
      throw new Error(
        `${e}: handled ${(await mine()).length}, stored ${await stored()}\n${second.output().slice(-3000)}`
      )
    })
    expect(rows.every((r) => r.times === 1)).toBe(true)
    const order = await run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ chatId: number; updateId: number }>`
          SELECT chat_id, update_id FROM handler_log WHERE bot_id = ${botId} ORDER BY at`
      })
    )
    for (const chat of chats) {
      expect(order.filter((r) => r.chatId === chat).map((r) => r.updateId)).toEqual(injected.get(chat))
    }
    expect(await stored()).toBe(0)
    second.process.kill("SIGTERM")
    expect((await second.exited).code).toBe(0)
  }, 90_000)

  it("an update that kills the process on every attempt is dead-lettered after a few restarts", async () => {
    const { token } = emulator.createBot()
    await run(
      Effect.gen(function* () {
        yield* (yield* Bots).create({ name: "Poisoned", telegramToken: token })
      })
    )
    const crash = emulator.injectMessage(token, { text: "crash", from: 3001 })
    const after = emulator.injectMessage(token, { text: "after", from: 3001 })
    let crashes = 0
    for (;;) {
      const child = startSupervisorProcess(childEnv(0))
      const outcome = await Promise.race([
        child.exited.then(() => "crashed" as const),
        emulator
          .waitForSent(token, 3001, (m) => m.text === `handled ${after.updateId}`, 15_000)
          .then(() => "done" as const)
      ]).catch((e) => {
        child.process.kill("SIGKILL")
        throw new Error(`${e}\ncrashes=${crashes} stats=${JSON.stringify(emulator.stats(token))}\n${child.output()}`)
      })
      if (outcome === "done") {
        child.process.kill("SIGTERM")
        await child.exited
        break
      }
      crashes++
      expect(crashes).toBeLessThanOrEqual(4)
    }
    expect(crashes).toBeGreaterThanOrEqual(3)
    const letters = await run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ updateId: number }>`SELECT update_id FROM dead_letter_updates`
      })
    )
    expect(letters.map((l) => l.updateId)).toContain(crash.updateId)
  }, 90_000)

  it("SIGTERM lets in-flight updates finish and exits 0; Telegram was told of them only once stored", async () => {
    const { token } = emulator.createBot()
    await run(
      Effect.gen(function* () {
        yield* (yield* Bots).create({ name: "Graceful", telegramToken: token })
      })
    )
    const child = startSupervisorProcess(childEnv(1500))
    await emulator.waitForPoller(token, 10_000)
    const ids = [1, 2, 3, 4, 5].map((i) => emulator.injectMessage(token, { text: `slow${i}`, from: 2000 + i }).updateId)
    await eventually(() => emulator.stats(token).updatesDelivered >= 5, 5000)
    child.process.kill("SIGTERM")
    const exit = await child.exited
    expect(exit.code).toBe(0)
    const done = (await handled()).filter((r) => ids.includes(r.updateId))
    expect(done.map((r) => r.updateId).sort((a, b) => a - b)).toEqual(ids)
    // The poll after their batch was stored confirmed them (no confirming getUpdates on the way out).
    expect(emulator.stats(token).confirmedOffset).toBe(Math.max(...ids) + 1)
    expect(child.output()).toContain("draining")
  }, 30_000)
})
