/**
 * Idle density: N polling bots in ONE botfleet process (the real tenant app,
 * 30-s long polls as in production), the emulator in another process.
 *
 * - time to all polling: from fork() of the botfleet process to the emulator
 *   seeing N bots with a getUpdates in flight (its fleet summary, every 100 ms);
 *   and the CPU per bot started, in botfleet, the emulator and PostgreSQL, from
 *   the first bots polling (botfleet booted) to the last: what a hand-over's
 *   successors pay per bot;
 * - then a settle pause and a steady window, scraped like Prometheus would
 *   (every 15 s; 2 s in quick mode): CPU % = Δ process_cpu_seconds_total ÷ Δ wall
 *   time (100 % = one core); RSS and heap from process_resident_memory_bytes and
 *   nodejs_heap_size_used_bytes (last scrape); peak RSS from /proc VmHWM
 *   (includes start-up); event-loop lag p99 over the whole window from a
 *   histogram inside the process (monitorEventLoopDelay, its 10-ms sampling
 *   interval subtracted); the product's botfleet_event_loop_lag_seconds per
 *   scrape, and how long each scrape took, are kept in the JSON.
 *
 * A size that does not reach all-polling within its deadline is recorded as
 * such (with how far it got) and the next size still runs.
 */
import * as fs from "node:fs"
import type { ScenarioContext } from "../lib/harness.ts"
import { Scope, TRANSPORTS, benchTransport, makeContext, seedBots, startBotfleet } from "../lib/harness.ts"
import type { Botfleet, Transport } from "../lib/harness.ts"
import { procCpuSeconds, procMemory } from "../lib/processes.ts"
import { figure } from "../lib/results.ts"
import type { Figure } from "../lib/results.ts"
import { median, mib, sleep } from "../lib/stats.ts"
import type { Scenario } from "./index.ts"

const GiB_MiB = 1024

/** This process's open-files limit (children inherit it): one socket per polling bot, in botfleet and in the emulator. */
const openFilesLimit = (): number | null => {
  try {
    const line = fs
      .readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"))
    const soft = Number(line?.split(/\s{2,}/)[1])
    return Number.isFinite(soft) ? soft : null
  } catch {
    return null
  }
}

/** Sockets a process holds open (/proc/<pid>/fd links to socket:[…]); null where /proc cannot tell. */
const socketsOf = (pid: number): number | null => {
  try {
    let n = 0
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")) n++
      } catch {
        // closed meanwhile
      }
    }
    return n
  } catch {
    return null
  }
}

const timedMetrics = async (bf: Botfleet) => {
  const started = performance.now()
  const metrics = await bf.metrics()
  return { metrics, ms: Math.round(performance.now() - started) }
}

interface SizeRun {
  readonly bots: number
  readonly transport: Transport
  /** botfleet's sockets, and the emulator's client connections, at the end of the window */
  readonly sockets?: { readonly botfleet: number | null; readonly emulatorConnections: number }
  readonly allPolling: boolean
  readonly error?: string
  readonly timeToAllPollingSeconds: number | null
  readonly rssMiB: number | null
  readonly rssPeakMiB: number | null
  readonly heapUsedMiB: number | null
  readonly cpuPercent: number | null
  readonly lagP99Ms: number | null
  /** CPU per bot started, in ms, by process (set when every bot polled) */
  readonly startCpuMsPerBot?: {
    readonly botfleet: number | null
    readonly emulator: number | null
    readonly postgres: number | null
  }
  readonly [key: string]: unknown
}

/** Milliseconds of CPU, over all three processes, per bot brought up (null when not all polled). */
const startCpuTotal = (r: SizeRun): number | null => {
  const c = r.startCpuMsPerBot
  return c && c.botfleet !== null && c.emulator !== null && c.postgres !== null
    ? c.botfleet + c.emulator + c.postgres
    : null
}

const measure = async (outer: ScenarioContext, n: number, transport: Transport): Promise<SizeRun> => {
  const scope = new Scope()
  const ctx = makeContext(outer.mode, outer.pg, scope, outer.log)
  let bf: Botfleet | undefined
  try {
    const windowMs = ctx.quick ? 6_000 : 60_000
    const settleMs = ctx.quick ? 1_000 : 5_000
    const scrapeEveryMs = ctx.quick ? 2_000 : 15_000
    const deadlineMs = Math.max(120_000, n * 6)
    const db = await ctx.database()
    const emulator = await ctx.emulator(transport)
    const bots = await emulator.createBots(n)
    await seedBots(db, bots)
    const pgCpu = () => ctx.pg.pids().reduce((sum, pid) => sum + procCpuSeconds(pid), 0)
    bf = await startBotfleet(scope, { db, emulator, app: "tenant" })
    const spawnedAt = bf.proc.spawnedAt
    // CPU of the three processes when the first bots poll (botfleet has booted), to measure the starts alone.
    let firstPolls: { polling: number; botfleet: number; emulator: number; postgres: number } | undefined

    let polling = 0
    let allPollingAt: number | null = null
    const progress: Array<{ atS: number; polling: number }> = []
    while (Date.now() - spawnedAt < deadlineMs) {
      if (!bf.proc.isRunning()) throw new Error(`botfleet exited:\n${bf.proc.output().slice(-3000)}`)
      polling = (await emulator.summary()).activePolls
      if (firstPolls === undefined && polling > 0) {
        firstPolls = {
          polling,
          botfleet: procCpuSeconds(bf.proc.pid),
          emulator: procCpuSeconds(emulator.proc.pid),
          postgres: pgCpu()
        }
      }
      if (progress.length === 0 || Date.now() - spawnedAt - progress[progress.length - 1]!.atS * 1000 >= 5_000) {
        progress.push({ atS: (Date.now() - spawnedAt) / 1000, polling })
      }
      if (polling >= n) {
        allPollingAt = Date.now()
        break
      }
      await sleep(100)
    }
    const startupLag = await bf.lagRead()
    if (allPollingAt === null) {
      const { metrics, ms } = await timedMetrics(bf).catch(() => ({ metrics: new Map<string, number>(), ms: -1 }))
      const mem = procMemory(bf.proc.pid)
      const summary = await emulator.summary()
      ctx.log(
        `${n} bots: only ${polling} polling after ${deadlineMs / 1000} s (botfleet_bots_running ${metrics.get("botfleet_bots_running")}, ` +
          `emulator saw ${summary.totalCalls} API calls), RSS ${mib(mem.rss).toFixed(0)} MiB`
      )
      return {
        bots: n,
        transport,
        allPolling: false,
        timeToAllPollingSeconds: null,
        pollingAtDeadline: polling,
        deadlineSeconds: deadlineMs / 1000,
        rssMiB: mib(mem.rss),
        rssPeakMiB: mib(mem.rssPeak),
        heapUsedMiB: metrics.has("nodejs_heap_size_used_bytes")
          ? mib(metrics.get("nodejs_heap_size_used_bytes")!)
          : null,
        cpuPercent: null,
        lagP99Ms: null,
        startupLagMs: startupLag,
        botsRunningMetric: metrics.get("botfleet_bots_running") ?? null,
        bucketsOwnedMetric: metrics.get("botfleet_buckets_owned") ?? null,
        scrapeMs: ms,
        emulator: {
          totalCalls: summary.totalCalls,
          getUpdatesCalls: summary.getUpdatesCalls,
          activePolls: summary.activePolls
        },
        progress,
        logTail: bf.proc.output().slice(-3000)
      }
    }
    // The machine's CPU to bring one bot up (what a hand-over pays per bot on the
    // successors), from the first bots polling to the last.
    const started = n - (firstPolls?.polling ?? 0)
    const perBot = (now: number, then: number | undefined) =>
      started > 0 && then !== undefined ? ((now - then) * 1000) / started : null
    const startCpuMsPerBot = {
      botfleet: perBot(procCpuSeconds(bf.proc.pid), firstPolls?.botfleet),
      emulator: perBot(procCpuSeconds(emulator.proc.pid), firstPolls?.emulator),
      postgres: perBot(pgCpu(), firstPolls?.postgres)
    }
    const toAllPollingS = (allPollingAt - spawnedAt) / 1000
    ctx.log(
      `${n} bots: all polling ${toAllPollingS.toFixed(1)} s after process start; CPU per bot started (ms): ${JSON.stringify(startCpuMsPerBot, (_k, v) => (typeof v === "number" ? Math.round(v * 1000) / 1000 : v))}`
    )
    const startupPeak = procMemory(bf.proc.pid).rssPeak

    await sleep(settleMs)
    const first = await timedMetrics(bf)
    const t0 = Date.now()
    const emuCpu0 = procCpuSeconds(emulator.proc.pid)
    await bf.lagReset()
    const scrapes: Array<{
      atS: number
      scrapeMs: number
      rssMiB: number
      heapUsedMiB: number
      lagMetricMs: number
      botsRunning: number
      activePolls: number
    }> = []
    let last = first.metrics
    while (Date.now() - t0 < windowMs) {
      await sleep(Math.max(0, Math.min(scrapeEveryMs, windowMs - (Date.now() - t0))))
      const scraped = await timedMetrics(bf)
      last = scraped.metrics
      const summary = await emulator.summary()
      scrapes.push({
        atS: (Date.now() - t0) / 1000,
        scrapeMs: scraped.ms,
        rssMiB: mib(last.get("process_resident_memory_bytes") ?? 0),
        heapUsedMiB: mib(last.get("nodejs_heap_size_used_bytes") ?? 0),
        lagMetricMs: (last.get("botfleet_event_loop_lag_seconds") ?? 0) * 1000,
        botsRunning: last.get("botfleet_bots_running") ?? 0,
        activePolls: summary.activePolls
      })
    }
    const t1 = Date.now()
    const lag = await bf.lagRead()
    const emuCpu1 = procCpuSeconds(emulator.proc.pid)
    const mem = procMemory(bf.proc.pid)
    const summary = await emulator.summary()
    const sockets = { botfleet: socketsOf(bf.proc.pid), emulatorConnections: await emulator.connections() }
    const cpuPct =
      (((last.get("process_cpu_seconds_total") ?? 0) - (first.metrics.get("process_cpu_seconds_total") ?? 0)) /
        ((t1 - t0) / 1000)) *
      100
    const logBytes = bf.proc.outputBytes()
    const stop = await bf.stop()
    ctx.log(
      `${n} bots (${transport}): RSS ${mib(mem.rss).toFixed(0)} MiB (peak ${mib(mem.rssPeak).toFixed(0)}), CPU ${cpuPct.toFixed(1)} %, lag p99 ${lag.p99.toFixed(1)} ms; sockets: botfleet ${sockets.botfleet}, emulator connections ${sockets.emulatorConnections}; graceful stop ${stop.ms} ms`
    )
    return {
      bots: n,
      transport,
      sockets,
      allPolling: true,
      timeToAllPollingSeconds: toAllPollingS,
      startCpuMsPerBot,
      steadyWindowSeconds: (t1 - t0) / 1000,
      rssMiB: scrapes.length > 0 ? scrapes[scrapes.length - 1]!.rssMiB : mib(mem.rss),
      rssMaxInWindowMiB: Math.max(...scrapes.map((s) => s.rssMiB)),
      rssPeakMiB: mib(Math.max(mem.rssPeak, startupPeak)),
      pssMiB: mib(mem.pss),
      heapUsedMiB: mib(last.get("nodejs_heap_size_used_bytes") ?? 0),
      cpuPercent: cpuPct,
      lagP99Ms: lag.p99,
      emulatorCpuPercent: ((emuCpu1 - emuCpu0) / ((t1 - t0) / 1000)) * 100,
      lagMs: lag,
      startupLagMs: startupLag,
      lagMetricMs: {
        median: median(scrapes.map((s) => s.lagMetricMs)),
        max: Math.max(...scrapes.map((s) => s.lagMetricMs))
      },
      scrapeMs: { median: median(scrapes.map((s) => s.scrapeMs)), max: Math.max(...scrapes.map((s) => s.scrapeMs)) },
      botsRunningMetric: last.get("botfleet_bots_running") ?? null,
      botUpSeries: last.get("botfleet_bot_up#series") ?? null,
      emulator: {
        activePollsAtEnd: summary.activePolls,
        minActivePollsInWindow: Math.min(...scrapes.map((s) => s.activePolls)),
        conflicts: summary.conflicts,
        botsWithOverlappingPolls: summary.botsWithOverlappingPolls,
        unauthorized: summary.unauthorized
      },
      logBytes,
      gracefulStopMs: stop.ms,
      stopKilled: stop.killed,
      progress,
      scrapes
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    ctx.log(`${n} bots: failed: ${message.split("\n")[0]}`)
    return {
      bots: n,
      transport,
      allPolling: false,
      error: message,
      timeToAllPollingSeconds: null,
      rssMiB: null,
      rssPeakMiB: null,
      heapUsedMiB: null,
      cpuPercent: null,
      lagP99Ms: null,
      logTail: bf?.proc.output().slice(-3000) ?? null
    }
  } finally {
    await scope.close()
  }
}

export const idleDensity: Scenario = {
  name: "idle-density",
  title: "Idle polling bots in one process",
  run: async (ctx) => {
    // BENCH_IDLE_SIZES=10000,25000 and BENCH_IDLE_TRANSPORTS=h2,http1,plain override the plan
    // (every size in every transport), for investigating one case.
    const sizes = process.env.BENCH_IDLE_SIZES?.split(",")
      .map(Number)
      .filter((x) => Number.isInteger(x) && x > 0)
    const transports = process.env.BENCH_IDLE_TRANSPORTS?.split(",")
      .map((t) => t.trim())
      .filter((t): t is Transport => TRANSPORTS.includes(t as Transport))
    const main = benchTransport()
    // Default: the run's transport (HTTPS + HTTP/2 unless --telegram says otherwise) at every
    // size, and 10,000 bots over the other two next to it (DESIGN §6 targets both TLS modes).
    const plan: Array<{ n: number; transport: Transport }> =
      (sizes && sizes.length > 0) || (transports && transports.length > 0)
        ? (sizes && sizes.length > 0 ? sizes : [10_000]).flatMap((n) =>
            (transports && transports.length > 0 ? transports : [main]).map((transport) => ({ n, transport }))
          )
        : ctx.quick
          ? [{ n: 1_000, transport: main }]
          : [
              ...[1_000, 5_000, 10_000, 25_000].map((n) => ({ n, transport: main })),
              ...TRANSPORTS.filter((t) => t !== main).map((transport) => ({ n: 10_000, transport }))
            ]
    const runs: Array<SizeRun> = []
    const figures: Array<Figure> = []
    const label = (t: Transport) => (t === "h2" ? "HTTP/2 TLS" : t === "http1" ? "HTTP/1.1 TLS" : "plain HTTP")
    for (const { n, transport } of plan) {
      const r = await measure(ctx, n, transport)
      runs.push(r)
      const openFiles = openFilesLimit()
      const k = `${n >= 1000 ? `${n / 1000}k` : String(n)} bots, ${label(transport)}`
      // DESIGN §6: 10,000 bots per replica (RSS ≤ 1 GiB over HTTP/1.1, ≤ 512 MiB over HTTP/2;
      // plain HTTP keeps the old 1 GiB), and 25,000 with HTTP/2 in 1 GiB, all polling ≤ 60 s.
      const withTarget = n <= 10_000 || transport === "h2"
      const rssTarget = n > 10_000 ? GiB_MiB : transport === "h2" ? 512 : GiB_MiB
      const why =
        r.error !== undefined
          ? { note: `${k}: ${r.error.split("\n")[0]}` }
          : !r.allPolling
            ? {
                note:
                  `${k}: only ${String(r.pollingAtDeadline)} of ${n} bots polling after ${String(r.deadlineSeconds)} s; memory taken then` +
                  (openFiles !== null && n >= openFiles
                    ? `; each HTTP/1.1 long poll holds a socket, and this machine allows a process ${openFiles} open files`
                    : "")
              }
            : undefined
      const target = (op: "<=" | ">=", value: number) => (withTarget ? { target: { op, value } } : {})
      const steady = r.allPolling ? "steady" : "when abandoned (not all polling)"
      const botfleetStartCpu = r.startCpuMsPerBot?.botfleet ?? null
      figures.push(
        figure(`${k}: RSS, ${steady}`, r.rssMiB, "MiB", target("<=", rssTarget)),
        figure(`${k}: RSS, peak incl. start-up`, r.rssPeakMiB, "MiB", target("<=", rssTarget)),
        figure(`${k}: heap used`, r.heapUsedMiB, "MiB"),
        figure(`${k}: CPU, idle (100 % = 1 core)`, r.cpuPercent, "%", { digits: 1 }),
        figure(`${k}: event-loop lag p99`, r.lagP99Ms, "ms", { digits: 1, ...target("<=", 50) }),
        figure(`${k}: process start → all polling`, r.timeToAllPollingSeconds, "s", {
          digits: 1,
          // beyond the stated targets, a size still fails when its bots do not all poll within the deadline
          ...(withTarget
            ? target("<=", n > 10_000 ? 60 : 30)
            : r.allPolling
              ? {}
              : { target: { op: "<=", value: Math.max(120, n * 0.006) } }),
          ...(why ?? {})
        }),
        figure(`${k}: connections to Telegram (the emulator's count)`, r.sockets?.emulatorConnections ?? null, "", {
          ...(transport === "h2" ? { target: { op: "<=" as const, value: n / 100 } } : {}),
          note: `botfleet's sockets in all (PostgreSQL, its own ports included): ${String(r.sockets?.botfleet ?? "?")}`
        }),
        figure(`${k}: CPU per bot started, botfleet`, botfleetStartCpu, "ms", {
          digits: 2,
          target: { op: "<=", value: 0.5 }
        }),
        figure(`${k}: CPU per bot started (botfleet + emulator + PostgreSQL)`, startCpuTotal(r), "ms", {
          digits: 2
        })
      )
    }
    return {
      parameters: {
        plan,
        app: "tenant (src/bot/app.ts)",
        pollTimeoutSeconds: 30,
        botStartsPerSecond: 1000,
        steadyWindowSeconds: ctx.quick ? 6 : 60,
        scrapeEverySeconds: ctx.quick ? 2 : 15
      },
      figures,
      data: {
        runs,
        chart: runs
          .filter((r) => r.allPolling && r.rssMiB !== null && r.transport === main)
          .map((r) => ({ bots: r.bots, rssMiB: r.rssMiB }))
      }
    }
  }
}
