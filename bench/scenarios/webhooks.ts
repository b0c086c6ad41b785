/**
 * Webhook bots on one replica (DESIGN §6: 10,000 registered, idle RSS ≤ 256 MiB;
 * ≥ 2,000 updates/s with POST → reply p99 ≤ 100 ms).
 *
 * One botfleet process with INGEST_MODE=webhook and PUBLIC_URL its own
 * http://127.0.0.1:<HTTP_PORT>; N bots (10,000; 300 in quick mode), echo handler.
 * As the bucket owner it calls setWebhook for each; the emulator then delivers
 * every update as Telegram does (a POST per update, per-chat queues, its
 * connection limits) to botfleet's HTTP port. Every emulator rule is on except
 * webhookPublicUrl (off by default: it would refuse a loopback URL), flood
 * control included; botfleet's send pacing is on.
 *
 * - registration: from fork() until the emulator holds a webhook for every bot;
 * - idle: with all registered and nothing arriving, RSS (/proc VmRSS) and CPU
 *   (/proc, Δ CPU ÷ Δ wall time) of the botfleet process over a window;
 * - load: a paced stream of 2,000 updates/s (10 s; 3 s in quick mode) over 200
 *   of the bots (10/s per bot, under the 25/s botfleet paces a bot's sends to; each update from a new user,
 *   so no chat's 1/s limit applies), after a warm-up over the same bots. Latency
 *   is inject → reply on the emulator's clock: it includes the emulator queueing
 *   and POSTing the update, so it is an upper bound of POST → reply.
 */
import { seedBots, sleep, startBotfleet } from "../lib/harness.ts"
import { openSql } from "../lib/postgres.ts"
import { cpuMeter, procCpuSeconds, procMemory } from "../lib/processes.ts"
import { figure } from "../lib/results.ts"
import { mib } from "../lib/stats.ts"
import type { Scenario } from "./index.ts"

export const webhooks: Scenario = {
  name: "webhooks",
  title: "Webhook bots: idle cost of N registered, POST → reply latency at 2,000 updates/s",
  run: async (ctx) => {
    const botCount = ctx.quick ? 300 : 10_000
    const loadBots = 200
    const rate = 2_000
    const loadSeconds = ctx.quick ? 3 : 10
    const idleWindowMs = ctx.quick ? 5_000 : 30_000
    const db = await ctx.database()
    const emulator = await ctx.emulator()
    const bots = await emulator.createBots(botCount)
    await seedBots(db, bots)
    const forkedAt = Date.now()
    const bf = await startBotfleet(ctx.scope, { db, emulator, app: "echo", env: { INGEST_MODE: "webhook" } })
    const registerTimeoutMs = Math.max(120_000, 10 * botCount)
    let registered = 0
    let registeredAt: number | null = null
    while (Date.now() - forkedAt < registerTimeoutMs) {
      if (!bf.proc.isRunning()) throw new Error(`botfleet exited:\n${bf.proc.output().slice(-4000)}`)
      registered = await emulator.webhooksSet(bf.httpUrl)
      if (registered >= botCount) {
        registeredAt = Date.now()
        break
      }
      await sleep(200)
    }
    if (registeredAt === null)
      throw new Error(
        `only ${registered}/${botCount} webhooks set after ${registerTimeoutMs} ms:\n${bf.proc.output().slice(-3000)}`
      )
    const toRegisteredS = (registeredAt - forkedAt) / 1000
    const summaryAfter = await emulator.summary()
    ctx.log(
      `${botCount} webhooks set ${toRegisteredS.toFixed(1)} s after process start (long polls in flight: ${summaryAfter.activePolls})`
    )

    // ---------------------------------------------------------------- idle
    await sleep(ctx.quick ? 2_000 : 5_000)
    await bf.lagReset()
    const idleCpu = cpuMeter({ botfleet: () => [bf.proc.pid] })
    await sleep(idleWindowMs)
    const idleCpuRead = idleCpu.stop()
    const idleLag = await bf.lagRead()
    const idleMem = procMemory(bf.proc.pid)
    const idleCpuPct = ((idleCpuRead.seconds.botfleet ?? 0) / idleCpuRead.wallSeconds) * 100
    const idleMetrics = await bf.metrics()
    ctx.log(
      `idle, ${botCount} webhook bots: RSS ${mib(idleMem.rss).toFixed(0)} MiB (peak ${mib(idleMem.rssPeak).toFixed(0)}), ` +
        `heap ${mib(idleMetrics.get("nodejs_heap_size_used_bytes") ?? 0).toFixed(0)} MiB, CPU ${idleCpuPct.toFixed(1)} %, lag p99 ${idleLag.p99.toFixed(1)} ms`
    )

    // ---------------------------------------------------------------- load
    const tokens = bots.slice(0, loadBots).map((b) => b.token)
    const w = await emulator.load(
      { tokens, total: loadBots * (ctx.quick ? 2 : 5), kind: "echo", uniqueUsers: true, ratePerSecond: 1_000 },
      120_000
    )
    if (w.timedOut) throw new Error(`warm-up did not complete (${w.replied}/${w.injected})`)
    ctx.log(`warm-up: ${w.injected} updates at 1,000/s, p50 ${w.latencyMs.p50} ms, p99 ${w.latencyMs.p99} ms`)
    const meter = cpuMeter({
      botfleet: () => [bf.proc.pid],
      postgres: ctx.pg.pids,
      emulator: () => [emulator.proc.pid]
    })
    await bf.lagReset()
    const total = rate * loadSeconds
    // Where a backlog waits: still queued at the emulator (not yet POSTed and answered 200)
    // or stored in botfleet's inbox and not yet handled.
    const backlog: Array<{ atS: number; emulatorQueued: number; inboxUnfinished: number }> = []
    const sql = openSql(db.url, 1)
    let loading = true
    const loadStarted = Date.now()
    const sampling = (async () => {
      while (loading) {
        const [summary, rows] = await Promise.all([
          emulator.summary(),
          sql.query<{ n: number }>("SELECT count(*)::int AS n FROM update_inbox")
        ])
        backlog.push({
          atS: (Date.now() - loadStarted) / 1000,
          emulatorQueued: summary.pendingUpdates,
          inboxUnfinished: Number(rows[0]?.n ?? 0)
        })
        await sleep(500)
      }
    })()
    const r = await emulator
      .load({ tokens, total, kind: "echo", uniqueUsers: true, ratePerSecond: rate }, loadSeconds * 1000 + 120_000)
      .finally(() => (loading = false))
    await sampling.finally(() => sql.close())
    const peak = (k: "emulatorQueued" | "inboxUnfinished") => Math.max(0, ...backlog.map((b) => b[k]))
    const loadLag = await bf.lagRead()
    const cpu = meter.stop()
    const cpuMsPerUpdate = Object.fromEntries(
      Object.entries(cpu.seconds).map(([k, v]) => [k, r.replied > 0 ? (v * 1000) / r.replied : 0])
    )
    const achieved = r.durationMs ? (r.replied * 1000) / r.durationMs : null
    const stats = await Promise.all(tokens.slice(0, 5).map((t) => emulator.stats(t)))
    ctx.log(
      `load ${rate}/s for ${loadSeconds} s over ${loadBots} bots: ${r.replied}/${r.injected} replied, ${achieved?.toFixed(0) ?? "n/a"}/s; ` +
        `p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms; injection lag max ${r.maxScheduleLagMs.toFixed(0)} ms; ` +
        `CPU per update ${Object.entries(cpuMsPerUpdate)
          .map(([k, v]) => `${k} ${v.toFixed(2)} ms`)
          .join(", ")}; lag p99 ${loadLag.p99.toFixed(1)} ms; ` +
        `backlog peak: ${peak("emulatorQueued")} queued at the emulator, ${peak("inboxUnfinished")} unfinished in the inbox`
    )
    // Past capacity the latency is queueing: also measure at half the rate handled.
    let lower: { rate: number; result: typeof r } | undefined
    if (achieved !== null && achieved < rate * 0.9) {
      const half = Math.max(50, Math.floor(achieved / 2 / 50) * 50)
      await sleep(2_000)
      const result = await emulator.load(
        { tokens, total: half * loadSeconds, kind: "echo", uniqueUsers: true, ratePerSecond: half },
        loadSeconds * 1000 + 120_000
      )
      lower = { rate: half, result }
      ctx.log(
        `load ${half}/s for ${loadSeconds} s: p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms`
      )
    }
    const finalSummary = await emulator.summary()
    return {
      parameters: {
        bots: botCount,
        loadBots,
        ratePerSecond: rate,
        loadSeconds,
        idleWindowSeconds: idleWindowMs / 1000,
        handler: "ctx.reply(ctx.message.text)",
        ingest: "INGEST_MODE=webhook, PUBLIC_URL=http://127.0.0.1:<HTTP_PORT>",
        usersAreNew: true,
        emulatorRules:
          "all on (flood control included) except webhookPublicUrl (off by default: loopback URLs allowed); botfleet's send pacing on"
      },
      figures: [
        figure(
          `${botCount.toLocaleString("en-US")} webhook bots: process start → all webhooks set`,
          toRegisteredS,
          "s"
        ),
        figure(`${botCount.toLocaleString("en-US")} webhook bots: idle RSS`, mib(idleMem.rss), "MiB", {
          target: { op: "<=", value: 256 },
          note: `peak incl. start-up ${mib(idleMem.rssPeak).toFixed(0)} MiB`
        }),
        figure(`${botCount.toLocaleString("en-US")} webhook bots: idle CPU`, idleCpuPct, "%", {
          note: "100 % = one core"
        }),
        figure(
          `load over ${loadBots} bots: updates/s handled at ${rate.toLocaleString("en-US")}/s offered`,
          r.timedOut ? null : achieved,
          "/s",
          {
            digits: 0,
            target: { op: ">=", value: 2000 }
          }
        ),
        figure(`load over ${loadBots} bots: inject → reply p50`, r.latencyMs.p50, "ms", { digits: 0 }),
        figure(`load over ${loadBots} bots: inject → reply p99`, r.timedOut ? null : r.latencyMs.p99, "ms", {
          digits: 0,
          target: { op: "<=", value: 100 },
          note: "includes the emulator queueing and POSTing each update (an upper bound of POST → reply)"
        }),
        ...(lower
          ? [
              figure(
                `load over ${loadBots} bots: inject → reply p50 at ${lower.rate}/s (half the rate handled)`,
                lower.result.latencyMs.p50,
                "ms",
                { digits: 0 }
              ),
              figure(
                `load over ${loadBots} bots: inject → reply p99 at ${lower.rate}/s (half the rate handled)`,
                lower.result.timedOut ? null : lower.result.latencyMs.p99,
                "ms",
                { digits: 0 }
              )
            ]
          : []),
        figure("CPU per update, botfleet process (load)", cpuMsPerUpdate.botfleet ?? null, "ms", {
          digits: 2,
          note: `plus ${cpuMsPerUpdate.postgres?.toFixed(2)} ms PostgreSQL, ${cpuMsPerUpdate.emulator?.toFixed(2)} ms emulator`
        })
      ],
      data: {
        registration: { seconds: toRegisteredS, activePollsAfter: summaryAfter.activePolls },
        idle: {
          rssMiB: mib(idleMem.rss),
          rssPeakMiB: mib(idleMem.rssPeak),
          pssMiB: mib(idleMem.pss),
          heapUsedMiB: mib(idleMetrics.get("nodejs_heap_size_used_bytes") ?? 0),
          cpuPercent: idleCpuPct,
          lagMs: idleLag,
          windowSeconds: idleCpuRead.wallSeconds
        },
        warmup: w,
        load: { ...r, achievedRatePerSecond: achieved, cpu, cpuMsPerUpdate, lagMs: loadLag, backlog },
        lower: lower ?? null,
        sampleBotStats: stats,
        emulator: { floodRefusals: (finalSummary as unknown as { floodRefusals?: number }).floodRefusals ?? null },
        botfleetCpuSecondsTotal: procCpuSeconds(bf.proc.pid),
        botfleetLogTail: bf.proc.output().slice(-3000)
      }
    }
  }
}
