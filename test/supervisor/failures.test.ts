/**
 * The restart policy against a misbehaving Telegram (the emulator's faults):
 * one tenant's trouble never reaches the others, and nothing hot-loops.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { telegramApiErrors } from "../../src/metrics/registry.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { eventually, startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

let emulator: TelegramEmulator
let db: TestDatabase
let app: RunningApp

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  db = await createTestDatabase()
  // Short long polls, so an injected fault meets the next getUpdates quickly.
  app = await startApp({ databaseUrl: db.url, telegramApiRoot: emulator.url, config: { pollTimeoutSeconds: 1 } })
})
afterAll(async () => {
  await app?.stop()
  await emulator?.close()
  await db?.drop()
})

const createBot = (name: string, token: string) =>
  app.run(
    Effect.gen(function* () {
      return (yield* (yield* Bots).create({ name, telegramToken: token })).bot
    })
  )

const statusOf = (botId: number) =>
  app.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ state: string; conflictCount: number; restartCount: number; lastError: string | null }>`
      SELECT state, conflict_count, restart_count, last_error FROM bot_runtime_status WHERE bot_id = ${botId}`
      return rows[0]
    })
  )

/** The process's count of failed `method` calls answered with `code` ("network": no answer). */
const apiErrors = async (method: string, code: string) =>
  (await telegramApiErrors.get()).values.find((v) => v.labels.method === method && v.labels.code === code)?.value ?? 0
const getUpdatesErrors = (code: string) => apiErrors("getUpdates", code)

const answersStart = async (token: string, userId: number, timeoutMs = 3000) => {
  emulator.injectMessage(token, { text: "/start", from: { id: userId, first_name: "U" } })
  return emulator.waitForSent(token, userId, () => true, timeoutMs)
}

describe("restart policy", () => {
  it("a revoked token becomes `unauthorized` after one attempt, without a hot loop, while others keep answering", async () => {
    const healthy = emulator.createBot()
    const doomed = emulator.createBot()
    emulator.revokeToken(doomed.token)
    await createBot("Healthy", healthy.token)
    const bad = await createBot("Doomed", doomed.token)
    await eventually(async () => (await statusOf(bad.id))?.state === "unauthorized", 3000)
    const callsAtUnauthorized = emulator.stats(doomed.token).totalCalls
    await new Promise((r) => setTimeout(r, 2500))
    expect(emulator.stats(doomed.token).totalCalls).toBe(callsAtUnauthorized)
    expect(callsAtUnauthorized).toBeLessThanOrEqual(2)
    await answersStart(healthy.token, 601)
  })

  it("waits exactly retry_after on 429", async () => {
    const { token } = emulator.createBot()
    await createBot("Rate limited", token)
    await emulator.waitForPoller(token, 2000)
    const served = emulator.stats(token).faultsServed
    emulator.injectFault(token, { kind: "rate_limit", retryAfter: 2, count: 1, method: "getUpdates" })
    await eventually(() => emulator.stats(token).faultsServed > served, 3000, 5)
    const faultAt = Date.now()
    const callsAfterFault = emulator.stats(token).getUpdatesCalls
    await eventually(() => emulator.stats(token).getUpdatesCalls > callsAfterFault, 5000, 5)
    const waited = Date.now() - faultAt
    expect(waited).toBeGreaterThanOrEqual(1900)
    expect(waited).toBeLessThan(2900)
  })

  it("backs off on a 409 storm from another poller, then recovers", async () => {
    const { token } = emulator.createBot()
    const bot = await createBot("Contested", token)
    await emulator.waitForPoller(token, 2000)
    const conflictsCounted = await getUpdatesErrors("409")
    // A second poller hammers getUpdates for 3 s: every poll of ours that it overtakes ends in 409.
    const before = emulator.stats(token).getUpdatesCalls
    const until = Date.now() + 3000
    let rivalCalls = 0
    while (Date.now() < until) {
      rivalCalls++
      await fetch(`${emulator.url}/bot${token}/getUpdates?timeout=0&offset=-1`).then((r) => r.text())
      await new Promise((r) => setTimeout(r, 20))
    }
    const ours = emulator.stats(token).getUpdatesCalls - before - rivalCalls
    // Backoff 0.5–1 s, 1–2 s, …: a handful of attempts in 3 s, not a hot loop.
    expect(ours).toBeLessThanOrEqual(6)
    const status = await statusOf(bot.id)
    expect(status?.conflictCount).toBeGreaterThanOrEqual(1)
    // Each 409 is counted as a failed call, like any other method's refusal.
    expect(await getUpdatesErrors("409")).toBeGreaterThanOrEqual(conflictsCounted + status!.conflictCount)
    await answersStart(token, 602, 8000)
  })

  it("recovers after a spell of 5xx errors", async () => {
    const { token } = emulator.createBot()
    await createBot("Flaky", token)
    await emulator.waitForPoller(token, 2000)
    const servedBefore = emulator.stats(token).faultsServed
    const callsBefore = emulator.stats(token).getUpdatesCalls
    emulator.injectFault(token, { kind: "server_error", status: 502, durationMs: 2000, method: "getUpdates" })
    await new Promise((r) => setTimeout(r, 2000))
    // The spell really met the bot: its getUpdates got 502s (the only fault injected here; the 1 s long poll
    // in flight ends within the spell), and it backed off between them (0.5–1 s, 1–2 s …) instead of hot-looping.
    const served = emulator.stats(token).faultsServed - servedBefore
    const calls = emulator.stats(token).getUpdatesCalls - callsBefore
    expect(served).toBeGreaterThanOrEqual(1)
    expect(calls).toBeLessThanOrEqual(5)
    await answersStart(token, 603, 8000)
  })

  it("a getMe answered 502 at a bot's first start is counted and retried by the policy; the bot then polls", async () => {
    const { token } = emulator.createBot()
    emulator.injectFault(token, { kind: "server_error", status: 502, count: 1, method: "getMe" })
    const before = await apiErrors("getMe", "502")
    const bot = await createBot("Slow start", token)
    await emulator.waitForPoller(token, 5000)
    // The 502 was the first getMe's (sent straight over the shared client, src/telegram/direct-call.ts):
    // counted once, a backoff, then a second getMe and the long poll.
    expect(emulator.stats(token).callsByMethod.getMe).toBe(2)
    expect(await apiErrors("getMe", "502")).toBe(before + 1)
    expect((await statusOf(bot.id))?.restartCount).toBe(1)
    await answersStart(token, 604, 5000)
  })

  it("a bot stopped while its long poll waits counts no failed call", async () => {
    const { token } = emulator.createBot()
    const bot = await createBot("Stopped", token)
    await emulator.waitForPoller(token, 2000)
    const network = await getUpdatesErrors("network")
    await app.run(Effect.flatMap(Bots, (bots) => bots.deactivate(bot.id)))
    await eventually(async () => (await statusOf(bot.id))?.state === "stopped", 3000)
    // The stop aborted the pending getUpdates: not a network failure, and no restart.
    expect(await getUpdatesErrors("network")).toBe(network)
    expect((await statusOf(bot.id))?.restartCount).toBe(0)
  })
})
