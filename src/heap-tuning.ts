/**
 * How far V8 lets the heap grow between full collections (HEAP_GROWING_PERCENT).
 *
 * Why: an idle bot's long poll lives 30 s, long enough for everything it
 * allocates to be promoted to the old generation, where it dies. V8 collects the
 * old generation only when it has grown by a factor it chooses (up to 4× what
 * survived the last full collection, more when collections look cheap), and keeps
 * the pages it grew into. With 10,000 idle bots that garbage, not the bots, was
 * most of the RSS: 841 MiB with V8's own factor against 531 MiB at 20 % over
 * HTTP/2, for ≈ 270 MB of live heap (bench `idle-density`). The price is more
 * full collections — mostly concurrent marking, a few percent of a core at the
 * fleet's allocation rates — and ≈ 0.1 ms more CPU per bot started.
 *
 * V8 reads the factor at every full collection, so setting it once at start
 * (after V8 itself started) takes effect for the process's life.
 */
import { Effect, Layer } from "effect"
import { setFlagsFromString } from "node:v8"
import { AppConfig } from "./config.ts"

export const HeapTuningLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const { heapGrowingPercent } = yield* AppConfig
    if (heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`)
  })
)
