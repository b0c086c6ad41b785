/**
 * The long-poll source in front of the durable inbox, against the Telegram
 * emulator over HTTP and a real PostgreSQL: nothing is confirmed to Telegram
 * before it is stored, every poll asks for a fresh offset, the inbox hands an
 * update out once, and a start hands out what the inbox still holds first.
 */
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { Api } from "grammy"
import type { Update } from "grammy/types"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { layerFromUrl } from "../../src/db/client.ts"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { markProcessed, storeUpdates, unfinishedUpdates } from "../../src/db/update-bookkeeping.ts"
import { LongPollSource } from "../../src/ingest/long-poll-source.ts"
import type { FetchUpdates } from "../../src/ingest/long-poll-source.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { eventually } from "../support/eventually.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

let emulator: TelegramEmulator
let db: TestDatabase
let layer: Layer.Layer<SqlClient.SqlClient | Bots, unknown>

const run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Bots>) =>
  Effect.runPromise(Effect.provide(effect, layer))

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  db = await createTestDatabase()
  layer = Bots.layer.pipe(Layer.provideMerge(layerFromUrl(db.url, { maxConnections: 4 })))
})
afterAll(async () => {
  await emulator?.close()
  await db?.drop()
})

/** A bot in the emulator and the database, and a source over its inbox that records every poll. */
const setUp = async (name: string, store?: (updates: ReadonlyArray<Update>) => Promise<ReadonlySet<number>>) => {
  const { token } = emulator.createBot()
  const botId = await run(
    Effect.gen(function* () {
      return (yield* (yield* Bots).create({ name, telegramToken: token })).bot.id
    })
  )
  const api = new Api(token, { apiRoot: emulator.url })
  const polls: Array<{ offset: number | undefined; returned: number }> = []
  const fetch: FetchUpdates = async (args, signal) => {
    const updates = await api.getUpdates(args, signal as Parameters<typeof api.getUpdates>[1])
    polls.push({ offset: args.offset, returned: updates.length })
    return updates
  }
  const backlogs: Array<Array<number>> = []
  const source = new LongPollSource(fetch, {
    pollTimeoutSeconds: 1,
    store: store ?? ((updates) => run(storeUpdates(botId, updates))),
    loadUnfinished: () => run(unfinishedUpdates(botId)),
    onBacklog: (updates) => backlogs.push(updates.map((u) => u.update_id)),
    storeRetryMs: 20
  })
  return { token, botId, source, polls, backlogs }
}

const stored = (botId: number) =>
  run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ updateId: number }>`
        SELECT update_id FROM update_inbox WHERE bot_id = ${botId} ORDER BY update_id`
      return rows.map((r) => r.updateId)
    })
  )

describe("long-poll source over the inbox", () => {
  it("confirms nothing to Telegram before it is stored, and polls at a fresh offset each time", async () => {
    let failures = 2
    let storing: ((updates: ReadonlyArray<Update>) => Promise<ReadonlySet<number>>) | undefined
    const { token, botId, source, polls } = await setUp("Outage", (updates) => {
      if (failures-- > 0) return Promise.reject(new Error("database unavailable"))
      return storing!(updates)
    })
    storing = (updates) => run(storeUpdates(botId, updates))
    const ids = [1, 2, 3].map((i) => emulator.injectMessage(token, { text: `m${i}`, from: 100 + i }).updateId)
    const controller = new AbortController()
    const first = await source.supply(100, controller.signal)
    expect(first.map((u) => u.update_id)).toEqual(ids)
    // Two failed stores: no getUpdates went out meanwhile, so nothing was confirmed.
    expect(polls).toHaveLength(1)
    expect(emulator.stats(token).confirmedOffset).toBeLessThan(ids[0]!)
    expect(await stored(botId)).toEqual(ids)

    // The next poll confirms the stored batch and waits at the fresh offset.
    const later = emulator.injectMessage(token, { text: "later", from: 200 }).updateId
    const second = await source.supply(100, controller.signal)
    expect(second.map((u) => u.update_id)).toEqual([later])
    expect(polls[1]!.offset).toBe(Math.max(...ids) + 1)
    expect(emulator.stats(token).confirmedOffset).toBe(Math.max(...ids) + 1)
    const offsets = polls.map((p) => p.offset)
    expect(new Set(offsets).size).toBe(offsets.length)
  })

  it("hands an update out once: not when another runner stored it, not when it was handled before", async () => {
    const { token, botId, source } = await setUp("Repeats")
    const handled = emulator.injectMessage(token, { text: "handled before", from: 301 })
    const elsewhere = emulator.injectMessage(token, { text: "stored elsewhere", from: 302 })
    const fresh = emulator.injectMessage(token, { text: "new", from: 303 })
    const api = new Api(token, { apiRoot: emulator.url })
    const all = await api.getUpdates({ timeout: 0 })
    // One update was handled (its mark committed), another is stored by some other runner.
    await run(markProcessed(botId, [handled.updateId]))
    await run(
      storeUpdates(
        botId,
        all.filter((u) => u.update_id === elsewhere.updateId)
      )
    )

    const controller = new AbortController()
    // The start hands out the inbox's unfinished update first…
    expect((await source.supply(100, controller.signal)).map((u) => u.update_id)).toEqual([elsewhere.updateId])
    // …then Telegram's batch, without the two it already knows.
    expect((await source.supply(100, controller.signal)).map((u) => u.update_id)).toEqual([fresh.updateId])
    expect(await stored(botId)).toEqual([elsewhere.updateId, fresh.updateId])
  })

  it("a restart hands out the stored, unfinished updates before polling again", async () => {
    const { token, botId, source, backlogs, polls } = await setUp("Restart")
    const ids = [1, 2].map((i) => emulator.injectMessage(token, { text: `r${i}`, from: 400 + i }).updateId)
    const controller = new AbortController()
    expect((await source.supply(100, controller.signal)).map((u) => u.update_id)).toEqual(ids)
    expect(backlogs).toEqual([])
    // The first is finished (its mark commits and takes it out of the inbox), the second is not.
    await run(markProcessed(botId, [ids[0]!]))
    source.finished(ids[0]!)
    source.finished(ids[1]!)
    source.restart()
    const pollsBefore = polls.length
    expect((await source.supply(100, controller.signal)).map((u) => u.update_id)).toEqual([ids[1]])
    expect(backlogs).toEqual([[ids[1]]])
    expect(polls).toHaveLength(pollsBefore)
    // A restart while the update is still being handled here does not hand it out twice.
    source.restart()
    const next = source.supply(100, controller.signal)
    const newer = emulator.injectMessage(token, { text: "newer", from: 402 }).updateId
    expect((await next).map((u) => u.update_id)).toEqual([newer])
    await eventually(() => emulator.stats(token).getUpdatesCalls >= 2, 2_000)
  })
})
