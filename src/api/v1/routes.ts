/**
 * The tenant API as HTTP routes: the schema (api.ts) with its handlers and
 * middleware, and the OpenAPI document at /api/v1/openapi.json.
 */
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { FleetAdmin } from "../../fleet/fleet-admin.ts"
import { TenantsLive } from "../../tenants/index.ts"
import { OPENAPI_PATH, TenantApi } from "./api.ts"
import { AuthorizationLive, BotAccessLive, MasterOnlyLive } from "./auth.ts"
import { ErrorResponsesLive } from "./error-responses.ts"
import { BotHandlers } from "./handlers/bot.ts"
import { BroadcastsHandlers } from "./handlers/broadcasts.ts"
import { ConfigHandlers } from "./handlers/config.ts"
import { FeaturesHandlers } from "./handlers/features.ts"
import { FleetHandlers, TenantAdminHandlers } from "./handlers/fleet.ts"
import { PaymentCardsHandlers } from "./handlers/payment-cards.ts"
import { PaymentsHandlers } from "./handlers/payments.ts"
import { PlansHandlers } from "./handlers/plans.ts"
import { PromoCodesHandlers } from "./handlers/promo-codes.ts"
import { UsersHandlers } from "./handlers/users.ts"
import { ApiRateLimiter } from "./rate-limiter.ts"
import { TenantReads } from "./tenant-reads.ts"

const Handlers = Layer.mergeAll(
  FleetHandlers,
  TenantAdminHandlers,
  BotHandlers,
  FeaturesHandlers,
  ConfigHandlers,
  PaymentCardsHandlers,
  PlansHandlers,
  PaymentsHandlers,
  UsersHandlers,
  PromoCodesHandlers,
  BroadcastsHandlers
)

const Middleware = Layer.mergeAll(AuthorizationLive, BotAccessLive, MasterOnlyLive, ErrorResponsesLive)

const Services = Layer.mergeAll(TenantReads.layer, FleetAdmin.layer, ApiRateLimiter.layer).pipe(
  Layer.provideMerge(TenantsLive)
)

/** Any other path under /api/v1 gets the API's JSON 404, not the router's empty one. */
const UnknownRoute = HttpRouter.add(
  "*",
  "/api/v1/*",
  Effect.succeed(
    HttpServerResponse.jsonUnsafe(
      { _tag: "NotFound", code: "not_found", message: `no such route; see ${OPENAPI_PATH}` },
      { status: 404 }
    )
  )
)

/** Needs a SqlClient and AppConfig (the server provides both). */
export const TenantApiV1 = Layer.mergeAll(
  HttpApiBuilder.layer(TenantApi, { openapiPath: OPENAPI_PATH }).pipe(
    Layer.provide(Handlers),
    Layer.provide(Middleware),
    Layer.provide(Services)
  ),
  UnknownRoute
)
