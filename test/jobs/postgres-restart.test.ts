/**
 * The jobs outlive a PostgreSQL restart: during the outage their ticks fail
 * and retry with backoff (logged, never a crash), and afterwards every job
 * runs again — payments that fell due during the outage and after it expire,
 * their users are told once, and each job's last-success timestamp moves on.
 * A restartable embedded server of the test's own, as in
 * test/faults/postgres-restart.test.ts.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { layerFromUrl } from "../../src/db/client.ts"
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts"
import type { EmbeddedServer } from "../../src/db/embedded-postgres.ts"
import { runMigrations } from "../../src/db/migrator.ts"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { eventually, startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"
import { seedCardPayments, sleep, textIn } from "./support.ts"
import type { Query } from "./support.ts"

let dataDir: string
let server: EmbeddedServer
let emulator: TelegramEmulator
let app: RunningApp

const direct = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Bots>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(Bots.layer), Effect.provide(layerFromUrl(server.url(), { maxConnections: 1 })))
  )

const q: Query = (text, ...params) =>
  direct(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return yield* sql.unsafe<never>(text, params)
    })
  )

/** A job's last success, from the app's /metrics. */
const lastSuccess = async (job: string): Promise<number> => {
  const text = await (await fetch(`${app.metricsUrl}/metrics`)).text()
  const line = text.split("\n").find((l) => l.startsWith(`botfleet_job_last_success_timestamp_seconds{job="${job}"}`))
  return line === undefined ? 0 : Number(line.split(" ").at(-1)) * 1000
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "botfleet-jobs-pg-restart-"))
  server = await startEmbeddedPostgres(dataDir, { durable: false })
  await direct(runMigrations())
  emulator = await startTelegramEmulator()
  app = await startApp({
    databaseUrl: server.url(),
    telegramApiRoot: emulator.url,
    runnerName: "jobs-pg-restart",
    config: { runnerPort: 0, cardRotationIntervalSeconds: 5 }
  })
})
afterAll(async () => {
  await app?.stop()
  await emulator?.close()
  await server?.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

const expiredCount = async (ids: ReadonlyArray<number>) =>
  (
    await q<{ n: number }>(
      "SELECT count(*)::int AS n FROM card_to_card_payments WHERE status = 'expired' AND id = ANY($1::bigint[])",
      ids
    )
  )[0]!.n

describe("jobs across a PostgreSQL restart", () => {
  it("keep working: expiries due during and after the outage happen once, and every job succeeds again", async () => {
    const token = emulator.createBot().token
    const { bot } = await direct(Bots.use((bots) => bots.create({ name: "Restart shop", telegramToken: token })))
    await emulator.waitForPoller(token, 10_000)

    const before = await seedCardPayments(q, bot.id, [{ language: "en", expiresAt: new Date(Date.now() + 500) }], 1_000)
    await eventually(async () => (await expiredCount(before.map((p) => p.paymentId))) === 1, 10_000)
    // Due while the database is down.
    const during = await seedCardPayments(
      q,
      bot.id,
      Array.from({ length: 20 }, (_, i) => ({
        language: i % 2 === 0 ? ("en" as const) : null,
        expiresAt: new Date(Date.now() + 1_000 + i * 100)
      })),
      2_000
    )

    const port = server.port
    await server.stop()
    const downAt = Date.now()
    await sleep(6_000)
    // Still alive and answering.
    expect((await fetch(`${app.httpUrl}/healthz`)).status).toBeLessThan(500)
    server = await startEmbeddedPostgres(dataDir, { durable: false, port })
    const upAt = Date.now()

    await eventually(async () => (await expiredCount(during.map((p) => p.paymentId))) === during.length, 30_000, 250)
    const after = await seedCardPayments(
      q,
      bot.id,
      Array.from({ length: 20 }, (_, i) => ({
        language: "ru" as const,
        expiresAt: new Date(Date.now() + 500 + i * 100)
      })),
      3_000
    )
    await eventually(async () => (await expiredCount(after.map((p) => p.paymentId))) === after.length, 30_000, 250)

    // The schedules themselves are back (not only the per-process fallback): each job succeeded after the restart.
    for (const job of ["payment_expiry", "card_rotation"]) {
      await eventually(async () => (await lastSuccess(job)) > upAt, 30_000, 500)
    }
    expect(await lastSuccess("payment_expiry")).toBeGreaterThan(downAt)

    // Each user told exactly once.
    await eventually(
      async () => {
        const n = await q<{ n: number }>("SELECT count(*)::int AS n FROM job_notices WHERE state = 'done'")
        return n[0]!.n === before.length + during.length + after.length
      },
      30_000,
      250
    )
    await sleep(1_000)
    for (const p of [...before, ...during, ...after]) {
      expect(emulator.sentMessages(token, p.telegramId).map((m) => m.text)).toEqual([
        textIn(p.language ?? "fa", "payment-expired")
      ])
    }
  }, 120_000)
})
