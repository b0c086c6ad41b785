/**
 * The process's start limiter (src/supervisor/start-limiter.ts): its rate, and
 * its brake — no bot starts while the event loop runs late, so a start burst
 * that asks for more CPU than the loop has cannot starve the cluster's lock
 * refresh. No database or Telegram here: the limiter is a timer and a queue.
 */
import { Effect, Fiber } from "effect"
import { describe, expect, it } from "vitest"
import { StartLimiter } from "../../src/supervisor/start-limiter.ts"

/** Holds the event loop for `ms` (what a burst of TLS handshakes does to it). */
const busy = (ms: number) => {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // spin
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("start limiter", () => {
  it("grants none while the event loop runs late, a tick's worth after a second of it, the rest at its rate once it is on time", async () => {
    // 100 a second, a burst of 4 (two 20-ms ticks' worth), braking past 50 ms of lag.
    const limiter = StartLimiter.make(100, { burst: 1, maxLagMs: 50 })
    const granted: Array<number> = []
    const all = Promise.all(
      Array.from({ length: 30 }, () => Effect.runPromise(limiter.take).then(() => granted.push(performance.now())))
    )
    // An overloaded loop from now on (the limiter's first tick cannot come before it):
    // thirteen 100-ms stretches of work, 5 ms apart.
    const t0 = performance.now()
    const seen: Array<{ readonly atMs: number; readonly granted: number }> = []
    busy(100)
    for (let i = 0; i < 12; i++) {
      await sleep(5)
      seen.push({ atMs: performance.now() - t0, granted: granted.length })
      busy(100)
    }
    await sleep(0)
    const overloadEnd = performance.now()
    const duringOverload = granted.length
    await all
    const last = Math.max(...granted)

    // The burst went at once; without the brake the ticks between the stretches let ~4 through each.
    for (const s of seen.filter((s) => s.atMs < 1_000)) expect(s.granted).toBe(4)
    // After a second of braking, one tick's worth (the burst) goes, then it holds again.
    expect(duringOverload).toBeGreaterThanOrEqual(8)
    expect(duringOverload).toBeLessThanOrEqual(12)
    // The others at 100 a second once the loop is back on time (≈ 200 ms, not at once).
    expect(last - overloadEnd).toBeGreaterThan(100)
    expect(last - overloadEnd).toBeLessThan(2_000)
  })

  it("a start stopped while it waits gives its place up", async () => {
    // 10 a second: a slot every 100 ms (the timer ticks every 20 ms), a burst of one.
    const limiter = StartLimiter.make(10, { burst: 1, maxLagMs: 1_000 })
    await Effect.runPromise(limiter.take)
    const waiting = [0, 1, 2].map(() => Effect.runFork(limiter.take))
    await Effect.runPromise(Fiber.interrupt(waiting[0]!))
    await Effect.runPromise(Fiber.interrupt(waiting[1]!))
    const t = performance.now()
    await Effect.runPromise(Fiber.join(waiting[2]!))
    // Its slot is the first after the burst (≈ 100 ms), not the third (≈ 300 ms).
    expect(performance.now() - t).toBeLessThan(200)
  })
})
