/**
 * Event-loop lag (p99 of the loop's delay since the previous scrape), the first
 * thing to look at when thousands of bots share one process.
 *
 * Node's histogram samples with a timer every RESOLUTION_MS and records the
 * whole interval each time, so an idle loop reads ≈ RESOLUTION_MS: the lag is
 * what exceeds it (the bench measures it the same way).
 */
import { monitorEventLoopDelay } from "node:perf_hooks"
import { eventLoopLag } from "./registry.ts"

const RESOLUTION_MS = 10

export const startEventLoopMonitor = () => {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  histogram.enable()
  const collect = () => {
    // No sample since the last scrape (scrapes less than RESOLUTION_MS apart): nothing new to say.
    if (histogram.count > 0) eventLoopLag.set(Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION_MS) / 1000)
    histogram.reset()
  }
  return { collect, stop: () => histogram.disable() }
}
