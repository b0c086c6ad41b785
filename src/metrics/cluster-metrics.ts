/**
 * The cluster engine's own gauges (DESIGN.md §7: "plus Effect cluster's own
 * gauges") on /metrics, under the engine's names: how many shards this runner
 * holds and is releasing, how many singletons run here, that it is a runner
 * (1 per runner process) and whether it counts itself healthy. The engine
 * keeps them as Effect metrics; they are read when Prometheus scrapes.
 */
import { type Context, Effect, Layer, Metric } from "effect"
import * as prom from "prom-client"
import { registry } from "./registry.ts"

const GAUGES: ReadonlyArray<readonly [name: string, help: string]> = [
  ["effect_cluster_shards", "Shards held by this runner"],
  ["effect_cluster_shards_releasing", "Shards this runner is releasing (their entities and singletons stopping)"],
  ["effect_cluster_singletons", "Cluster singletons running in this runner (bot buckets, schedules, the engine's own)"],
  ["effect_cluster_runners", "1 per cluster runner process (summed over the fleet: the number of runners)"],
  ["effect_cluster_runners_healthy", "1 while this runner counts itself among the healthy runners"]
]

const gaugeValue = (context: Context.Context<never>, id: string): number | undefined => {
  for (const snapshot of Metric.snapshotUnsafe(context)) {
    if (snapshot.id === id && snapshot.type === "Gauge") return Number(snapshot.state.value)
  }
  return undefined
}

/** Registers the gauges once per process (several in-process apps share one prom registry). */
export const ClusterMetricsLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const context = yield* Effect.context<never>()
    for (const [name, help] of GAUGES) {
      if (registry.getSingleMetric(name)) continue
      new prom.Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          const value = gaugeValue(context, name)
          if (value !== undefined) this.set(value)
        }
      })
    }
  })
)
