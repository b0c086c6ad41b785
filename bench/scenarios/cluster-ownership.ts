/**
 * Cluster ownership with real runner processes (each the whole service, echo
 * app, 30-s long polls) on one database and one emulator, at each fleet size:
 *
 * 1. three runners start together and settle (every bot polled by a live
 *    runner, placement unchanged for 3 s): bots per runner, busiest/mean;
 * 2. crash failover — one of the three is killed with SIGKILL: per bot it ran,
 *    the time from the kill to its first getUpdates from a survivor;
 * 3. join — a runner joins the two survivors: the fraction of bots that move
 *    against the ideal 1/3, the time from the new runner's fork() to the last
 *    moved bot polling, bots that stay yet restart (status row restarted or a
 *    poll gap over 2 s), and "lock storage unhealthy" errors in any runner's log;
 * 4. graceful handoff — one of the three is stopped with SIGTERM while echo
 *    messages are paced at its bots: per bot, SIGTERM → first getUpdates from
 *    its successor, and the gap with no poller at all; messages lost or
 *    answered twice; the runner's exit code.
 *
 * BENCH_CLUSTER_SIZES=1000,10000 overrides the sizes (default: 300 in quick
 * mode, 1,000 and 10,000 in the full run).
 *
 * Throughout, the emulator counts 409s and tokens that ever had two getUpdates
 * in flight at once. Each size runs in its own processes and database.
 */
import type { ScenarioContext } from "../lib/harness.ts"
import { Scope, makeContext, seedBots } from "../lib/harness.ts"
import type { Emulator, Handover } from "../lib/harness.ts"
import { placement, spread, startRunner, startRunners, waitSettled } from "../lib/cluster.ts"
import type { ClusterRunner } from "../lib/cluster.ts"
import { openSql } from "../lib/postgres.ts"
import { cpuMeter } from "../lib/processes.ts"
import { figure } from "../lib/results.ts"
import type { Figure } from "../lib/results.ts"
import { sleep, summarize } from "../lib/stats.ts"
import type { Summary } from "../lib/stats.ts"
import type { Scenario } from "./index.ts"

const CRASH_TARGET_S = 15
const GRACEFUL_TARGET_S = 3
const JOIN_SETTLE_TARGET_S = 15
const SPREAD_TARGET = 1.15
const MOVED_TARGET_X_IDEAL = 1.5
/** A staying bot whose polls pause longer than this was restarted (between two long polls the gap is milliseconds). */
const STAYING_GAP_MS = 2_000

/**
 * Waits until every token has stopped and polled again after `from` (or the
 * time is up); per token, the hand-over seen. The first second is always
 * waited: the emulator may not have seen the old poller's connection close yet.
 */
const awaitHandovers = async (
  track: { handovers: (tokens: ReadonlyArray<string>, from: number) => Promise<Array<Handover>> },
  tokens: ReadonlyArray<string>,
  from: number,
  timeoutMs: number
) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const seen = await track.handovers(tokens, from)
    if ((Date.now() - from > 1_000 && seen.every((h) => h !== null && h.startedAt !== null)) || Date.now() > deadline)
      return seen
    await sleep(250)
  }
}

const conflictsNow = async (emulator: Emulator) => {
  const s = await emulator.summary()
  return { conflicts: s.conflicts, overlapping: s.botsWithOverlappingPolls }
}

const seconds = (ms: ReadonlyArray<number>) => ms.map((v) => Math.round(v) / 1000)

interface SizeResult {
  readonly bots: number
  readonly figures: Array<Figure>
  readonly data: Record<string, unknown>
  readonly crashSeconds: ReadonlyArray<number>
  readonly gracefulSeconds: ReadonlyArray<number>
}

const measure = async (outer: ScenarioContext, n: number): Promise<SizeResult> => {
  const scope = new Scope()
  const ctx = makeContext(outer.mode, outer.pg, scope, outer.log)
  try {
    const settleTimeoutMs = Math.max(90_000, n * 12)
    const db = await ctx.database()
    const emulator = await ctx.emulator()
    const bots = await emulator.createBots(n)
    const ids = await seedBots(db, bots)
    const tokenOf = new Map(ids.map((id, i) => [id, bots[i]!.token]))
    const tokens = (of: ReadonlyArray<number>) => of.map((id) => tokenOf.get(id)!)
    const sql = openSql(db.url, 2)
    scope.add(() => sql.close())
    const runners: Array<ClusterRunner> = []
    const alive = () => runners.filter((r) => r.alive())
    const settle = () => waitSettled({ sql, emulator, ids, runners: alive(), timeoutMs: settleTimeoutMs })
    const figures: Array<Figure> = []
    const label = (what: string) => `${n.toLocaleString("en-US")} bots: ${what}`

    // ---- 1. three runners
    const startedAt = Date.now()
    runners.push(...(await startRunners(scope, { labels: ["a", "b", "c"], db, emulator })))
    let settled = await settle()
    const startupS = (settled.since - startedAt) / 1000
    const steady = spread(settled.placement, ids, runners)
    ctx.log(`${n} bots on 3 runners after ${startupS.toFixed(1)} s: ${Object.values(steady.perRunner).join(" / ")}`)
    figures.push(
      figure(label("3 runners, busiest/mean"), steady.maxOverMean, "×", {
        digits: 2,
        target: { op: "<=", value: SPREAD_TARGET }
      })
    )
    const before = await conflictsNow(emulator)

    // ---- 2. crash failover
    const crashed = runners[0]!
    const crashedIds = ids.filter((id) => settled.placement.owner.get(id) === crashed.name)
    const crashTrack = await emulator.trackPolls(tokens(crashedIds))
    const killAt = Date.now()
    await crashed.bf.stop("SIGKILL")
    const crashSeen = await awaitHandovers(crashTrack, tokens(crashedIds), killAt, 90_000)
    await crashTrack.close()
    const crashMs = crashSeen.map((h) => (h?.startedAt ?? Number.POSITIVE_INFINITY) - killAt)
    const crash = summarize(crashMs)
    const crashMissing = crashMs.filter((v) => !Number.isFinite(v)).length
    ctx.log(
      `crash: ${crashedIds.length} bots polling elsewhere p50 ${crash.p50} ms p99 ${crash.p99} ms${crashMissing ? `, ${crashMissing} not within 90 s` : ""}`
    )
    settled = await settle()
    const afterCrash = await conflictsNow(emulator)

    // ---- 3. join
    const beforeJoin = settled.placement
    const joinTrack = await emulator.trackPolls(tokens(ids))
    const unhealthyBefore = runners.reduce((a, r) => a + r.unhealthyLines(), 0)
    const joinAt = Date.now()
    runners.push(await startRunner(scope, { label: "d", db, emulator }))
    settled = await settle()
    const afterJoin = settled.placement
    const moved = ids.filter((id) => afterJoin.owner.get(id) !== beforeJoin.owner.get(id))
    const staying = ids.filter((id) => afterJoin.owner.get(id) === beforeJoin.owner.get(id))
    const stayingGaps = await joinTrack.handovers(tokens(staying), joinAt)
    const restartedStaying = staying.filter((id, i) => {
      const gap = stayingGaps[i]
      return (
        afterJoin.startedAt.get(id) !== beforeJoin.startedAt.get(id) ||
        afterJoin.restarts.get(id) !== beforeJoin.restarts.get(id) ||
        (gap != null && (gap.startedAt ?? Date.now()) - gap.stoppedAt > STAYING_GAP_MS)
      )
    }).length
    const movedSeen = await joinTrack.handovers(tokens(moved), joinAt)
    await joinTrack.close()
    const movedStarts = movedSeen.map((h) => h?.startedAt ?? settled.since)
    const joinSettleS = moved.length === 0 ? 0 : (Math.max(...movedStarts) - joinAt) / 1000
    const unhealthy = runners.reduce((a, r) => a + r.unhealthyLines(), 0) - unhealthyBefore
    const movedFraction = moved.length / n
    const ideal = 1 / 3
    const afterJoinConflicts = await conflictsNow(emulator)
    ctx.log(
      `join: ${moved.length} moved (${(movedFraction * 100).toFixed(1)} %, ideal 33.3 %), settled ${joinSettleS.toFixed(1)} s, ` +
        `${restartedStaying} staying bots restarted, ${unhealthy} lock-storage-unhealthy lines`
    )

    // ---- 4. graceful handoff, with messages in flight
    // The busiest runner left alive (runner b, unless the placement left it empty: then the
    // measurement still hands real bots over instead of failing on an empty set).
    const ownedBy = (r: ClusterRunner) => ids.filter((id) => settled.placement.owner.get(id) === r.name)
    const leaving = alive().reduce((best, r) => (ownedBy(r).length > ownedBy(best).length ? r : best), runners[1]!)
    const leavingIds = ownedBy(leaving)
    const leavingTokens = tokens(leavingIds)
    const graceTrack = await emulator.trackPolls(leavingTokens)
    const rate = ctx.quick ? 100 : 200
    const loadSeconds = 6
    const load = emulator.load(
      { tokens: leavingTokens, total: rate * loadSeconds, kind: "echo", chatsPerBot: 1, ratePerSecond: rate },
      120_000
    )
    await sleep(1_500)
    // CPU per process over the hand-over: who is busy while the successors start (100 % = one core).
    const survivors = runners.filter((r) => r.alive() && r !== leaving)
    const meter = cpuMeter({
      ...Object.fromEntries(survivors.map((r, i) => [`survivor ${i + 1}`, () => [r.bf.proc.pid]])),
      emulator: () => [emulator.proc.pid],
      postgres: ctx.pg.pids
    })
    const termAt = Date.now()
    const stopped = await leaving.bf.stop("SIGTERM")
    const exit = await leaving.bf.proc.exited
    const graceSeen = await awaitHandovers(graceTrack, leavingTokens, termAt, 60_000)
    const cpu = meter.stop()
    const cpuPercent = Object.fromEntries(
      Object.entries(cpu.seconds).map(([k, v]) => [k, Math.round((v / cpu.wallSeconds) * 100)])
    )
    await graceTrack.close()
    const loadResult = await load
    const graceMs = graceSeen.map((h) => (h?.startedAt ?? Number.POSITIVE_INFINITY) - termAt)
    const stoppedMs = summarize(graceSeen.filter((h) => h !== null).map((h) => h!.stoppedAt - termAt))
    const gapMs = graceSeen.filter((h) => h?.startedAt != null).map((h) => h!.startedAt! - h!.stoppedAt)
    const grace = summarize(graceMs)
    const gap = summarize(gapMs)
    settled = await settle()
    const end = await conflictsNow(emulator)
    const lost = loadResult.injected - loadResult.replied
    ctx.log(
      `graceful: ${leavingIds.length} bots, SIGTERM → successor polling p50 ${grace.p50} ms p99 ${grace.p99} ms, ` +
        `no poller p99 ${gap.p99} ms, stopped p50 ${stoppedMs.p50} p99 ${stoppedMs.p99} ms, CPU % ${JSON.stringify(cpuPercent)}; exit ${exit.code ?? exit.signal} after ${stopped.ms} ms; ${lost} lost, ${loadResult.extraReplies} doubled of ${loadResult.injected}`
    )

    const p = (s: Summary, which: "p50" | "p99") => (s[which] === null ? null : s[which]! / 1000)
    figures.push(
      figure(label(`crash (SIGKILL) → polling elsewhere, p50 (n = ${crashedIds.length})`), p(crash, "p50"), "s", {
        digits: 1
      }),
      figure(label(`crash (SIGKILL) → polling elsewhere, p99`), p(crash, "p99"), "s", {
        digits: 1,
        target: { op: "<=", value: CRASH_TARGET_S },
        ...(crashMissing ? { note: `${crashMissing} bots not polling again within 90 s` } : {})
      }),
      figure(label(`runner joins 2: bots moved (ideal ${(ideal * 100).toFixed(1)} %)`), movedFraction * 100, "%", {
        digits: 1,
        target: { op: "<=", value: Math.round(ideal * MOVED_TARGET_X_IDEAL * 1000) / 10 }
      }),
      figure(label("join → last moved bot polling"), joinSettleS, "s", {
        digits: 1,
        target: { op: "<=", value: JOIN_SETTLE_TARGET_S }
      }),
      figure(label("join: staying bots restarted"), restartedStaying, "", { target: { op: "<=", value: 0 } }),
      figure(label("join: lock storage unhealthy (log lines)"), unhealthy, "", { target: { op: "<=", value: 0 } }),
      figure(label(`SIGTERM → successor polling, p50 (n = ${leavingIds.length})`), p(grace, "p50"), "s", { digits: 2 }),
      figure(label("SIGTERM → successor polling, p99"), p(grace, "p99"), "s", {
        digits: 2,
        target: { op: "<=", value: GRACEFUL_TARGET_S }
      }),
      figure(label("graceful: no poller at all, p99"), p(gap, "p99"), "s", { digits: 2 }),
      figure(
        label(`graceful: messages lost or doubled (of ${loadResult.injected})`),
        lost + loadResult.extraReplies,
        "",
        { target: { op: "<=", value: 0 } }
      ),
      figure(label("409s seen (whole run)"), end.conflicts, "", { target: { op: "<=", value: 0 } }),
      figure(label("tokens ever polled twice at once"), end.overlapping, "", { target: { op: "<=", value: 0 } })
    )
    return {
      bots: n,
      figures,
      crashSeconds: seconds(crashMs.filter(Number.isFinite)),
      gracefulSeconds: seconds(graceMs.filter(Number.isFinite)),
      data: {
        bots: n,
        startupSeconds: startupS,
        steady,
        crash: { bots: crashedIds.length, ms: crash, notPollingAgain: crashMissing },
        join: {
          moved: moved.length,
          movedFraction,
          ideal,
          settleSeconds: joinSettleS,
          restartedStaying,
          unhealthyLines: unhealthy,
          spreadAfter: spread(afterJoin, ids, alive())
        },
        graceful: {
          bots: leavingIds.length,
          sigtermToSuccessorMs: grace,
          sigtermToStoppedMs: stoppedMs,
          cpuPercentDuringHandoff: cpuPercent,
          noPollerMs: gap,
          exit,
          stopMs: stopped.ms,
          load: {
            injected: loadResult.injected,
            replied: loadResult.replied,
            extraReplies: loadResult.extraReplies,
            latencyMs: loadResult.latencyMs
          }
        },
        conflicts: { before, afterCrash, afterJoin: afterJoinConflicts, end },
        unhealthyLinesPerRunner: Object.fromEntries(runners.map((r) => [r.name, r.unhealthyLines()])),
        finalPlacement: spread(await placement(sql), ids, alive())
      }
    }
  } finally {
    await scope.close()
  }
}

export const clusterOwnership: Scenario = {
  name: "cluster-ownership",
  title: "3 runners: crash failover, join, graceful handoff",
  run: async (ctx) => {
    const sizes = process.env.BENCH_CLUSTER_SIZES?.split(",").map(Number) ?? (ctx.quick ? [300] : [1_000, 10_000])
    const results: Array<SizeResult> = []
    for (const n of sizes) {
      ctx.log(`${n} bots`)
      results.push(await measure(ctx, n))
    }
    return {
      parameters: {
        sizes,
        runners: "3 (a, b, c); SIGKILL a; d joins b, c; SIGTERM b",
        app: "echo",
        pollTimeoutSeconds: 30,
        botBuckets: 1024,
        stayingRestartGapMs: STAYING_GAP_MS
      },
      figures: results.flatMap((r) => r.figures),
      data: {
        sizes: results.map((r) => r.data),
        charts: {
          failover: {
            series: results.flatMap((r) => [
              { label: `SIGKILL, ${r.bots.toLocaleString("en-US")} bots`, samplesSeconds: r.crashSeconds },
              { label: `SIGTERM, ${r.bots.toLocaleString("en-US")} bots`, samplesSeconds: r.gracefulSeconds }
            ]),
            targets: [
              { seconds: GRACEFUL_TARGET_S, label: "SIGTERM target" },
              { seconds: CRASH_TARGET_S, label: "SIGKILL target" }
            ]
          }
        }
      }
    }
  }
}
