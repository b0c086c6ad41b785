/**
 * The Telegram emulator (the project's own, src/emulators/telegram) in a process
 * of its own, with all its fidelity rules on (a scenario may switch one off by
 * name through `setRules`, and says so in its figures), plus the bulk
 * operations a benchmark needs, over IPC:
 * create thousands of bots, inject a burst or a paced stream of messages and
 * time each reply, watch a bot start or stop polling. The emulator's HTTP API
 * (what botfleet and grammY talk to) is unchanged.
 */
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { FaultInput, RulesInput } from "../../src/emulators/telegram/index.ts"
import type { StateEvent } from "../../src/emulators/telegram/state.ts"
import { serveRpc } from "../lib/ipc.ts"
import { summarize } from "../lib/stats.ts"

// BENCH_TELEGRAM (bench/lib/harness.ts): h2 (default) | http1 | plain
const transport = process.env.BENCH_TELEGRAM ?? "h2"
const emu = await startTelegramEmulator(
  transport === "plain" ? { port: 0 } : { port: 0, tls: transport === "http1" ? "http1" : "h2" }
)
const state = emu.state

// ------------------------------------------------------------------ loads

interface LoadSpec {
  readonly tokens: ReadonlyArray<string>
  readonly total: number
  /** "/start" or "echo" (text m<k>) */
  readonly kind: "start" | "echo"
  /** chats per bot the messages are spread over; ignored when uniqueUsers */
  readonly chatsPerBot?: number
  /** every message from a new user (its own private chat) */
  readonly uniqueUsers?: boolean
  /** first user/chat id of this load; loads must not share chats */
  readonly userBase: number
  /** messages per second; absent = one burst, injected synchronously */
  readonly ratePerSecond?: number
}

interface Load {
  readonly id: number
  readonly spec: LoadSpec
  readonly injected: Map<string, Map<number, Array<number>>>
  readonly listeners: Map<string, (e: StateEvent) => void>
  count: number
  replies: number
  t0: number
  lastInjectAt: number
  maxScheduleLagMs: number
  done: boolean
  doneAt: number
  waiters: Array<() => void>
  recheck: NodeJS.Timeout | undefined
}

const loads = new Map<number, Load>()
let nextLoadId = 1

const injectOne = (load: Load, k: number) => {
  const { tokens, kind, userBase } = load.spec
  const token = tokens[k % tokens.length]!
  const round = Math.floor(k / tokens.length)
  const chatId = load.spec.uniqueUsers ? userBase + round : userBase + (round % (load.spec.chatsPerBot ?? 1))
  const text = kind === "start" ? "/start" : `m${k}`
  emu.injectMessage(token, { text, from: { id: chatId, first_name: `User${chatId}`, language_code: "en" } })
  const at = Date.now()
  let chats = load.injected.get(token)
  if (!chats) load.injected.set(token, (chats = new Map()))
  let times = chats.get(chatId)
  if (!times) chats.set(chatId, (times = []))
  times.push(at)
  load.count++
  load.lastInjectAt = at
}

/**
 * Whether every injected message of the load has its reply. The reply counter
 * counts every message the load's bots sent, also to chats of another load
 * running on the same bot at the same time, so it only says when to check.
 */
const complete = (load: Load): boolean => {
  if (load.count < load.spec.total || load.replies < load.spec.total) return false
  let paired = 0
  for (const [token, chats] of load.injected) {
    const bot = state.bots.get(token)
    for (const [chatId, times] of chats) paired += Math.min(bot?.chats.get(chatId)?.sent.length ?? 0, times.length)
  }
  return paired >= load.spec.total
}

/** Finishes the load once complete; after a miss, checks again at most every 20 ms. */
const finishIfComplete = (load: Load) => {
  if (load.done || load.recheck !== undefined) return
  if (complete(load)) return finish(load)
  if (load.count < load.spec.total || load.replies < load.spec.total) return
  load.recheck = setTimeout(() => {
    load.recheck = undefined
    finishIfComplete(load)
  }, 20)
}

const finish = (load: Load) => {
  if (load.done) return
  load.done = true
  load.doneAt = Date.now()
  if (load.recheck !== undefined) clearTimeout(load.recheck)
  for (const [token, listener] of load.listeners) state.events.off(token, listener)
  for (const w of load.waiters.splice(0)) w()
}

const startLoad = (spec: LoadSpec): { loadId: number } => {
  const load: Load = {
    id: nextLoadId++,
    spec,
    injected: new Map(),
    listeners: new Map(),
    count: 0,
    replies: 0,
    t0: 0,
    lastInjectAt: 0,
    maxScheduleLagMs: 0,
    done: false,
    doneAt: 0,
    waiters: [],
    recheck: undefined
  }
  loads.set(load.id, load)
  for (const token of new Set(spec.tokens)) {
    const listener = (e: StateEvent) => {
      if (e.type !== "sent") return
      load.replies++
      finishIfComplete(load)
    }
    load.listeners.set(token, listener)
    state.events.on(token, listener)
  }
  load.t0 = Date.now()
  if (spec.ratePerSecond === undefined) {
    for (let k = 0; k < spec.total; k++) injectOne(load, k)
  } else {
    const rate = spec.ratePerSecond
    const started = performance.now()
    const tick = () => {
      const elapsed = performance.now() - started
      const due = Math.min(spec.total, Math.floor((elapsed * rate) / 1000) + 1)
      if (due - load.count > 1)
        load.maxScheduleLagMs = Math.max(load.maxScheduleLagMs, ((due - load.count - 1) * 1000) / rate)
      while (load.count < due) injectOne(load, load.count)
      if (load.count < spec.total) setTimeout(tick, 2)
      else finishIfComplete(load)
    }
    tick()
  }
  finishIfComplete(load)
  return { loadId: load.id }
}

/** Pairs each chat's replies with its injected messages in order (per-chat order is kept by both systems). */
const loadResult = (load: Load, timedOut: boolean) => {
  const latencies: Array<number> = []
  let lastReplyAt = 0
  let firstReplyAt = Infinity
  let extraReplies = 0
  for (const [token, chats] of load.injected) {
    const bot = state.bots.get(token)
    for (const [chatId, times] of chats) {
      const sent = bot?.chats.get(chatId)?.sent ?? []
      const n = Math.min(sent.length, times.length)
      for (let i = 0; i < n; i++) {
        const at = sent[i]!.sentAt
        latencies.push(Math.max(0, at - times[i]!))
        if (at > lastReplyAt) lastReplyAt = at
        if (at < firstReplyAt) firstReplyAt = at
      }
      if (sent.length > times.length) extraReplies += sent.length - times.length
    }
  }
  const paired = latencies.length
  const durationMs = lastReplyAt > 0 ? lastReplyAt - load.t0 : null
  return {
    injected: load.count,
    replied: paired,
    extraReplies,
    timedOut,
    t0: load.t0,
    injectionMs: load.lastInjectAt - load.t0,
    maxScheduleLagMs: load.maxScheduleLagMs,
    firstReplyMs: Number.isFinite(firstReplyAt) ? firstReplyAt - load.t0 : null,
    durationMs,
    updatesPerSecond: durationMs && durationMs > 0 ? (paired * 1000) / durationMs : null,
    latencyMs: summarize(latencies)
  }
}

const awaitLoad = async ({ loadId, timeoutMs }: { loadId: number; timeoutMs: number }) => {
  const load = loads.get(loadId)
  if (!load) throw new Error(`unknown load ${loadId}`)
  if (!load.done) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      load.waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
  const timedOut = !load.done
  finish(load)
  loads.delete(loadId)
  return loadResult(load, timedOut)
}

// ------------------------------------------------------------------ start / stop watches

interface Watch {
  readonly token: string
  readonly listener: (e: StateEvent) => void
  /** first getUpdates arrival after arming */
  startedAt: number | null
  /** last time in-flight getUpdates fell to zero, cleared by a new getUpdates */
  zeroAt: number | null
  callsAfterZero: number
}
const watches = new Map<string, Watch>()

const arm = ({ token }: { token: string }) => {
  disarm(token)
  const bot = state.bot(token)
  const watch: Watch = {
    token,
    startedAt: null,
    zeroAt: bot.counters.activePollers === 0 ? Date.now() : null,
    callsAfterZero: 0,
    listener: (e) => {
      if (e.type === "call" && e.method === "getUpdates") {
        if (watch.startedAt === null) watch.startedAt = Date.now()
        watch.zeroAt = null
        watch.callsAfterZero++
      } else if (e.type === "poll" && bot.counters.activePollers === 0) {
        watch.zeroAt = Date.now()
      }
    }
  }
  watches.set(token, watch)
  state.events.on(token, watch.listener)
  return true
}

const disarm = (token: string) => {
  const w = watches.get(token)
  if (w) state.events.off(token, w.listener)
  watches.delete(token)
}

const until = async (check: () => boolean, timeoutMs: number, everyMs = 2) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, everyMs))
  }
  return true
}

/** Time of the first getUpdates after arming (the bot is polling), or null on timeout. */
const awaitStart = async ({ token, timeoutMs }: { token: string; timeoutMs: number }) => {
  const w = watches.get(token)
  if (!w) throw new Error("not armed")
  await until(() => w.startedAt !== null, timeoutMs)
  disarm(token)
  return { at: w.startedAt }
}

/**
 * Time the bot's last getUpdates ended, once none has been in flight (and none
 * arrived) for `settleMs`; null on timeout. A graceful stop ends the long poll
 * and then confirms with one short getUpdates: the stop is when that one ends.
 */
const awaitStop = async ({ token, timeoutMs, settleMs }: { token: string; timeoutMs: number; settleMs: number }) => {
  const w = watches.get(token)
  if (!w) throw new Error("not armed")
  const bot = state.bot(token)
  const ok = await until(
    () => w.zeroAt !== null && bot.counters.activePollers === 0 && Date.now() - w.zeroAt >= settleMs,
    timeoutMs + settleMs
  )
  disarm(token)
  return { at: ok ? w.zeroAt : null, activePollers: bot.counters.activePollers }
}

// ------------------------------------------------------------------ poll tracks (cluster scenarios)

/**
 * Every change of a tracked token's in-flight getUpdates count, [epoch ms,
 * count after the change], observed by wrapping the emulator's own
 * beginPoll/endPoll. A bot that keeps polling is at 0 only for the moment
 * between two long polls; a stop, a restart or a hand-over shows as a gap.
 */
interface PollTrack {
  readonly changes: Map<string, Array<readonly [number, number]>>
}
const tracks = new Map<number, PollTrack>()
let nextTrackId = 1
{
  type Args = Parameters<typeof state.beginPoll>
  const begin = state.beginPoll.bind(state)
  const end = state.endPoll.bind(state)
  const record = (bot: Args[0]) => {
    for (const track of tracks.values()) track.changes.get(bot.token)?.push([Date.now(), bot.counters.activePollers])
  }
  state.beginPoll = (...args: Args) => {
    begin(...args)
    record(args[0])
  }
  state.endPoll = (...args: Args) => {
    end(...args)
    record(args[0])
  }
}

const trackPolls = ({ tokens }: { tokens: ReadonlyArray<string> }) => {
  const id = nextTrackId++
  const changes = new Map<string, Array<readonly [number, number]>>()
  for (const token of tokens) changes.set(token, [[Date.now(), state.bot(token).counters.activePollers]])
  tracks.set(id, { changes })
  return { trackId: id }
}

/**
 * Per token, the longest stretch after `from` with no getUpdates in flight that
 * ended with a new one beginning: { stoppedAt, startedAt } (epoch ms); or
 * `startedAt: null` when nothing is in flight now (stopped at stoppedAt and not
 * polling again yet, or just between two long polls); or null when the token
 * never stopped after `from`.
 */
const handovers = ({ trackId, tokens, from }: { trackId: number; tokens: ReadonlyArray<string>; from: number }) => {
  const track = tracks.get(trackId)
  if (!track) throw new Error(`unknown track ${trackId}`)
  return tokens.map((token) => {
    const changes = track.changes.get(token) ?? []
    let inFlight = 0
    for (const [t, n] of changes) if (t <= from) inFlight = n
    let idleSince = inFlight === 0 ? from : undefined
    let best: { stoppedAt: number; startedAt: number | null } | null = null
    for (const [t, n] of changes) {
      if (t <= from) continue
      if (n === 0 && idleSince === undefined) idleSince = t
      else if (n > 0 && idleSince !== undefined) {
        if (best === null || t - idleSince > best.startedAt! - best.stoppedAt)
          best = { stoppedAt: idleSince, startedAt: t }
        idleSince = undefined
      }
    }
    return idleSince === undefined ? best : { stoppedAt: idleSince, startedAt: null }
  })
}

const untrack = ({ trackId }: { trackId: number }) => tracks.delete(trackId)

// ------------------------------------------------------------------ serve

serveRpc(
  {
    /** Fidelity rules (src/emulators/telegram/rules.ts) fleet-wide (token "*") or for one token. */
    setRules: ({ token, rules }: { token: string; rules: RulesInput }) => emu.setRules(token, rules),
    /** A scripted failure (src/emulators/telegram/faults.ts) for one token, e.g. one 429 on sendMessage. */
    injectFault: ({ token, fault }: { token: string; fault: FaultInput }) => {
      emu.injectFault(token, fault)
      return true
    },
    /** Scripted failures of the token not yet used up. */
    faultsPending: ({ token }: { token: string }) => state.bot(token).faults.length,
    /** How many bots have a webhook set (whose URL starts with `prefix`, when given). */
    webhooksSet: ({ prefix }: { prefix?: string }) => {
      let n = 0
      for (const bot of state.bots.values()) if (bot.webhook && (!prefix || bot.webhook.url.startsWith(prefix))) n++
      return n
    },
    createBots: ({ count }: { count: number }) => {
      const out: Array<{ token: string; id: number }> = []
      for (let i = 0; i < count; i++) {
        const b = emu.createBot()
        out.push({ token: b.token, id: b.id })
      }
      return out
    },
    summary: ({ polledWithinMs }: { polledWithinMs?: number }) =>
      emu.summary(polledWithinMs === undefined ? {} : { polledWithinMs }),
    stats: ({ token }: { token: string }) => emu.stats(token),
    startLoad,
    awaitLoad,
    arm,
    awaitStart,
    awaitStop,
    trackPolls,
    handovers,
    untrack,
    usage: () => ({ cpu: process.cpuUsage(), memory: process.memoryUsage() }),
    connections: () => emu.connectionCount()
  },
  () => void emu.close().finally(() => process.exit(0))
)

process.on("SIGTERM", () => void emu.close().finally(() => process.exit(0)))
process.on("SIGINT", () => void emu.close().finally(() => process.exit(0)))
process.send!({ type: "ready", url: emu.url, caFile: emu.caFile })
