/**
 * How far V8 lets the old generation grow past what survived its last full
 * collection before it collects again (HEAP_GROWING_PERCENT; 0, the default,
 * leaves V8's own factor, up to 4×).
 *
 * Why an operator may want it: an idle bot's long poll lives 30 s, long enough
 * for everything it allocates to be promoted to the old generation, where it
 * dies; V8 collects it only when the old generation has grown by its factor, and
 * its memory reducer, which would shrink the heap, waits for an allocation rate
 * that 10,000 polling bots never fall to. Measured at 20 (bench, HTTP/2, 2 cores):
 * 10,000 idle polling bots 634 MiB RSS against 841 with V8's own factor, 10,000 idle
 * webhook bots 297 against 455 MiB. The price is more full collections under load:
 * the webhook benchmark handled 544 updates/s at 20 against 768 with V8's own
 * factor. So it is for replicas of mostly idle bots.
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
