/**
 * The HTTP server on HTTP_PORT: health, metrics, the tenant REST API and the
 * payment callbacks, each a layer of routes.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { createServer } from "node:http"
import { AppConfig } from "../config.ts"
import { PaymentCallbackRoutes } from "../payments/callback-routes.ts"
import { HealthRoutes, MetricsRoute } from "./health-routes.ts"
import { TenantApiRoutes } from "./tenant-api-routes.ts"
import { TelegramWebhookRoutes } from "./telegram-webhook-routes.ts"

export const HttpLive = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    return HttpRouter.serve(
      Layer.mergeAll(HealthRoutes, MetricsRoute, TenantApiRoutes, PaymentCallbackRoutes, TelegramWebhookRoutes),
      {
        disableLogger: true
      }
    ).pipe(
      // provideMerge: the bound address (HttpServer) stays visible to tests and logs.
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: config.httpPort }))
    )
  })
)
