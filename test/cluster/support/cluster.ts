/**
 * Real runner processes for the cluster tests: `node src/main.ts` (or another
 * entry point) against a test database and the Telegram emulator, each a
 * cluster runner at 127.0.0.1:<port>, plus the helpers the scenarios share:
 * seeding bots, reading who runs what, and watching every poll the emulator sees.
 */
import { Effect, ManagedRuntime } from "effect"
import { SqlClient } from "effect/sql"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import type { Socket } from "node:net"
import * as os from "node:os"
import { fileURLToPath } from "node:url"
import { layerFromUrl } from "../../../src/db/client.ts"
import { freePort as freePortEffect } from "../../../src/free-port.ts"
import { eventually } from "../../support/eventually.ts"
import type { TelegramEmulator } from "../../../src/emulators/telegram/index.ts"

export const MAIN = fileURLToPath(new URL("../../../src/main.ts", import.meta.url))

export const freePort = () => Effect.runPromise(freePortEffect())

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** `eventually` (test/support/eventually.ts) with a name for the failure message: "<what>: condition not met within …". */
export const waitFor = <A>(
  what: string,
  check: () => Promise<A | undefined | false> | A | undefined | false,
  timeoutMs: number,
  everyMs = 100
): Promise<A> =>
  eventually(check, timeoutMs, everyMs).catch((e: unknown) => {
    throw new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`)
  })

export interface Runner {
  readonly process: ChildProcess
  readonly pid: number
  /** What the runner writes into bot_runtime_status.runner (main.ts's default: host:pid). */
  readonly name: string
  readonly runnerPort: number
  readonly httpUrl: string
  /** METRICS_PORT: /metrics, on a free port of its own. */
  readonly metricsUrl: string
  readonly output: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly alive: () => boolean
}

export interface RunnerOptions {
  readonly databaseUrl: string
  readonly telegramApiRoot: string
  readonly runnerPort?: number
  readonly httpPort?: number
  readonly env?: Record<string, string>
  /** Entry point (default src/main.ts). */
  readonly script?: string
}

/** Settings every test runner shares: small buckets, short polls (status rows land quickly), quick stops. */
export const TEST_ENV = {
  BOT_BUCKETS: "64",
  TELEGRAM_POLL_TIMEOUT_SECONDS: "5",
  SHUTDOWN_GRACE_SECONDS: "5",
  RESYNC_INTERVAL_SECONDS: "5",
  RUNNER_HEALTH: "ping",
  RUNNER_HOST: "127.0.0.1",
  LOG_FORMAT: "json",
  LOG_LEVEL: "info"
}

export const startRunner = async (options: RunnerOptions): Promise<Runner> => {
  const runnerPort = options.runnerPort ?? (await freePort())
  const httpPort = options.httpPort ?? (await freePort())
  const metricsPort = await freePort()
  const child = spawn(process.execPath, [options.script ?? MAIN], {
    env: {
      ...process.env,
      ...TEST_ENV,
      DATABASE_URL: options.databaseUrl,
      TELEGRAM_API_ROOT: options.telegramApiRoot,
      RUNNER_PORT: String(runnerPort),
      HTTP_PORT: String(httpPort),
      METRICS_PORT: String(metricsPort),
      ...options.env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk) => (output += chunk))
  child.stderr?.on("data", (chunk) => (output += chunk))
  let alive = true
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      alive = false
      resolve({ code, signal })
    })
  )
  return {
    process: child,
    pid: child.pid!,
    name: `${os.hostname()}:${child.pid}`,
    runnerPort,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    output: () => output,
    exited,
    alive: () => alive
  }
}

export const waitReady = (runner: Runner, timeoutMs = 20_000) =>
  waitFor(
    `runner ${runner.pid} ready`,
    async () => {
      if (!runner.alive()) throw new Error(`runner ${runner.pid} exited:\n${runner.output().slice(-3000)}`)
      const res = await fetch(`${runner.httpUrl}/readyz`).catch(() => undefined)
      return res?.status === 200
    },
    timeoutMs,
    200
  )

export const stopAll = async (runners: ReadonlyArray<Runner>) => {
  for (const r of runners) if (r.alive()) r.process.kill("SIGKILL")
  await Promise.all(runners.map((r) => r.exited))
}

/** A small client on the test database. */
export const database = (url: string) => {
  const runtime = ManagedRuntime.make(layerFromUrl(url, { maxConnections: 3, applicationName: "cluster-test" }))
  const query = <A extends object>(text: string, params: ReadonlyArray<unknown> = []) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return (yield* sql.unsafe<A>(text, params)) as ReadonlyArray<A>
      })
    )
  return { query, close: () => runtime.dispose() }
}
export type Database = ReturnType<typeof database>

export interface SeededBot {
  readonly id: number
  readonly token: string
}

/** `count` active bots, each with an emulator token, in one statement (ids in order). */
export const seedBots = async (db: Database, emulator: TelegramEmulator, count: number): Promise<Array<SeededBot>> => {
  const tokens = Array.from({ length: count }, () => emulator.createBot().token)
  const hashes = tokens.map(() => randomBytes(32).toString("hex"))
  const rows = await db.query<{ id: number; telegramBotToken: string }>(
    `INSERT INTO bots (name, telegram_bot_token, telegram_bot_id, api_token_hash)
     SELECT 'shop ' || i, t, split_part(t, ':', 1)::bigint, h
     FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(t, h, i)
     ORDER BY i
     RETURNING id, telegram_bot_token`,
    [tokens, hashes]
  )
  return rows.map((r) => ({ id: Number(r.id), token: r.telegramBotToken }))
}

export interface StatusRow {
  readonly botId: number
  readonly state: string
  readonly runner: string | null
  readonly restartCount: number
  readonly lastStartedAt: Date | null
}

export const statuses = async (db: Database): Promise<Map<number, StatusRow>> => {
  const rows = await db.query<StatusRow>(
    "SELECT bot_id, state, runner, restart_count, last_started_at FROM bot_runtime_status"
  )
  return new Map(rows.map((r) => [Number(r.botId), { ...r, botId: Number(r.botId) }]))
}

/** Bots per runner, from bot_runtime_status.runner. */
export const botsByRunner = (rows: Map<number, StatusRow>, ids: ReadonlyArray<number>) => {
  const counts = new Map<string, Array<number>>()
  for (const id of ids) {
    const runner = rows.get(id)?.runner ?? "none"
    counts.set(runner, [...(counts.get(runner) ?? []), id])
  }
  return counts
}

/**
 * Every getUpdates the emulator sees, per token: the in-flight count after each
 * one begins or ends (the emulator's own counter, observed by wrapping its
 * beginPoll/endPoll). A bot that keeps polling is never at 0 for more than the
 * moment between one long poll and the next; a stop or a restart shows as a gap.
 */
export const watchPolls = (
  emulator: TelegramEmulator,
  tokens: ReadonlyArray<string>,
  /**
   * Names the client of a getUpdates from its connection (e.g. which runner's
   * proxy carries it, see `TcpProxy.carries`); its polls are then kept one by
   * one for `pollsBy` and `handoverBetween`.
   */
  clientOf?: (socket: Socket) => string | undefined
) => {
  const changes = new Map<string, Array<readonly [number, number]>>(tokens.map((t) => [t, []]))
  const polls = new Map<string, Array<Poll>>(tokens.map((t) => [t, []]))
  const open = new Map<unknown, Poll>()
  type Bot = { token: string; counters: { activePollers: number } }
  const state = emulator.state as unknown as {
    beginPoll: (bot: Bot, poll: { socket: Socket }) => void
    endPoll: (bot: Bot, poll: { socket: Socket }) => void
  }
  const originalBegin = state.beginPoll
  const originalEnd = state.endPoll
  const record = (bot: Bot) => changes.get(bot.token)?.push([Date.now(), bot.counters.activePollers])
  state.beginPoll = function (this: unknown, bot: Bot, poll: { socket: Socket }) {
    originalBegin.call(this, bot, poll)
    record(bot)
    const list = clientOf === undefined ? undefined : polls.get(bot.token)
    if (list !== undefined) {
      const entry: Poll = { client: clientOf!(poll.socket) ?? "unknown", begin: Date.now(), end: undefined }
      list.push(entry)
      open.set(poll, entry)
    }
  }
  state.endPoll = function (this: unknown, bot: Bot, poll: { socket: Socket }) {
    originalEnd.call(this, bot, poll)
    record(bot)
    const entry = open.get(poll)
    if (entry !== undefined) {
      entry.end = Date.now()
      open.delete(poll)
    }
  }
  return {
    /** Every getUpdates of this token, by client (needs `clientOf`). */
    pollsBy: (token: string, client: string): ReadonlyArray<Poll> =>
      (polls.get(token) ?? []).filter((p) => p.client === client),
    /**
     * The hand-over of a token from client `from` to client `to` (needs
     * `clientOf`): when `to` began its first getUpdates at or after `since`,
     * and when the last getUpdates of `from` so far ended (Infinity while one
     * is still in flight). `gapMs` = first start − last end: negative when
     * `from` was still polling as `to` started. Undefined until `to` polls.
     */
    handoverBetween: (token: string, from: string, to: string, since: number) => {
      const list = polls.get(token) ?? []
      const first = list.find((p) => p.client === to && p.begin >= since)
      if (first === undefined) return undefined
      const lastEnd = Math.max(
        Number.NEGATIVE_INFINITY,
        ...list.filter((p) => p.client === from).map((p) => p.end ?? Number.POSITIVE_INFINITY)
      )
      return { stoppedAt: lastEnd, startedAt: first.begin, gapMs: first.begin - lastEnd }
    },
    /** Longest time without a getUpdates in flight, within [from, to]. */
    longestGap: (token: string, from: number, to: number) => {
      let idleSince: number | undefined = from
      let longest = 0
      for (const [t, inFlight] of changes.get(token) ?? []) {
        if (t > to) break
        if (t < from) {
          idleSince = inFlight === 0 ? from : undefined
          continue
        }
        if (inFlight === 0 && idleSince === undefined) idleSince = t
        if (inFlight > 0 && idleSince !== undefined) {
          longest = Math.max(longest, t - idleSince)
          idleSince = undefined
        }
      }
      if (idleSince !== undefined) longest = Math.max(longest, to - idleSince)
      return longest
    },
    /**
     * The hand-over after `from`: the longest time without a poller, from when
     * the last getUpdates in flight ended (the old poller stopped) to when the
     * next one began (the new poller started). Undefined while nobody has
     * started again.
     */
    handover: (token: string, from: number) => {
      let idleSince: number | undefined
      let best: { stoppedAt: number; startedAt: number } | undefined
      for (const [t, inFlight] of changes.get(token) ?? []) {
        if (t < from) continue
        if (inFlight === 0) idleSince = t
        else if (idleSince !== undefined) {
          if (!best || t - idleSince > best.startedAt - best.stoppedAt) best = { stoppedAt: idleSince, startedAt: t }
          idleSince = undefined
        }
      }
      return best
    },
    stop: () => {
      state.beginPoll = originalBegin
      state.endPoll = originalEnd
    }
  }
}

/** One getUpdates as the emulator served it (epoch ms; `end` undefined while in flight). */
export interface Poll {
  readonly client: string
  readonly begin: number
  end: number | undefined
}

/** Every token polled right now, never two pollers for one token, no 409 so far. */
export const fleetHealth = (emulator: TelegramEmulator, tokens: ReadonlyArray<string>) => {
  const stats = emulator.statsMany([...tokens])
  let polling = 0
  let overlapping = 0
  let conflicts = 0
  for (const s of Object.values(stats)) {
    if (s.activePollers >= 1) polling++
    if (s.maxConcurrentPollers > 1) overlapping++
    conflicts += s.conflicts
  }
  return { polling, overlapping, conflicts, total: tokens.length }
}

export const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
}
