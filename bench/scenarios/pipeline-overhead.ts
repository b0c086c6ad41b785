/**
 * Pipeline overhead: updates/s through botfleet (its whole per-update path:
 * at-least-once supplier with its window of 100, per-chat sequentialize, a
 * tenant transaction that records the update id, the handler, commit) against
 * a bare grammY bot run with `run(bot)` from @grammyjs/runner — the same echo
 * handler (`ctx.reply(ctx.message.text)`), the same emulator, in the same run.
 *
 * One bot each. A burst of messages spread evenly over C chats is injected at
 * once; the rate is messages / (last reply − injection), both timestamps taken
 * by the emulator. 20,000 messages a burst (was 5,000): a burst then lasts
 * 3-6 s, not about one second, and the ratio stops swinging with the machine's
 * moment (0.54-0.76 between runs minutes apart at 5,000; 0.48-0.53 at 20,000).
 * Rounds alternate which system goes first; the median per system is reported,
 * and botfleet ÷ bare as the ratio.
 *
 * Telegram's flood control is OFF in the emulator for this figure only (every
 * other emulator rule stays on): one bot may send about 30 messages a second
 * on Telegram, so with it on both systems would measure that limit, not their
 * per-update cost. botfleet's own send pacing (src/telegram/send-pace.ts, 25
 * messages a second per bot) is switched off with it (TELEGRAM_SEND_PACING=off
 * for this scenario's botfleet process): pacing to limits the emulator does not
 * enforce here would measure the pace, not the pipeline; the bare runner has no
 * pacing either. The figures say so.
 */
import { samplePool, seedBots, sleep, startBare, startBotfleet } from "../lib/harness.ts"
import type { LoadResult } from "../lib/harness.ts"
import { cpuMeter } from "../lib/processes.ts"
import { figure } from "../lib/results.ts"
import type { Figure } from "../lib/results.ts"
import { median } from "../lib/stats.ts"
import type { Scenario } from "./index.ts"

export const pipelineOverhead: Scenario = {
  name: "pipeline-overhead",
  title: "Updates/s through botfleet vs bare grammY runner (echo)",
  run: async (ctx) => {
    const chatLevels = [50, 500]
    const total = ctx.quick ? 1_000 : 20_000
    const rounds = ctx.quick ? 1 : 3
    const warmup = ctx.quick ? 300 : 1_000
    const db = await ctx.database()
    const emulator = await ctx.emulator()
    const [fleetBot, bareBot] = await emulator.createBots(2)
    // Flood control off for these two bots: this figure is pipeline cost, not Telegram's 30 messages/s per bot.
    for (const bot of [fleetBot!, bareBot!]) await emulator.setRules(bot.token, { floodControl: false })
    await seedBots(db, [fleetBot!])
    // …and botfleet's own pacing to those limits off with it (the bare grammY runner has none).
    const bf = await startBotfleet(ctx.scope, { db, emulator, app: "echo", env: { TELEGRAM_SEND_PACING: "off" } })
    const bareProc = startBare(ctx.scope, "bare-grammy", [bareBot!.token], emulator)
    const pidOf = { botfleet: bf.proc.pid, bare: bareProc.pid }
    await emulator.waitPolling(2, 60_000)
    const systems = { botfleet: fleetBot!.token, bare: bareBot!.token } as const

    for (const [name, token] of Object.entries(systems)) {
      const w = await emulator.load({ tokens: [token], total: warmup, kind: "echo", chatsPerBot: 50 }, 60_000)
      if (w.timedOut) throw new Error(`${name}: warm-up did not complete (${w.replied}/${w.injected} replies)`)
    }

    type Sample = LoadResult & {
      cpuSeconds: Record<string, number>
      cpuMsPerUpdate: Record<string, number>
      databaseConnections: { maxOpen: number; maxBusy: number; meanBusy: number }
    }
    const samples: Record<string, Record<"botfleet" | "bare", Array<Sample>>> = {}
    const figures: Array<Figure> = []
    const ratios: Record<string, number | null> = {}
    for (const chats of chatLevels) {
      const runs = { botfleet: [] as Array<Sample>, bare: [] as Array<Sample> }
      for (let round = 0; round < rounds; round++) {
        const order =
          (round + chatLevels.indexOf(chats)) % 2 === 0
            ? (["bare", "botfleet"] as const)
            : (["botfleet", "bare"] as const)
        for (const system of order) {
          await sleep(500)
          const meter = cpuMeter({
            system: () => [pidOf[system]],
            postgres: ctx.pg.pids,
            emulator: () => [emulator.proc.pid]
          })
          const { result: r, pool } = await samplePool(
            db,
            emulator.load({ tokens: [systems[system]], total, kind: "echo", chatsPerBot: chats }, 120_000)
          )
          const cpu = meter.stop().seconds
          if (r.timedOut) ctx.log(`${system} @ ${chats} chats: timed out with ${r.replied}/${r.injected} replies`)
          const perUpdate = Object.fromEntries(
            Object.entries(cpu).map(([k, v]) => [k, r.replied > 0 ? (v * 1000) / r.replied : 0])
          )
          runs[system].push({ ...r, cpuSeconds: cpu, cpuMsPerUpdate: perUpdate, databaseConnections: pool })
          ctx.log(
            `${system} @ ${chats} chats/bot, round ${round + 1}: ${r.updatesPerSecond?.toFixed(0) ?? "n/a"} updates/s; ` +
              `CPU per update ${perUpdate.system!.toFixed(2)} ms (+ PostgreSQL ${perUpdate.postgres!.toFixed(2)} ms, emulator ${perUpdate.emulator!.toFixed(2)} ms)` +
              (system === "botfleet" ? `; db connections busy max ${pool.maxBusy}, mean ${pool.meanBusy}` : "")
          )
        }
      }
      samples[chats] = runs
      const rate = (rs: Array<Sample>) =>
        rs.some((r) => r.timedOut) ? null : median(rs.map((r) => r.updatesPerSecond ?? 0))
      const fleet = rate(runs.botfleet)
      const bare = rate(runs.bare)
      const ratio = fleet !== null && bare !== null && bare > 0 ? fleet / bare : null
      ratios[chats] = ratio
      const cpuOf = (rs: Array<Sample>, key: string) => median(rs.map((r) => r.cpuMsPerUpdate[key] ?? 0))
      figures.push(
        figure(`${chats} chats/bot: botfleet updates/s`, fleet, "/s"),
        figure(`${chats} chats/bot: bare grammY runner updates/s`, bare, "/s"),
        figure(`${chats} chats/bot: botfleet ÷ bare`, ratio, "×", {
          target: { op: ">=", value: 0.8 },
          note: "Telegram's flood control off in the emulator for this figure (both systems alike), and botfleet's send pacing off with it (TELEGRAM_SEND_PACING=off)"
        }),
        figure(`${chats} chats/bot: CPU per update, botfleet process`, cpuOf(runs.botfleet, "system"), "ms", {
          digits: 2,
          note: `plus ${cpuOf(runs.botfleet, "postgres")?.toFixed(2)} ms of PostgreSQL CPU per update`
        }),
        figure(`${chats} chats/bot: CPU per update, bare grammY process`, cpuOf(runs.bare, "system"), "ms", {
          digits: 2
        })
      )
    }
    return {
      parameters: {
        bots: 1,
        chatLevels,
        messagesPerBurst: total,
        rounds,
        warmup,
        handler: "ctx.reply(ctx.message.text)",
        emulatorRules: "all on, except floodControl (off for both bots: the figure is per-update cost)",
        botfleetEnv: "TELEGRAM_SEND_PACING=off (no pacing to flood limits the emulator does not enforce here)",
        bareRunner: "run(bot) (@grammyjs/runner defaults)"
      },
      figures,
      data: { ratios, samples, botfleetLogBytes: bf.proc.outputBytes(), botfleetLogTail: bf.proc.output().slice(-2000) }
    }
  }
}
