/**
 * The deployment users would pick instead: one Node process per bot, each a
 * bare grammY bot (`run(bot)`, echo handler) — the single-tenant deployment of
 * the original bot, minus its database pool, so this baseline is a lower bound
 * on its memory. Against botfleet (real tenant app) running the same number of
 * bots in one process.
 *
 * Memory per bot: RSS (and PSS) from /proc after every bot polls and a settle
 * pause. Per-process RSS counts the shared Node binary pages in every process,
 * which is what each container of a container-per-bot deployment is charged;
 * PSS splits shared pages between the processes, which is what one host running
 * all of them pays. Both ratios are reported.
 */
import { seedBots, sleep, startBare, startBotfleet } from "../lib/harness.ts"
import { procMemory } from "../lib/processes.ts"
import type { Managed } from "../lib/processes.ts"
import { figure } from "../lib/results.ts"
import { mib, summarize } from "../lib/stats.ts"
import type { Scenario } from "./index.ts"

export const baselineProcessPerBot: Scenario = {
  name: "baseline-process-per-bot",
  title: "One process per bot vs botfleet, memory per bot",
  run: async (ctx) => {
    const count = 50
    const settleMs = ctx.quick ? 2_000 : 10_000
    const db = await ctx.database()
    const emulator = await ctx.emulator()
    const bots = await emulator.createBots(count * 2)
    const bareBots = bots.slice(0, count)
    const fleetBots = bots.slice(count)

    // Started a few at a time, as a process manager would; all 50 then run together.
    const procs: Array<Managed> = []
    const startedAt = Date.now()
    for (let i = 0; i < bareBots.length; i += 5) {
      for (const b of bareBots.slice(i, i + 5))
        procs.push(startBare(ctx.scope, `bare-${procs.length + 1}`, [b.token], emulator))
      await emulator.waitPolling(Math.min(i + 5, count), 60_000, 25)
    }
    const bareAllPollingS = (Date.now() - startedAt) / 1000
    await sleep(settleMs)
    const bareMem = procs.map((p) => procMemory(p.pid))
    for (const p of procs) await p.stop({ timeoutMs: 5_000 })
    const bareRss = summarize(bareMem.map((m) => mib(m.rss)))
    const barePss = summarize(bareMem.map((m) => mib(m.pss)))
    ctx.log(`${count} bare grammY processes: mean RSS ${bareRss.mean} MiB, mean PSS ${barePss.mean} MiB each`)

    await seedBots(db, fleetBots)
    const bf = await startBotfleet(ctx.scope, { db, emulator, app: "tenant" })
    await emulator.waitPolling(count, 60_000, 25)
    const fleetAllPollingS = (Date.now() - bf.proc.spawnedAt) / 1000
    await sleep(settleMs)
    const fleetMem = procMemory(bf.proc.pid)
    ctx.log(
      `botfleet with ${count} bots: RSS ${mib(fleetMem.rss).toFixed(0)} MiB, PSS ${mib(fleetMem.pss).toFixed(0)} MiB`
    )

    const perBotBareRss = bareRss.mean ?? 0
    const perBotBarePss = barePss.mean ?? 0
    const perBotFleetRss = mib(fleetMem.rss) / count
    const perBotFleetPss = mib(fleetMem.pss) / count
    return {
      parameters: {
        bots: count,
        settleMs,
        bareHandler: "ctx.reply(ctx.message.text)",
        botfleetApp: "tenant (src/bot/app.ts)"
      },
      figures: [
        figure(`one process per bot: memory per bot (RSS)`, perBotBareRss, "MiB", { digits: 1 }),
        figure(`botfleet, ${count} bots in one process: memory per bot (RSS ÷ ${count})`, perBotFleetRss, "MiB", {
          digits: 2
        }),
        figure(`memory per bot, process-per-bot ÷ botfleet (RSS)`, perBotBareRss / perBotFleetRss, "×", { digits: 1 }),
        figure(`memory per bot, process-per-bot ÷ botfleet (PSS)`, perBotBarePss / perBotFleetPss, "×", { digits: 1 })
      ],
      data: {
        bare: {
          rssMiB: bareRss,
          pssMiB: barePss,
          totalRssMiB: bareMem.reduce((a, m) => a + mib(m.rss), 0),
          allPollingSeconds: bareAllPollingS
        },
        botfleet: {
          rssMiB: mib(fleetMem.rss),
          pssMiB: mib(fleetMem.pss),
          rssPeakMiB: mib(fleetMem.rssPeak),
          allPollingSeconds: fleetAllPollingS
        },
        chart: {
          baselinePerProcessMiB: perBotBareRss,
          baselineMeasuredBots: count,
          botfleet: { bots: count, rssMiB: mib(fleetMem.rss) }
        }
      }
    }
  }
}
