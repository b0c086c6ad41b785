/**
 * Change latency: how long a change in the `bots` table takes to reach the
 * runners, in a botfleet process already running a fleet of idle bots.
 *
 * Per cycle, one new bot: INSERT (active) → polling; deactivate → stopped;
 * activate → polling; deactivate → stopped. Time 0 is taken just before the
 * statement is sent (so it includes the commit). "Polling" is the emulator
 * receiving the bot's first getUpdates after the change; "stopped" is the end
 * of the bot's last getUpdates (the long poll aborted, then the confirming
 * short poll), once none has been in flight for 300 ms.
 */
import { openSql } from "../lib/postgres.ts"
import { seedBots, sleep, startBotfleet } from "../lib/harness.ts"
import { figure } from "../lib/results.ts"
import { summarize } from "../lib/stats.ts"
import type { Scenario } from "./index.ts"

const TIMEOUT_MS = 10_000
const SETTLE_MS = 300

export const changeLatency: Scenario = {
  name: "change-latency",
  title: "bots row change → runner started / stopped",
  run: async (ctx) => {
    const background = ctx.quick ? 200 : 1_000
    const cycles = ctx.quick ? 5 : 25
    const db = await ctx.database()
    const emulator = await ctx.emulator()
    const fleet = await emulator.createBots(background)
    await seedBots(db, fleet)
    await startBotfleet(ctx.scope, { db, emulator, app: "tenant" })
    await emulator.waitPolling(background, 60_000)
    await sleep(ctx.quick ? 1_000 : 3_000)
    const extra = await emulator.createBots(cycles)
    const sql = openSql(db.url, 1)
    ctx.scope.add(() => sql.close())

    const starts: Array<{ kind: "insert" | "activate"; ms: number | null }> = []
    const stops: Array<{ ms: number | null }> = []
    const started = async (kind: "insert" | "activate", token: string, change: () => Promise<unknown>) => {
      await emulator.arm(token)
      const t0 = Date.now()
      await change()
      const at = await emulator.awaitStart(token, TIMEOUT_MS)
      starts.push({ kind, ms: at === null ? null : at - t0 })
    }
    const stopped = async (token: string, change: () => Promise<unknown>) => {
      await emulator.arm(token)
      const t0 = Date.now()
      await change()
      const at = await emulator.awaitStop(token, TIMEOUT_MS, SETTLE_MS)
      stops.push({ ms: at === null ? null : at - t0 })
    }
    const gap = () => sleep(100 + Math.random() * 150)

    for (const bot of extra) {
      let id = 0
      await started("insert", bot.token, async () => {
        const rows = await sql.query<{ id: number }>(
          `INSERT INTO bots (name, telegram_bot_token, telegram_bot_id, api_token_hash, is_active)
           VALUES ('Change test', $1, $2, encode(sha256(convert_to('bench:' || $1, 'UTF8')), 'hex'), true) RETURNING id`,
          [bot.token, bot.id]
        )
        id = Number(rows[0]!.id)
      })
      await gap()
      await stopped(bot.token, () => sql.query("UPDATE bots SET is_active = false WHERE id = $1", [id]))
      await gap()
      await started("activate", bot.token, () => sql.query("UPDATE bots SET is_active = true WHERE id = $1", [id]))
      await gap()
      await stopped(bot.token, () => sql.query("UPDATE bots SET is_active = false WHERE id = $1", [id]))
      await gap()
    }
    const summary = await emulator.summary()
    // A change that never took effect counts as infinitely slow: it makes p99 fail, as it should.
    const vals = (xs: Array<{ ms: number | null }>) => xs.map((x) => x.ms ?? Number.POSITIVE_INFINITY)
    const startSummary = summarize(vals(starts))
    const stopSummary = summarize(vals(stops))
    const missedStarts = starts.filter((s) => s.ms === null).length
    const missedStops = stops.filter((s) => s.ms === null).length
    ctx.log(
      `start p50 ${startSummary.p50} ms p99 ${startSummary.p99} ms; stop p50 ${stopSummary.p50} ms p99 ${stopSummary.p99} ms`
    )
    const note = (missed: number, what: string) =>
      missed > 0 ? { note: `${missed} ${what} did not happen within ${TIMEOUT_MS / 1000} s` } : {}
    return {
      parameters: {
        backgroundBots: background,
        cycles,
        changesPerCycle: 4,
        timeoutMs: TIMEOUT_MS,
        stopSettleMs: SETTLE_MS
      },
      figures: [
        figure(`inserted/activated → polling, p50 (n = ${starts.length})`, startSummary.p50, "ms", { digits: 0 }),
        figure(`inserted/activated → polling, p99 (n = ${starts.length})`, startSummary.p99, "ms", {
          digits: 0,
          target: { op: "<=", value: 1000 },
          ...note(missedStarts, "starts")
        }),
        figure(`deactivated → stopped, p50 (n = ${stops.length})`, stopSummary.p50, "ms", { digits: 0 }),
        figure(`deactivated → stopped, p99 (n = ${stops.length})`, stopSummary.p99, "ms", {
          digits: 0,
          target: { op: "<=", value: 1000 },
          ...note(missedStops, "stops")
        })
      ],
      data: {
        starts,
        stops,
        startSummary: summarize(starts.filter((s) => s.ms !== null).map((s) => s.ms!)),
        stopSummary: summarize(stops.filter((s) => s.ms !== null).map((s) => s.ms!)),
        byKind: {
          insert: summarize(starts.filter((s) => s.kind === "insert" && s.ms !== null).map((s) => s.ms!)),
          activate: summarize(starts.filter((s) => s.kind === "activate" && s.ms !== null).map((s) => s.ms!))
        },
        missedStarts,
        missedStops,
        emulator: { conflicts: summary.conflicts, botsWithOverlappingPolls: summary.botsWithOverlappingPolls }
      }
    }
  }
}
