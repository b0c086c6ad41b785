/**
 * The HTTP servers: HTTP_PORT — the public port — carries health, the tenant
 * REST API, the payment callbacks and the Telegram webhooks; METRICS_PORT
 * (default 9464, never exposed publicly) carries /metrics alone, so per-tenant
 * sales figures are not served to the internet.
 *
 * A worker process (WORKER_PROCESSES > 1) keeps /metrics on its own internal
 * HTTP port: its parent scrapes every worker there and is the pod's one
 * scrape target (src/supervisor/workers/parent-http.ts).
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { createServer } from "node:http"
import { AppConfig } from "../config.ts"
import { PaymentCallbackRoutes } from "./zarinpal-callback/routes.ts"
import { HealthRoutes, MetricsRoute } from "./health-routes.ts"
import { TenantApiRoutes } from "./tenant-api-routes.ts"
import { TelegramWebhookRoutes } from "./telegram-webhook-routes.ts"

/** Where /metrics is served: METRICS_PORT (a worker's is given by its parent, which merges them). */
export class MetricsAddress extends Context.Service<MetricsAddress, { readonly port: number }>()(
  "botfleet/api/MetricsAddress"
) {}

const portOf = (address: HttpServer.HttpServer["Service"]["address"]) => ("port" in address ? address.port : 0)

export const HttpLive = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const publicRoutes = Layer.mergeAll(HealthRoutes, TenantApiRoutes, PaymentCallbackRoutes, TelegramWebhookRoutes)
    const serve = <A, E, R>(routes: Layer.Layer<A, E, R>) => HttpRouter.serve(routes, { disableLogger: true })
    const addressOf = Layer.effect(
      MetricsAddress,
      Effect.map(HttpServer.HttpServer, (server) => ({ port: portOf(server.address) }))
    )
    const metrics = serve(MetricsRoute).pipe(
      Layer.provideMerge(addressOf),
      Layer.provide(NodeHttpServer.layer(createServer, { port: config.metricsPort }))
    )
    return Layer.merge(
      serve(publicRoutes).pipe(
        // provideMerge: the bound address (HttpServer) stays visible to tests and logs.
        Layer.provideMerge(NodeHttpServer.layer(createServer, { port: config.httpPort }))
      ),
      metrics
    )
  })
)
