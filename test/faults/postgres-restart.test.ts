/**
 * PostgreSQL restarted under load: the supervisor does not crash, bots keep
 * polling, /readyz reports the outage, and every update sent during it is
 * handled exactly once after the database is back.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Composer } from "grammy"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BotContext } from "../../src/bot/context.ts"
import { layerFromUrl } from "../../src/db/client.ts"
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts"
import type { EmbeddedServer } from "../../src/db/embedded-postgres.ts"
import { runMigrations } from "../../src/db/migrator.ts"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { eventually, startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"

let dataDir: string
let server: EmbeddedServer
let emulator: TelegramEmulator
let app: RunningApp

const handlerApp = new Composer<BotContext>()
handlerApp.on("message", async (ctx) => {
  await ctx.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO handler_log (bot_id, update_id) VALUES (${ctx.tenant.botId}, ${ctx.update.update_id})`
    })
  )
  await ctx.reply("ok")
})

const direct = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Bots>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(Bots.layer), Effect.provide(layerFromUrl(server.url(), { maxConnections: 1 })))
  )

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "botfleet-pg-restart-"))
  server = await startEmbeddedPostgres(dataDir, { durable: false })
  await direct(
    Effect.gen(function* () {
      yield* runMigrations()
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE handler_log (bot_id bigint NOT NULL, update_id bigint NOT NULL)`
      yield* sql`GRANT INSERT ON handler_log TO botfleet_tenant`
    })
  )
  emulator = await startTelegramEmulator()
  app = await startApp({ databaseUrl: server.url(), telegramApiRoot: emulator.url, tenantApp: handlerApp })
})
afterAll(async () => {
  await app?.stop()
  await emulator?.close()
  await server?.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe("PostgreSQL restart under load", () => {
  it("loses nothing, doubles nothing, and keeps polling", async () => {
    const tokens = [emulator.createBot().token, emulator.createBot().token]
    await direct(
      Effect.gen(function* () {
        const bots = yield* Bots
        for (const [i, token] of tokens.entries()) yield* bots.create({ name: `Bot ${i}`, telegramToken: token })
      })
    )
    for (const token of tokens) await emulator.waitForPoller(token, 10_000)

    const injected: Array<string> = []
    let sending = true
    const sender = (async () => {
      for (let i = 0; sending; i++) {
        const token = tokens[i % 2]!
        injected.push(`${token}:${emulator.injectMessage(token, { text: `m${i}`, from: 100 + (i % 7) }).updateId}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    })()

    await new Promise((r) => setTimeout(r, 500))
    const port = server.port
    await server.stop()
    const pollsAtOutage = tokens.map((t) => emulator.stats(t).getUpdatesCalls)
    await eventually(async () => (await fetch(`${app.httpUrl}/readyz`)).status === 503, 5000)
    await new Promise((r) => setTimeout(r, 3000))
    server = await startEmbeddedPostgres(dataDir, { durable: false, port })
    await new Promise((r) => setTimeout(r, 500))
    sending = false
    await sender

    // Still polling (the window was full during the outage, so polls resume as updates finish).
    const logged = await eventually(async () => {
      const rows = await direct(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{ botId: number; updateId: number; times: number }>`
          SELECT bot_id, update_id, count(*)::int AS times FROM handler_log GROUP BY bot_id, update_id`
        })
      )
      return rows.length === injected.length ? rows : undefined
    }, 30_000)
    expect(logged.every((r) => r.times === 1)).toBe(true)
    tokens.forEach((t, i) => {
      expect(emulator.stats(t).getUpdatesCalls).toBeGreaterThan(pollsAtOutage[i]!)
    })
    await eventually(async () => (await fetch(`${app.httpUrl}/readyz`)).status === 200, 10_000)
    const letters = await direct(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql`SELECT 1 FROM dead_letter_updates`
      })
    )
    expect(letters.length).toBe(0)
  })
})
