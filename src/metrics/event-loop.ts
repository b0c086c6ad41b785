/**
 * Event-loop lag (p99 of the loop's delay since the previous scrape), the first
 * thing to look at when thousands of bots share one process.
 */
import { monitorEventLoopDelay } from "node:perf_hooks"
import { eventLoopLag } from "./registry.ts"

export const startEventLoopMonitor = () => {
  const histogram = monitorEventLoopDelay({ resolution: 10 })
  histogram.enable()
  const collect = () => {
    eventLoopLag.set(histogram.percentile(99) / 1e9)
    histogram.reset()
  }
  return { collect, stop: () => histogram.disable() }
}
