/**
 * How far V8 lets the heap grow between full collections, by what the process is
 * doing (HEAP_GROWING_PERCENT).
 *
 * Why: an idle bot's long poll lives 30 s, long enough for everything it
 * allocates to be promoted to the old generation, where it dies. V8 collects the
 * old generation only when it has grown by a factor of its choosing (up to 4× what
 * survived the last full collection) and keeps the pages it grew into; its memory
 * reducer, which would shrink them, waits for an allocation rate that 10,000
 * polling bots never fall to. So with 10,000 idle bots that garbage, not the bots,
 * was most of the RSS.
 *
 * But a small factor under load means a full collection every few megabytes of
 * promoted garbage: the webhook benchmark handled 509 updates/s at a fixed 20 %
 * against 782 with V8's own factor. So the factor follows the event loop's
 * utilisation: busy (starting bots, handling a burst) → V8's own within a quarter
 * of a second; quiet for 5 s → this setting, with one memory-reducing collection at
 * that moment (the kind V8's memory reducer runs, which also hands freed pages back
 * to the system) so the tighter limit applies at once rather than after the garbage
 * has filled the limit the busy spell left. Measured on 2026-12-04 (bench, HTTP/2, 2
 * cores), this at 20 against V8's own factor: 10,000 idle polling bots 524–533 against
 * 802 MiB RSS, 10,000 idle webhook bots 220–223 against 275 MiB, and the webhook load
 * 567 against 561 updates/s handled (no cost measurable).
 *
 * V8 reads the factor at every full collection, so changing the flag at run time
 * takes effect at the next one. A forced collection needs `gc`, which V8 exposes
 * only by flag: it is fetched once from a fresh context after setting the flag.
 */
import { Effect, Layer } from "effect"
import { performance } from "node:perf_hooks"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { AppConfig } from "./config.ts"

/**
 * Utilisation of the event loop over one sample (a quarter of a second) at which the
 * process counts as busy: the switch must come at once, because the first seconds of
 * a burst (a hand-over's starts, a load's first updates) are what a small factor
 * slows most…
 */
const BUSY = 0.5
const BUSY_SAMPLES = 1
/** …and below which, for QUIET_SAMPLES in a row (5 s), it counts as quiet again (so it does not flap). */
const QUIET = 0.35
const QUIET_SAMPLES = 20
const SAMPLE = "250 millis"

const growingPercent = (percent: number) => setFlagsFromString(`--heap-growing-percent=${percent}`)

type Gc = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void

/** V8's most thorough collection, the one that also hands freed pages back to the system. */
const fullCollection = (): (() => void) => {
  setFlagsFromString("--expose-gc")
  const gc = runInNewContext("gc") as Gc
  return () => gc({ type: "major", execution: "sync", flavor: "last-resort" })
}

const followLoad = (percent: number) =>
  Effect.gen(function* () {
    const collect = fullCollection()
    // A replica starts busy: its bots start in a burst.
    let busy = true
    let quietSamples = 0
    let busySamples = 0
    let last = performance.eventLoopUtilization()
    for (;;) {
      yield* Effect.sleep(SAMPLE)
      const now = performance.eventLoopUtilization()
      const utilization = performance.eventLoopUtilization(now, last).utilization
      last = now
      quietSamples = utilization < QUIET ? quietSamples + 1 : 0
      busySamples = utilization >= BUSY ? busySamples + 1 : 0
      if (busy && quietSamples >= QUIET_SAMPLES) {
        busy = false
        growingPercent(percent)
        collect()
        // The collection's own time is not load: the next sample starts after it.
        last = performance.eventLoopUtilization()
      } else if (!busy && busySamples >= BUSY_SAMPLES) {
        busy = true
        growingPercent(0)
      }
    }
  })

export const HeapTuningLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const { heapGrowingPercent } = yield* AppConfig
    if (heapGrowingPercent > 0) yield* Effect.forkScoped(followLoad(heapGrowingPercent))
  })
)
