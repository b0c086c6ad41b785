/**
 * Staggers bot starts for the whole process (every bot's first start and every
 * restart, long polling or webhook): a token bucket of BOT_STARTS_PER_SECOND
 * with a small burst, so a handful of changes start at once and 10,000 bots do
 * not hit Telegram in one burst — and a brake: while the event loop runs more
 * than `maxLagMs` late, no start is let through.
 *
 * Why the brake: what a start costs depends on the transport (≈ 0.4 ms of CPU
 * over HTTP/2, ≈ 1.7 ms over TLS/HTTP/1.1, where each long poll makes its own
 * TLS handshake), so a fixed rate can ask for more than the one core the event
 * loop has. Then the starts' work queues up, the loop falls further behind for
 * as long as starts keep coming, and past 3 s the cluster's shard-lock refresh
 * times out: the runner declares its lock storage unhealthy, stops every bot it
 * runs, and starts them all again. Measured at 10,000 bots over TLS/HTTP/1.1
 * before the brake: the loop over a second late during the start, and in four
 * runs in a row all polling only after 42-73 s with 4-9 ms of CPU per bot started
 * (the run whose log was kept: lock storage unhealthy, every connection closed and
 * opened again); with it, three runs: 17-21 s and 1.7-2.0 ms.
 *
 * The waiting starts are a queue served by one timer, which is also the lag
 * probe: each tick measures how late it fired. Nothing runs while no start waits.
 */
import { Context, Effect, Layer } from "effect"
import { AppConfig } from "../config.ts"

/** The timer that serves waiting starts (and measures the loop's lag) ticks this often. */
const TICK_MS = 20

/**
 * No start while a tick fires later than this. Well below the 3-s lock-refresh
 * timeout, and above what a healthy start burst shows (10,000 bots over HTTP/2:
 * loop delay p99 ≈ 25 ms, spikes to ≈ 110 ms at a garbage collection).
 */
export const MAX_START_LAG_MS = 150

/**
 * The brake holds starts at most this long in a row, then lets one tick's worth
 * through: a loop that stays late for another reason (a flood of updates) slows
 * starts down to about a burst a second but never stops them.
 */
export const MAX_BRAKE_MS = 1_000

/** Served waiters are dropped from the queue's front once this many have gone. */
const COMPACT_AFTER = 1_024

interface Waiter {
  readonly resume: () => void
  cancelled: boolean
}

export class StartLimiter extends Context.Service<
  StartLimiter,
  {
    /** Waits for this caller's start slot. */
    readonly take: Effect.Effect<void>
  }
>()("botfleet/supervisor/StartLimiter") {
  static readonly make = (perSecond: number, options: { readonly burst?: number; readonly maxLagMs?: number } = {}) => {
    const rate = Math.max(1, perSecond) / 1000 // tokens per millisecond
    // At least two ticks' worth: a tick that fires a little late must not lower the rate.
    const burst = Math.max(1, options.burst ?? 20, 2 * rate * TICK_MS)
    const maxLagMs = options.maxLagMs ?? MAX_START_LAG_MS
    // When the brake began holding (undefined: it is not).
    let brakingSince: number | undefined
    let tokens = burst
    let refilledAt = performance.now()
    const refill = (now: number) => {
      tokens = Math.min(burst, tokens + (now - refilledAt) * rate)
      refilledAt = now
    }
    // FIFO; `head` moves forward rather than shifting the array (10,000 waiters at a hand-over).
    let queue: Array<Waiter> = []
    let head = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    let due = 0
    const schedule = () => {
      due = performance.now() + TICK_MS
      timer = setTimeout(tick, TICK_MS)
    }
    const tick = () => {
      timer = undefined
      const now = performance.now()
      refill(now)
      if (now - due > maxLagMs) brakingSince ??= now
      else brakingSince = undefined
      if (brakingSince === undefined || now - brakingSince >= MAX_BRAKE_MS) {
        brakingSince = undefined
        while (head < queue.length && tokens >= 1) {
          const waiter = queue[head++]!
          if (waiter.cancelled) continue
          tokens -= 1
          waiter.resume()
        }
      }
      if (head === queue.length) {
        queue = []
        head = 0
      } else if (head >= COMPACT_AFTER && head * 2 >= queue.length) {
        queue = queue.slice(head)
        head = 0
      }
      // A resumed start that asked again at once has scheduled the next tick already.
      if (head < queue.length && timer === undefined) schedule()
    }
    return StartLimiter.of({
      take: Effect.callback<void>((resume) => {
        refill(performance.now())
        // Nobody waiting and a token at hand: go (nothing is starting in bulk, so nothing to brake).
        if (head === queue.length && tokens >= 1) {
          tokens -= 1
          resume(Effect.void)
          return
        }
        const waiter: Waiter = { resume: () => resume(Effect.void), cancelled: false }
        queue.push(waiter)
        if (timer === undefined) schedule()
        // A bot stopped while it waited gives its place up.
        return Effect.sync(() => {
          waiter.cancelled = true
        })
      })
    })
  }

  static readonly layer = Layer.effect(
    StartLimiter,
    Effect.gen(function* () {
      const config = yield* AppConfig
      return StartLimiter.make(config.startsPerSecond)
    })
  )
}
