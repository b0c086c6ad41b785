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
  it("grants none while the event loop runs late, then all at its rate", async () => {
    // 100 a second, a burst of 4 (two 20-ms ticks' worth), braking past 50 ms of lag.
    const limiter = StartLimiter.make(100, { burst: 1, maxLagMs: 50 })
    const granted: Array<number> = []
    const all = Promise.all(
      Array.from({ length: 30 }, () => Effect.runPromise(limiter.take).then(() => granted.push(performance.now())))
    )
    await sleep(1)
    const atOnce = granted.length
    // An overloaded loop: five 100-ms stretches of work, 5 ms apart.
    for (let i = 0; i < 5; i++) {
      await sleep(5)
      busy(100)
    }
    const overloadEnd = performance.now()
    const duringOverload = granted.length - atOnce
    await all
    const last = Math.max(...granted)

    expect(atOnce).toBe(4)
    // Without the brake, the ticks between the stretches would have let ~4 through each.
    expect(duringOverload).toBe(0)
    // The other 26 at 100 a second once the loop is back on time (≈ 260 ms, not at once).
    expect(last - overloadEnd).toBeGreaterThan(150)
    expect(last - overloadEnd).toBeLessThan(2_000)
  })

  it("a start stopped while it waits gives its place up", async () => {
    // 20 a second: a slot every 50 ms (the timer ticks every 20 ms), a burst of one.
    const limiter = StartLimiter.make(20, { burst: 1, maxLagMs: 1_000 })
    await Effect.runPromise(limiter.take)
    const waiting = [0, 1, 2].map(() => Effect.runFork(limiter.take))
    await Effect.runPromise(Fiber.interrupt(waiting[0]!))
    await Effect.runPromise(Fiber.interrupt(waiting[1]!))
    const t = performance.now()
    await Effect.runPromise(Fiber.join(waiting[2]!))
    // Its slot is the first after the burst (≈ 60 ms: the third tick), not the third (≈ 160 ms).
    expect(performance.now() - t).toBeLessThan(110)
  })
})
