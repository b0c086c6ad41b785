/**
 * What scenarios are built from: the emulator host, botfleet and bare-grammY
 * processes, seeding bots, reading /metrics. Every process is registered in
 * processes.ts and every resource a scenario opens is released by its scope,
 * whatever happens.
 */
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import type { EmulatorRules, FaultInput, RulesInput } from "../../src/emulators/telegram/index.ts"
import { freePort as freePortEffect } from "../../src/free-port.ts"
import { fileURLToPath } from "node:url"
import type { BenchDatabase, BenchPostgres } from "./postgres.ts"
import { openSql } from "./postgres.ts"
import { forkManaged } from "./processes.ts"
import type { Managed } from "./processes.ts"
import type { Summary } from "./stats.ts"
import { sleep, waitFor } from "./stats.ts"

export type Mode = "quick" | "full"

/**
 * How botfleet reaches the emulator (issue 17): `h2` — HTTPS offering HTTP/2 by ALPN, as
 * api.telegram.org (the default); `http1` — HTTPS, HTTP/1.1 only, as a self-hosted Bot API
 * server behind TLS; `plain` — plain HTTP. `npm run bench -- --telegram http1` or
 * BENCH_TELEGRAM picks it for a whole run; a scenario may pass its own.
 */
export type Transport = "h2" | "http1" | "plain"
export const TRANSPORTS: ReadonlyArray<Transport> = ["h2", "http1", "plain"]
export const benchTransport = (): Transport => {
  const t = process.env.BENCH_TELEGRAM ?? "h2"
  if (!TRANSPORTS.includes(t as Transport)) throw new Error(`BENCH_TELEGRAM=${t}: expected h2, http1 or plain`)
  return t as Transport
}

const child = (name: string) => fileURLToPath(new URL(`../children/${name}`, import.meta.url))

// ------------------------------------------------------------------ scope

export class Scope {
  private readonly finalizers: Array<() => Promise<unknown> | unknown> = []
  add(finalizer: () => Promise<unknown> | unknown): void {
    this.finalizers.push(finalizer)
  }
  async close(): Promise<void> {
    for (const f of this.finalizers.splice(0).reverse()) {
      try {
        await f()
      } catch (e) {
        console.error(`  clean-up step failed: ${e instanceof Error ? e.message : String(e)}`)
      }
    }
  }
}

// ------------------------------------------------------------------ emulator

export interface EmulatorBot {
  readonly token: string
  readonly id: number
}

export interface FleetSummary {
  readonly tokens: number
  readonly activePolls: number
  readonly polledWithin: number
  readonly getUpdatesCalls: number
  readonly conflicts: number
  readonly totalCalls: number
  readonly unauthorized: number
  readonly pendingUpdates: number
  readonly botsWithOverlappingPolls: number
}

export interface LoadSpec {
  readonly tokens: ReadonlyArray<string>
  readonly total: number
  readonly kind: "start" | "echo"
  readonly chatsPerBot?: number
  readonly uniqueUsers?: boolean
  readonly ratePerSecond?: number
}

export interface LoadResult {
  readonly injected: number
  readonly replied: number
  readonly extraReplies: number
  readonly timedOut: boolean
  readonly injectionMs: number
  readonly maxScheduleLagMs: number
  readonly firstReplyMs: number | null
  readonly durationMs: number | null
  readonly updatesPerSecond: number | null
  readonly latencyMs: Summary
}

export interface Emulator {
  readonly url: string
  readonly transport: Transport
  /** Over TLS, the emulator's CA certificate (PEM file) botfleet must trust. */
  readonly caFile: string | undefined
  /** Client connections the emulator has open now. */
  readonly connections: () => Promise<number>
  readonly proc: Managed
  readonly createBots: (count: number) => Promise<Array<EmulatorBot>>
  /** Switches fidelity rules by name, fleet-wide ("*") or for one token; a scenario that does must say so in its figures. */
  readonly setRules: (token: string, rules: RulesInput) => Promise<EmulatorRules>
  readonly summary: () => Promise<FleetSummary>
  /** A scripted failure for one token (src/emulators/telegram/faults.ts); `faultsPending` counts those not used up yet. */
  readonly injectFault: (token: string, fault: FaultInput) => Promise<void>
  readonly faultsPending: (token: string) => Promise<number>
  /** Bots with a webhook set (to a URL starting with `prefix`, when given). */
  readonly webhooksSet: (prefix?: string) => Promise<number>
  readonly stats: (
    token: string
  ) => Promise<{ activePollers: number; getUpdatesCalls: number; conflicts: number; maxConcurrentPollers: number }>
  /** Injects (a burst, or paced when ratePerSecond is set) and waits until every message has its reply. */
  readonly load: (spec: LoadSpec, timeoutMs: number) => Promise<LoadResult>
  readonly arm: (token: string) => Promise<void>
  readonly awaitStart: (token: string, timeoutMs: number) => Promise<number | null>
  readonly awaitStop: (token: string, timeoutMs: number, settleMs: number) => Promise<number | null>
  /** Starts recording every begin/end of the tokens' getUpdates (see emulator-host.ts `handovers`). */
  readonly trackPolls: (tokens: ReadonlyArray<string>) => Promise<PollTrack>
  /** Waits until `count` bots have a getUpdates in flight; returns the epoch ms it was first seen. */
  readonly waitPolling: (count: number, timeoutMs: number, everyMs?: number) => Promise<number>
}

/** Per token, its longest gap without a poller after `from` (null: never stopped; startedAt null: not polling again yet). */
export type Handover = { readonly stoppedAt: number; readonly startedAt: number | null } | null

export interface PollTrack {
  readonly handovers: (tokens: ReadonlyArray<string>, from: number) => Promise<Array<Handover>>
  readonly close: () => Promise<void>
}

let userBase = 1_000_000

export const startEmulator = async (scope: Scope, transport: Transport = benchTransport()): Promise<Emulator> => {
  const proc = forkManaged("telegram-emulator", child("emulator-host.ts"), { env: { BENCH_TELEGRAM: transport } })
  scope.add(() => proc.stop({ timeoutMs: 5_000 }))
  const { url, caFile } = await new Promise<{ url: string; caFile: string | undefined }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator did not start:\n${proc.output()}`)), 30_000)
    proc.child.on("message", (m: { type?: string; url?: string; caFile?: string }) => {
      if (m?.type === "ready" && m.url) {
        clearTimeout(timer)
        resolve({ url: m.url, caFile: m.caFile })
      }
    })
    void proc.exited.then(({ code, signal }) =>
      reject(new Error(`the emulator exited (${code ?? signal}):\n${proc.output()}`))
    )
  })
  const rpc = proc.rpc
  const emulator: Emulator = {
    url,
    transport,
    caFile,
    connections: () => rpc.call("connections", {}),
    proc,
    createBots: (count) => rpc.call("createBots", { count }),
    setRules: (token, rules) => rpc.call("setRules", { token, rules }),
    summary: () => rpc.call("summary", {}),
    injectFault: async (token, fault) => void (await rpc.call("injectFault", { token, fault })),
    faultsPending: (token) => rpc.call("faultsPending", { token }),
    webhooksSet: (prefix) => rpc.call("webhooksSet", prefix === undefined ? {} : { prefix }),
    stats: (token) => rpc.call("stats", { token }),
    load: async (spec, timeoutMs) => {
      const base = userBase
      userBase += spec.uniqueUsers ? Math.ceil(spec.total / spec.tokens.length) + 10 : (spec.chatsPerBot ?? 1) + 10
      const { loadId } = await rpc.call<{ loadId: number }>("startLoad", { ...spec, userBase: base })
      return rpc.call<LoadResult>("awaitLoad", { loadId, timeoutMs }, timeoutMs + 60_000)
    },
    arm: async (token) => void (await rpc.call("arm", { token })),
    awaitStart: async (token, timeoutMs) =>
      (await rpc.call<{ at: number | null }>("awaitStart", { token, timeoutMs }, timeoutMs + 30_000)).at,
    awaitStop: async (token, timeoutMs, settleMs) =>
      (
        await rpc.call<{ at: number | null }>(
          "awaitStop",
          { token, timeoutMs, settleMs },
          timeoutMs + settleMs + 30_000
        )
      ).at,
    trackPolls: async (tokens) => {
      const { trackId } = await rpc.call<{ trackId: number }>("trackPolls", { tokens })
      return {
        handovers: (subset, from) => rpc.call("handovers", { trackId, tokens: subset, from }),
        close: async () => void (await rpc.call("untrack", { trackId }))
      }
    },
    waitPolling: (count, timeoutMs, everyMs = 100) =>
      waitFor(
        `${count} bots polling`,
        async () => {
          const s = await emulator.summary()
          return s.activePolls >= count ? Date.now() : undefined
        },
        timeoutMs,
        everyMs
      )
  }
  return emulator
}

// ------------------------------------------------------------------ database seeding

/** Inserts the bots in one statement; returns their database ids in token order. */
export const seedBots = async (
  db: BenchDatabase,
  bots: ReadonlyArray<EmulatorBot>,
  options: { active?: boolean } = {}
): Promise<Array<number>> => {
  if (bots.length === 0) return []
  const sql = openSql(db.url, 1)
  try {
    const rows = await sql.query<{ id: number; ord: number }>(
      `INSERT INTO bots (name, telegram_bot_token, telegram_bot_id, api_token_hash, is_active)
       SELECT 'Bench shop ' || t.ord, t.token, t.bot_id, encode(sha256(convert_to('bench:' || t.token, 'UTF8')), 'hex'), $3
       FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS t(token, bot_id, ord)
       ORDER BY t.ord
       RETURNING id`,
      [bots.map((b) => b.token), bots.map((b) => b.id), options.active ?? true]
    )
    return rows.map((r) => Number(r.id))
  } finally {
    await sql.close()
  }
}

// ------------------------------------------------------------------ botfleet

export interface Botfleet {
  readonly proc: Managed
  readonly httpUrl: string
  /** METRICS_PORT: /metrics on a free port of its own. */
  readonly metricsUrl: string
  readonly metrics: () => Promise<Map<string, number>>
  readonly lagReset: () => Promise<void>
  readonly lagRead: () => Promise<{ samples: number; p50: number; p90: number; p99: number; max: number; mean: number }>
  /** SIGTERM (or `signal`), SIGKILL after 20 s; an exit this asked for is not reported as unexpected. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<{ ms: number; killed: boolean }>
}

const freePort = () => Effect.runPromise(freePortEffect())

/**
 * Parses Prometheus text: unlabelled series by name; labelled series summed
 * under their name and also counted under `<name>#series`.
 */
export const parseMetrics = (text: string): Map<string, number> => {
  const out = new Map<string, number>()
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
    if (!m) continue
    const value = Number(m[3])
    if (!Number.isFinite(value)) continue
    const name = m[1]!
    if (m[2]) {
      out.set(name, (out.get(name) ?? 0) + value)
      out.set(`${name}#series`, (out.get(`${name}#series`) ?? 0) + 1)
    } else out.set(name, value)
  }
  return out
}

export const startBotfleet = async (
  scope: Scope,
  options: {
    name?: string
    db: BenchDatabase
    emulator: Emulator
    app: "tenant" | "echo"
    env?: Record<string, string>
  }
): Promise<Botfleet> => {
  const port = await freePort()
  const runnerPort = await freePort()
  const metricsPort = await freePort()
  const proc = forkManaged(options.name ?? "botfleet", child("botfleet.ts"), {
    env: {
      DATABASE_URL: options.db.url,
      TELEGRAM_API_ROOT: options.emulator.url,
      ...(options.emulator.caFile === undefined ? {} : { TELEGRAM_CA_FILE: options.emulator.caFile }),
      HTTP_PORT: String(port),
      // where setWebhook points a webhook bot (INGEST_MODE=webhook or bots.ingest_mode): this process's own port
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      METRICS_PORT: String(metricsPort),
      // the cluster runner's own port: a free one, so a benchmark never collides with another botfleet on this machine
      RUNNER_HOST: "127.0.0.1",
      RUNNER_PORT: String(runnerPort),
      BENCH_APP: options.app,
      TELEGRAM_POLL_TIMEOUT_SECONDS: "30",
      LOG_LEVEL: "Info",
      LOG_FORMAT: "json",
      ...options.env
    }
  })
  const httpUrl = `http://127.0.0.1:${port}`
  const metricsUrl = `http://127.0.0.1:${metricsPort}`
  let stopping = false
  const handle: Botfleet = {
    proc,
    httpUrl,
    metricsUrl,
    metrics: async () => {
      const res = await fetch(`${metricsUrl}/metrics`, { signal: AbortSignal.timeout(30_000) })
      if (!res.ok) throw new Error(`/metrics answered ${res.status}`)
      return parseMetrics(await res.text())
    },
    lagReset: async () => void (await proc.rpc.call("lagReset")),
    lagRead: () => proc.rpc.call("lagRead"),
    stop: (signal) => {
      stopping = true
      return proc.stop({ timeoutMs: 20_000, ...(signal ? { signal } : {}) })
    }
  }
  scope.add(() => handle.stop())
  void proc.exited.then(({ code, signal }) => {
    if (!stopping)
      console.error(
        `  ${proc.name} (pid ${proc.pid}) exited unexpectedly (${code ?? signal}); last output:\n${proc.output().slice(-4000)}`
      )
  })
  return handle
}

/** Waits until botfleet answers /readyz. */
export const waitReady = (bf: Botfleet, timeoutMs: number) =>
  waitFor(
    "botfleet /readyz",
    async () => {
      if (!bf.proc.isRunning()) throw new Error(`botfleet exited:\n${bf.proc.output().slice(-4000)}`)
      try {
        const res = await fetch(`${bf.httpUrl}/readyz`, { signal: AbortSignal.timeout(2_000) })
        return res.ok ? true : undefined
      } catch {
        return undefined
      }
    },
    timeoutMs,
    50
  )

// ------------------------------------------------------------------ bare grammY

export const startBare = (scope: Scope, name: string, tokens: ReadonlyArray<string>, emulator: Emulator): Managed => {
  const proc = forkManaged(name, child("bare-grammy.ts"), {
    env: {
      BOT_TOKENS: tokens.join(","),
      TELEGRAM_API_ROOT: emulator.url,
      TELEGRAM_POLL_TIMEOUT_SECONDS: "30",
      // grammY's own client (node-fetch over https.Agent) trusts the emulator's CA this way.
      ...(emulator.caFile === undefined ? {} : { NODE_EXTRA_CA_CERTS: emulator.caFile })
    }
  })
  scope.add(() => proc.stop({ timeoutMs: 5_000 }))
  return proc
}

// ------------------------------------------------------------------ scenario context

export interface ScenarioContext {
  readonly mode: Mode
  readonly quick: boolean
  readonly pg: BenchPostgres
  readonly scope: Scope
  readonly log: (line: string) => void
  /** A fresh database (migrated), dropped when the scenario ends. */
  readonly database: () => Promise<BenchDatabase>
  readonly emulator: (transport?: Transport) => Promise<Emulator>
}

export const makeContext = (
  mode: Mode,
  pg: BenchPostgres,
  scope: Scope,
  log: (line: string) => void
): ScenarioContext => ({
  mode,
  quick: mode === "quick",
  pg,
  scope,
  log,
  database: async () => {
    const db = await pg.createDatabase()
    scope.add(() => db.drop())
    return db
  },
  emulator: (transport) => startEmulator(scope, transport)
})

export const randomName = () => randomBytes(3).toString("hex")
export { sleep }

// ------------------------------------------------------------------ diagnostics

/**
 * Samples botfleet's database connections (pg_stat_activity) while `during`
 * runs: how many are open, busy in a query, or holding a transaction open.
 * Tells whether a throughput limit is the connection pool.
 */
export const samplePool = async <A>(db: BenchDatabase, during: Promise<A>, everyMs = 50) => {
  const sql = openSql(db.url, 1)
  const samples: Array<{ open: number; active: number; idleInTransaction: number }> = []
  let done = false
  during.catch(() => undefined) // awaited below; never an unhandled rejection if sampling fails first
  const finished = during.finally(() => (done = true))
  finished.catch(() => undefined)
  try {
    while (!done) {
      const rows = await sql.query<{ state: string | null; n: number }>(
        `SELECT state, count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'botfleet' GROUP BY state`
      )
      const by = (s: string) => Number(rows.find((r) => r.state === s)?.n ?? 0)
      samples.push({
        open: rows.reduce((a, r) => a + Number(r.n), 0),
        active: by("active"),
        idleInTransaction: by("idle in transaction")
      })
      await Promise.race([sleep(everyMs), finished.catch(() => undefined)])
    }
  } finally {
    await sql.close()
  }
  const busy = samples.map((s) => s.active + s.idleInTransaction)
  return {
    result: await during,
    pool: {
      samples: samples.length,
      maxOpen: Math.max(0, ...samples.map((s) => s.open)),
      maxBusy: Math.max(0, ...busy),
      meanBusy: busy.length ? Math.round((busy.reduce((a, b) => a + b, 0) / busy.length) * 10) / 10 : 0
    }
  }
}
