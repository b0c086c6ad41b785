/**
 * The HTTP server on HTTP_PORT: health and metrics now; the tenant REST API and
 * the payment callbacks mount their routes here as further layers.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { createServer } from "node:http"
import { AppConfig } from "../config.ts"
import { HealthRoutes, MetricsRoute } from "./health-routes.ts"

export const HttpLive = Layer.unwrap(Effect.gen(function*() {
    const config = yield* AppConfig
    return HttpRouter.serve(Layer.mergeAll(HealthRoutes, MetricsRoute), { disableLogger: true }).pipe(
      // provideMerge: the bound address (HttpServer) stays visible to tests and logs.
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: config.httpPort }))
    )
  }))
