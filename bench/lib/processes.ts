/**
 * Every child process the benchmark starts goes through here, so that a normal
 * end, a failed scenario, Ctrl-C or SIGTERM all stop exactly those processes
 * (by pid), and nothing else.
 *
 * Children run in their own process group (detached), so Ctrl-C reaches only
 * the runner, which then stops them in order; each child also exits by itself
 * when its IPC channel to the runner closes (the runner was SIGKILLed).
 */
import { fork } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import { RpcClient } from "./ipc.ts"

const TAIL_BYTES = 64 * 1024

export interface Managed {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  readonly rpc: RpcClient
  /** epoch ms, taken just before fork() */
  readonly spawnedAt: number
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly isRunning: () => boolean
  /** The last 64 KiB of its stdout+stderr. */
  readonly output: () => string
  /** Bytes written to stdout+stderr so far (log volume). */
  readonly outputBytes: () => number
  /** SIGTERM (or the given signal), then SIGKILL after `timeoutMs`; resolves with how long it took. */
  readonly stop: (options?: { signal?: NodeJS.Signals; timeoutMs?: number }) => Promise<{ ms: number; killed: boolean }>
}

const live = new Set<Managed>()

/**
 * BENCH_CPU_PROFILE=<dir>: every botfleet child writes a V8 CPU profile there when it
 * exits (open it in Chrome DevTools or speedscope) — where a scenario's CPU per update goes.
 * BENCH_HEAP_SIGNAL=1: `kill -USR2 <botfleet pid>` writes a heap snapshot into its working
 * directory (after a full GC: the live heap, without the garbage RSS may still hold).
 * BENCH_LOG_DIR=<dir>: every child's whole stdout+stderr goes to <dir>/<name>-<pid>.log
 * (the tail kept in memory is only the last 64 KiB) — what a runner did during a hand-over.
 * BENCH_V8_PROF=<dir>: every cluster runner writes V8's tick log there (see below).
 */
const profileFlags = (name: string): Array<string> => {
  const dir = process.env.BENCH_CPU_PROFILE
  const heap = process.env.BENCH_HEAP_SIGNAL && name.startsWith("botfleet") ? ["--heapsnapshot-signal=SIGUSR2"] : []
  // --prof's tick log is written as the process runs, so it also shows where a process that never
  // exits spent its time, native frames included (node --prof-process <file>).
  const ticks =
    process.env.BENCH_V8_PROF && name.startsWith("runner")
      ? ["--prof", "--no-logfile-per-isolate", `--logfile=${process.env.BENCH_V8_PROF}/${name}-%p.v8.log`]
      : []
  return [...ticks, ...heap, ...(dir && name.startsWith("botfleet") ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [])]
}

export const forkManaged = (
  name: string,
  script: string,
  options: { env?: Record<string, string>; args?: Array<string> } = {}
): Managed => {
  const spawnedAt = Date.now()
  const child = fork(script, options.args ?? [], {
    execPath: process.execPath,
    execArgv: [...process.execArgv, ...profileFlags(name)],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    detached: true,
    serialization: "advanced"
  })
  if (child.pid === undefined) throw new Error(`could not start ${name}`)
  let tail = ""
  let bytes = 0
  const logDir = process.env.BENCH_LOG_DIR
  const logFile = logDir ? fs.createWriteStream(`${logDir}/${name}-${child.pid}.log`) : undefined
  const keep = (chunk: Buffer) => {
    logFile?.write(chunk)
    bytes += chunk.length
    tail += chunk.toString("utf8")
    if (tail.length > TAIL_BYTES * 2) tail = tail.slice(-TAIL_BYTES)
  }
  child.stdout?.on("data", keep)
  child.stderr?.on("data", keep)
  let running = true
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      running = false
      live.delete(managed)
      resolve({ code, signal })
    })
  )
  const pid = child.pid
  const managed: Managed = {
    name,
    pid,
    child,
    rpc: new RpcClient(child, name),
    spawnedAt,
    exited,
    isRunning: () => running,
    output: () => tail.slice(-TAIL_BYTES),
    outputBytes: () => bytes,
    stop: async ({ signal = "SIGTERM", timeoutMs = 10_000 } = {}) => {
      const started = Date.now()
      if (!running) return { ms: 0, killed: false }
      try {
        process.kill(pid, signal)
      } catch {
        // already gone
      }
      let timer: NodeJS.Timeout | undefined
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))
      ])
      clearTimeout(timer)
      if (timedOut && running) {
        try {
          process.kill(pid, "SIGKILL")
        } catch {
          // already gone
        }
        await exited
      }
      return { ms: Date.now() - started, killed: timedOut }
    }
  }
  live.add(managed)
  return managed
}

/** Stops every child still running (used by scenario clean-up and the runner's exit path). */
export const stopAll = async (timeoutMs = 5_000): Promise<void> => {
  await Promise.all([...live].map((m) => m.stop({ timeoutMs })))
}

/** Last resort in a synchronous exit handler: SIGKILL whatever is left, by pid. */
export const killAllNow = (): void => {
  for (const m of live) {
    try {
      process.kill(m.pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
}

export interface ProcMemory {
  /** bytes */
  readonly rss: number
  /** peak RSS since start (VmHWM), bytes */
  readonly rssPeak: number
  /** proportional set size (shared pages split among sharers), bytes */
  readonly pss: number
}

/** Memory of a process from /proc (Linux). */
export const procMemory = (pid: number): ProcMemory => {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = (field: string, text: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)
    return m ? Number(m[1]) * 1024 : 0
  }
  let pss = 0
  try {
    pss = kb("Pss", fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))
  } catch {
    pss = 0
  }
  return { rss: kb("VmRSS", status), rssPeak: kb("VmHWM", status), pss }
}

const TICKS = 100 // USER_HZ on Linux

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export const procCpuSeconds = (pid: number): number => {
  let stat: string
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return 0 // exited
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // fields[0] is field 3 (state); utime is field 14, stime field 15
  return (Number(fields[11]) + Number(fields[12])) / TICKS
}

/**
 * CPU used by groups of processes between `start()` and `stop()`, in seconds;
 * processes that exit in between are counted up to their last reading only.
 */
export const cpuMeter = (groups: Record<string, () => ReadonlyArray<number>>) => {
  const read = () => {
    const out: Record<string, Map<number, number>> = {}
    for (const [name, pids] of Object.entries(groups)) out[name] = new Map(pids().map((p) => [p, procCpuSeconds(p)]))
    return out
  }
  const before = read()
  const startedAt = Date.now()
  return {
    stop: () => {
      const after = read()
      const wallSeconds = (Date.now() - startedAt) / 1000
      const seconds: Record<string, number> = {}
      for (const name of Object.keys(groups)) {
        let total = 0
        for (const [pid, v] of after[name]!) total += v - (before[name]!.get(pid) ?? 0)
        seconds[name] = Math.round(total * 1000) / 1000
      }
      return { wallSeconds, seconds }
    }
  }
}
