/**
 * /start through the full stack: the real tenant application (src/bot/app.ts:
 * user upsert inside the update's tenant transaction, i18n, reply with the
 * main-menu keyboard), across 200 bots, every message from a new user.
 *
 * Telegram's flood control is on (the emulator's default) and botfleet paces its
 * sends to it (src/telegram/send-pace.ts: 25 messages a second per bot), so one
 * bot can answer at most ~28 /start a second: the load is spread over 200 bots
 * (DESIGN §6: ≥ 100), 5 a second per bot at 1,000/s offered, and a burst's
 * replies are capped by the pace at 200 × 25 = 5,000/s — above the target, so the
 * burst measures botfleet, not Telegram's limit. (It ran over 20 bots before
 * sends were paced: 20 × 25 = 500/s would now cap the burst below the target.)
 *
 * - throughput: a burst injected at once; messages / (last reply − injection);
 * - latency: a paced stream at the target rate (1,000/s, open loop), each
 *   message's inject → reply time from the emulator's clock; p50 / p99.
 */
import { openSql } from "../lib/postgres.ts"
import { samplePool, seedBots, sleep, startBotfleet } from "../lib/harness.ts"
import { cpuMeter } from "../lib/processes.ts"
import { figure } from "../lib/results.ts"
import type { Scenario } from "./index.ts"

export const startThroughput: Scenario = {
  name: "start-throughput",
  title: "/start with user upsert through the full stack",
  run: async (ctx) => {
    // ≥ 100 bots (DESIGN §6): with flood control on, a bot answers at most ~28 messages a second
    const botCount = 200
    const burst = ctx.quick ? 2_000 : 10_000
    const rate = 1_000
    const pacedSeconds = ctx.quick ? 3 : 20
    const warmup = ctx.quick ? 400 : 1_000
    const db = await ctx.database()
    const emulator = await ctx.emulator()
    const bots = await emulator.createBots(botCount)
    await seedBots(db, bots)
    const bf = await startBotfleet(ctx.scope, { db, emulator, app: "tenant" })
    await emulator.waitPolling(botCount, 60_000)
    const tokens = bots.map((b) => b.token)

    const w = await emulator.load({ tokens, total: warmup, kind: "start", uniqueUsers: true }, 60_000)
    if (w.timedOut) throw new Error(`warm-up did not complete (${w.replied}/${w.injected})`)
    await sleep(1_000)
    const meter = cpuMeter({
      botfleet: () => [bf.proc.pid],
      postgres: ctx.pg.pids,
      emulator: () => [emulator.proc.pid]
    })
    const { result: b, pool } = await samplePool(
      db,
      emulator.load({ tokens, total: burst, kind: "start", uniqueUsers: true }, 180_000)
    )
    const cpu = meter.stop().seconds
    const cpuMsPerUpdate = Object.fromEntries(
      Object.entries(cpu).map(([k, v]) => [k, b.replied > 0 ? (v * 1000) / b.replied : 0])
    )
    ctx.log(
      `burst of ${burst}: ${b.updatesPerSecond?.toFixed(0) ?? "n/a"} /start per second${b.timedOut ? " (timed out)" : ""}; CPU per update: ` +
        Object.entries(cpuMsPerUpdate)
          .map(([k, v]) => `${k} ${v.toFixed(2)} ms`)
          .join(", ") +
        `; database connections busy: max ${pool.maxBusy}, mean ${pool.meanBusy}`
    )
    await sleep(1_000)
    const paced = await emulator.load(
      { tokens, total: rate * pacedSeconds, kind: "start", uniqueUsers: true, ratePerSecond: rate },
      pacedSeconds * 1000 + 120_000
    )
    ctx.log(`paced ${rate}/s for ${pacedSeconds} s: p50 ${paced.latencyMs.p50} ms, p99 ${paced.latencyMs.p99} ms`)

    // When the target rate saturates botfleet, its latency there is queueing; also measure at half the burst rate.
    let sustainable: { rate: number; result: typeof paced } | undefined
    if (b.updatesPerSecond !== null && b.updatesPerSecond < rate * 1.1) {
      const lower = Math.max(50, Math.floor(b.updatesPerSecond / 2 / 50) * 50)
      await sleep(1_000)
      const result = await emulator.load(
        { tokens, total: lower * pacedSeconds, kind: "start", uniqueUsers: true, ratePerSecond: lower },
        pacedSeconds * 1000 + 120_000
      )
      sustainable = { rate: lower, result }
      ctx.log(`paced ${lower}/s for ${pacedSeconds} s: p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms`)
    }

    const sql = openSql(db.url, 1)
    const users = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM users").finally(() => sql.close())
    const expectedUsers = warmup + burst + rate * pacedSeconds + (sustainable ? sustainable.rate * pacedSeconds : 0)
    const storedUsers = Number(users[0]?.n ?? 0)
    const achieved = paced.durationMs ? (paced.replied * 1000) / paced.durationMs : null
    const lost = paced.timedOut || b.timedOut
    return {
      parameters: {
        bots: botCount,
        burst,
        pacedRatePerSecond: rate,
        pacedSeconds,
        warmup,
        app: "tenant (src/bot/app.ts)",
        emulatorRules: "all on (flood control included); botfleet's send pacing on (25/s per bot)",
        usersAreNew: true
      },
      figures: [
        figure(
          `throughput, burst of ${burst.toLocaleString("en-US")} over ${botCount} bots`,
          b.timedOut ? null : b.updatesPerSecond,
          "/s",
          {
            target: { op: ">=", value: 1000 }
          }
        ),
        figure("CPU per /start, botfleet process (burst)", cpuMsPerUpdate.botfleet ?? null, "ms", {
          digits: 2,
          note: `plus ${cpuMsPerUpdate.postgres?.toFixed(2)} ms of PostgreSQL CPU per /start`
        }),
        figure(`latency p50 at ${rate.toLocaleString("en-US")}/s offered`, paced.latencyMs.p50, "ms", { digits: 0 }),
        figure(
          `latency p99 at ${rate.toLocaleString("en-US")}/s offered`,
          paced.timedOut ? null : paced.latencyMs.p99,
          "ms",
          {
            digits: 0,
            target: { op: "<=", value: 100 },
            ...(storedUsers !== expectedUsers
              ? { note: `users table has ${storedUsers} rows, ${expectedUsers} expected` }
              : {})
          }
        ),
        ...(sustainable
          ? [
              figure(
                `latency p50 at ${sustainable.rate}/s offered (half the burst rate)`,
                sustainable.result.latencyMs.p50,
                "ms",
                { digits: 0 }
              ),
              figure(
                `latency p99 at ${sustainable.rate}/s offered (half the burst rate)`,
                sustainable.result.timedOut ? null : sustainable.result.latencyMs.p99,
                "ms",
                { digits: 0 }
              )
            ]
          : [])
      ],
      data: {
        sustainable: sustainable ?? null,
        burst: { ...b, cpuSeconds: cpu, cpuMsPerUpdate, databaseConnections: pool },
        paced,
        achievedRatePerSecond: achieved,
        warmupResult: w,
        usersStored: storedUsers,
        usersExpected: expectedUsers,
        timedOut: lost
      }
    }
  }
}
