/** /healthz (the process answers), /readyz (it can take work) and /metrics (Prometheus text). */
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { startEventLoopMonitor } from "../metrics/event-loop.ts"
import { registry } from "../metrics/registry.ts"
import { Health } from "../supervisor/health.ts"

export const HealthRoutes = Layer.mergeAll(
  HttpRouter.add("GET", "/healthz", HttpServerResponse.text("ok")),
  HttpRouter.add(
    "GET",
    "/readyz",
    Effect.gen(function* () {
      const health = yield* Health
      const { checks, ready } = yield* health.readiness
      return HttpServerResponse.jsonUnsafe({ ready, checks }, { status: ready ? 200 : 503 })
    })
  )
)

export const MetricsRoute = HttpRouter.use((router) =>
  Effect.gen(function* () {
    const monitor = yield* Effect.acquireRelease(Effect.sync(startEventLoopMonitor), (m) => Effect.sync(m.stop))
    yield* router.add(
      "GET",
      "/metrics",
      Effect.promise(async () => {
        monitor.collect()
        return HttpServerResponse.text(await registry.metrics(), { contentType: registry.contentType })
      })
    )
  })
)
