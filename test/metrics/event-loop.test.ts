/**
 * botfleet_event_loop_lag_seconds: the p99 of the loop's delay since the last
 * scrape, without the monitor's own 10-ms sampling interval.
 */
import { expect, it } from "vitest"
import { startEventLoopMonitor } from "../../src/metrics/event-loop.ts"
import { eventLoopLag } from "../../src/metrics/registry.ts"

const gauge = async () => (await eventLoopLag.get()).values[0]?.value ?? NaN
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

it("reports a blocked loop as lag, and an idle loop far below it", async () => {
  const monitor = startEventLoopMonitor()
  try {
    await sleep(300)
    monitor.collect()
    const idle = await gauge()
    await sleep(15) // a block must start between two of the monitor's samples to be seen whole
    const until = Date.now() + 120
    while (Date.now() < until) {
      // busy: the loop is blocked for 120 ms
    }
    await sleep(50)
    monitor.collect()
    const blocked = await gauge()
    expect(blocked).toBeGreaterThanOrEqual(0.09)
    expect(idle).toBeGreaterThanOrEqual(0)
    expect(idle).toBeLessThan(blocked / 2)
  } finally {
    monitor.stop()
  }
})
