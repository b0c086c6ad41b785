/**
 * The tenant REST API, schema first: every route, its parameters, body,
 * responses and middleware. The OpenAPI document (/api/v1/openapi.json) is
 * generated from this, so it lists exactly what is served.
 */
import type { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { BadGateway, Conflict, Forbidden, UnprocessableEntity } from "./errors.ts"
import { Authorization, BotAccess, ErrorResponses, MasterOnly } from "./middleware.ts"
import {
  BroadcastAudience,
  BroadcastList,
  BroadcastView,
  BotList,
  BotStatistics,
  BotStatus,
  BotView,
  ConfigEntry,
  CustomerCardView,
  ConfigMap,
  CreatedBot,
  FeatureFlagList,
  FeatureFlagView,
  PaymentCardList,
  PaymentCardStatistics,
  PaymentCardView,
  PaymentList,
  PaymentView,
  PlanList,
  PlanView,
  PromoCodeList,
  PromoCodeView,
  ReviewedPayment,
  RotatedApiToken,
  UserList,
  UserView,
  WalletBalance,
  WalletTransactionList
} from "./models.ts"
import {
  BroadcastAudienceQuery,
  CreateBroadcastBody,
  BotParams,
  CardsQuery,
  ConfigParams,
  CreateBotBody,
  CreateCardBody,
  CreatePlanBody,
  CreatePromoCodeBody,
  FeatureParams,
  FindUserQuery,
  PageQuery,
  PaymentParams,
  PaymentsQuery,
  PlanGrantBody,
  RecordParams,
  RejectPaymentBody,
  ReorderPlansBody,
  SetConfigBody,
  SetFeatureBody,
  SubscriptionDaysBody,
  TopUpBody,
  UpdateBotBody,
  UpdateCardBody,
  UpdatePlanBody,
  UsersQuery,
  WalletAdjustmentBody
} from "./payloads.ts"

const created = <S extends Schema.Top>(schema: S) => schema.pipe(HttpApiSchema.status(201))
const summary = (text: string) => OpenApi.annotations({ summary: text })

/** Fleet routes: the master token only. */
export class FleetApi extends HttpApiGroup.make("fleet")
  .add(
    HttpApiEndpoint.get("listBots", "/bots", { success: BotList }).annotateMerge(
      summary("Every bot of the fleet (master token)")
    ),
    HttpApiEndpoint.post("createBot", "/bots", {
      payload: CreateBotBody,
      success: created(CreatedBot),
      error: [Conflict, UnprocessableEntity, BadGateway]
    }).annotateMerge(summary("Create a tenant from a Telegram token checked with getMe (master token)"))
  )
  .middleware(ErrorResponses)
  .middleware(MasterOnly)
  .middleware(Authorization) {}

/** Operator actions on one tenant: the master token only. */
export class TenantAdminApi extends HttpApiGroup.make("tenantAdmin")
  .add(
    HttpApiEndpoint.delete("deleteBot", "/bots/:botId", {
      params: BotParams,
      success: HttpApiSchema.NoContent,
      error: Conflict
    }).annotateMerge(summary("Delete a tenant and everything it holds (master token)")),
    HttpApiEndpoint.post("rotateApiToken", "/bots/:botId/api-token", {
      params: BotParams,
      success: RotatedApiToken
    }).annotateMerge(summary("Issue a new API token for the bot; the old one stops working at once (master token)")),
    HttpApiEndpoint.post("topUpWallet", "/bots/:botId/wallet/top-ups", {
      params: BotParams,
      payload: TopUpBody,
      success: created(WalletBalance),
      error: Conflict
    }).annotateMerge(summary("Credit the tenant's wallet (master token)"))
  )
  .middleware(ErrorResponses)
  .middleware(MasterOnly)
  .middleware(BotAccess)
  .middleware(Authorization) {}

export class BotApi extends HttpApiGroup.make("bot")
  .add(
    HttpApiEndpoint.get("getBot", "/bots/:botId", { params: BotParams, success: BotView }).annotateMerge(
      summary("The bot (its Telegram token masked)")
    ),
    HttpApiEndpoint.patch("updateBot", "/bots/:botId", {
      params: BotParams,
      payload: UpdateBotBody,
      success: BotView,
      error: [Forbidden, Conflict, UnprocessableEntity, BadGateway]
    }).annotateMerge(
      summary("Rename the bot or change its Telegram token; the master token may also set currency, rate and activity")
    ),
    HttpApiEndpoint.get("getStatus", "/bots/:botId/status", { params: BotParams, success: BotStatus }).annotateMerge(
      summary("The bot's runtime state as the supervisor recorded it")
    ),
    HttpApiEndpoint.get("getStatistics", "/bots/:botId/statistics", {
      params: BotParams,
      success: BotStatistics
    }).annotateMerge(summary("Counts, revenue, wallet and traffic of the bot")),
    HttpApiEndpoint.get("listWalletTransactions", "/bots/:botId/wallet/transactions", {
      params: BotParams,
      query: PageQuery,
      success: WalletTransactionList
    }).annotateMerge(summary("The tenant wallet's ledger, newest first"))
  )
  .middleware(ErrorResponses)
  .middleware(BotAccess)
  .middleware(Authorization) {}

export class FeaturesApi extends HttpApiGroup.make("features")
  .add(
    HttpApiEndpoint.get("listFeatures", "/bots/:botId/features", { params: BotParams, success: FeatureFlagList }),
    HttpApiEndpoint.get("getFeature", "/bots/:botId/features/:key", {
      params: FeatureParams,
      success: FeatureFlagView
    }).annotateMerge(summary("One flag (404 when it has no row: disabled)")),
    HttpApiEndpoint.put("setFeature", "/bots/:botId/features/:key", {
      params: FeatureParams,
      payload: SetFeatureBody,
      success: FeatureFlagView
    }),
    HttpApiEndpoint.delete("deleteFeature", "/bots/:botId/features/:key", {
      params: FeatureParams,
      success: HttpApiSchema.NoContent
    })
  )
  .middleware(ErrorResponses)
  .middleware(BotAccess)
  .middleware(Authorization) {}

export class ConfigApi extends HttpApiGroup.make("config")
  .add(
    HttpApiEndpoint.get("listConfig", "/bots/:botId/config", { params: BotParams, success: ConfigMap }),
    HttpApiEndpoint.get("getConfig", "/bots/:botId/config/:key", { params: ConfigParams, success: ConfigEntry }),
    HttpApiEndpoint.put("setConfig", "/bots/:botId/config/:key", {
      params: ConfigParams,
      payload: SetConfigBody,
      success: ConfigEntry,
      error: BadGateway
    }).annotateMerge(
      summary(
        "Set one value; known keys (ADMIN_IDS, DEFAULT_LANGUAGE, …) are type-checked, squad lists checked against the panel, the shop's own texts (TEXT_WELCOME_FA … TEXT_SUPPORT_RU) checked as Telegram HTML of at most 4096 characters after parsing (400 validation_failed with Telegram's reason)"
      )
    ),
    HttpApiEndpoint.delete("deleteConfig", "/bots/:botId/config/:key", {
      params: ConfigParams,
      success: HttpApiSchema.NoContent
    })
  )
  .middleware(ErrorResponses)
  .middleware(BotAccess)
  .middleware(Authorization) {}

export class PaymentCardsApi extends HttpApiGroup.make("paymentCards")
  .add(
    HttpApiEndpoint.get("listCards", "/bots/:botId/payment-cards", {
      params: BotParams,
      query: CardsQuery,
      success: PaymentCardList
    }),
    HttpApiEndpoint.get("cardStatistics", "/bots/:botId/payment-cards/statistics", {
      params: BotParams,
      success: PaymentCardStatistics
    }).annotateMerge(summary("Per card: rotation counters and the payments it received")),
    HttpApiEndpoint.post("createCard", "/bots/:botId/payment-cards", {
      params: BotParams,
      payload: CreateCardBody,
      success: created(PaymentCardView),
      error: Conflict
    }),
    HttpApiEndpoint.get("getCard", "/bots/:botId/payment-cards/:id", {
      params: RecordParams,
      success: PaymentCardView
    }),
    HttpApiEndpoint.patch("updateCard", "/bots/:botId/payment-cards/:id", {
      params: RecordParams,
      payload: UpdateCardBody,
      success: PaymentCardView,
      error: Conflict
    }),
    HttpApiEndpoint.delete("deleteCard", "/bots/:botId/payment-cards/:id", {
      params: RecordParams,
      success: HttpApiSchema.NoContent
    })
  )
  .middleware(ErrorResponses)
  .middleware(BotAccess)
  .middleware(Authorization) {}

export class PlansApi extends HttpApiGroup.make("plans")
  .add(
    HttpApiEndpoint.get("listPlans", "/bots/:botId/plans", { params: BotParams, success: PlanList }),
    HttpApiEndpoint.post("createPlan", "/bots/:botId/plans", {
      params: BotParams,
      payload: CreatePlanBody,
      success: created(PlanView),
      error: BadGateway
    }),
    HttpApiEndpoint.post("reorderPlans", "/bots/:botId/plans/reorder", {
      params: BotParams,
      payload: ReorderPlansBody,
      success: PlanList
    }).annotateMerge(summary("Put the listed plans first, in this order")),
    HttpApiEndpoint.get("getPlan", "/bots/:botId/plans/:id", { params: RecordParams, success: PlanView }),
    HttpApiEndpoint.patch("updatePlan", "/bots/:botId/plans/:id", {
      params: RecordParams,
      payload: UpdatePlanBody,
      success: PlanView,
      error: BadGateway
    }),
    HttpApiEndpoint.delete("deletePlan", "/bots/:botId/plans/:id", {
      params: RecordParams,
      success: HttpApiSchema.NoContent
    })
  )
  .middleware(ErrorResponses)
  .middleware(BotAccess)
  .middleware(Authorization) {}

export class PaymentsApi extends HttpApiGroup.make("payments")
  .add(
    HttpApiEndpoint.get("listPayments", "/bots/:botId/payments", {
      params: BotParams,
      query: PaymentsQuery,
      success: PaymentList
    }).annotateMerge(summary("Card-to-card and ZarinPal payments, newest first, filtered")),
    HttpApiEndpoint.get("getPayment", "/bots/:botId/payments/:id", { params: PaymentParams, success: PaymentView }),
    HttpApiEndpoint.post("approvePayment", "/bots/:botId/payments/:id/approve", {
      params: PaymentParams,
      success: ReviewedPayment,
      error: Conflict
    }).annotateMerge(summary("Approve a pending card-to-card payment (the same state machine as the Telegram review)")),
    HttpApiEndpoint.post("rejectPayment", "/bots/:botId/payments/:id/reject", {
      params: PaymentParams,
      payload: RejectPaymentBody,
      success: ReviewedPayment,
      error: Conflict
    }).annotateMerge(summary("Reject a pending card-to-card payment with a reason"))
  )
  .middleware(ErrorResponses)
  .middleware(BotAccess)
  .middleware(Authorization) {}

export class UsersApi extends HttpApiGroup.make("users")
  .add(
    HttpApiEndpoint.get("listUsers", "/bots/:botId/users", {
      params: BotParams,
      query: UsersQuery,
      success: UserList
    }).annotateMerge(summary("The bot's users, newest first; `search` filters")),
    HttpApiEndpoint.get("getUser", "/bots/:botId/users/:id", { params: RecordParams, success: UserView }),
    HttpApiEndpoint.get("findCustomer", "/bots/:botId/users/find", {
      params: BotParams,
      query: FindUserQuery,
      success: CustomerCardView
    }).annotateMerge(summary("The customer with this Telegram id or @username (exact), as their card")),
    HttpApiEndpoint.get("getCustomerCard", "/bots/:botId/users/:id/card", {
      params: RecordParams,
      success: CustomerCardView
    }).annotateMerge(
      summary("The customer's card: subscription, latest payments, wallet ledger and admin actions (5 of each)")
    ),
    HttpApiEndpoint.post("adjustWallet", "/bots/:botId/users/:id/wallet-adjustments", {
      params: RecordParams,
      payload: WalletAdjustmentBody,
      success: CustomerCardView,
      error: Conflict
    }).annotateMerge(
      summary("Credit or debit the customer's wallet with a reason (a ledger entry and an audit row); never below zero")
    ),
    HttpApiEndpoint.post("changeSubscriptionDays", "/bots/:botId/users/:id/subscription-days", {
      params: RecordParams,
      payload: SubscriptionDaysBody,
      success: CustomerCardView,
      error: Conflict
    }).annotateMerge(summary("Add or take days of the customer's subscription; the VPN panel follows")),
    HttpApiEndpoint.post("grantPlan", "/bots/:botId/users/:id/plan-grants", {
      params: RecordParams,
      payload: PlanGrantBody,
      success: CustomerCardView,
      error: Conflict
    }).annotateMerge(summary("Give the customer a plan without payment (recorded as a grant)")),
    HttpApiEndpoint.put("banCustomer", "/bots/:botId/users/:id/ban", {
      params: RecordParams,
      success: CustomerCardView
    }).annotateMerge(summary("Ban the customer: one polite refusal on their next message, then silence")),
    HttpApiEndpoint.delete("unbanCustomer", "/bots/:botId/users/:id/ban", {
      params: RecordParams,
      success: CustomerCardView
    }).annotateMerge(summary("Lift the customer's ban"))
  )
  .middleware(ErrorResponses)
  .middleware(BotAccess)
  .middleware(Authorization) {}

export class PromoCodesApi extends HttpApiGroup.make("promoCodes")
  .add(
    HttpApiEndpoint.get("listPromoCodes", "/bots/:botId/promo-codes", {
      params: BotParams,
      success: PromoCodeList
    }).annotateMerge(summary("The bot's promo codes, newest first, with their usage counts")),
    HttpApiEndpoint.post("createPromoCode", "/bots/:botId/promo-codes", {
      params: BotParams,
      payload: CreatePromoCodeBody,
      success: created(PromoCodeView),
      error: Conflict
    }).annotateMerge(
      summary("Create a promo code (credit, extra days, discount on the next purchase, or a plan trial)")
    ),
    HttpApiEndpoint.post("disablePromoCode", "/bots/:botId/promo-codes/:id/disable", {
      params: RecordParams,
      success: PromoCodeView
    }).annotateMerge(summary("Turn a promo code off for good (uses already made stay)"))
  )
  .middleware(ErrorResponses)
  .middleware(BotAccess)
  .middleware(Authorization) {}

export class BroadcastsApi extends HttpApiGroup.make("broadcasts")
  .add(
    HttpApiEndpoint.get("broadcastAudience", "/bots/:botId/broadcasts/audience", {
      params: BotParams,
      query: BroadcastAudienceQuery,
      success: BroadcastAudience
    }).annotateMerge(summary("How many customers a segment would reach now (the count before confirming)")),
    HttpApiEndpoint.get("listBroadcasts", "/bots/:botId/broadcasts", {
      params: BotParams,
      success: BroadcastList
    }).annotateMerge(summary("The bot's broadcasts, newest first (at most 50), with their counts")),
    HttpApiEndpoint.post("createBroadcast", "/bots/:botId/broadcasts", {
      params: BotParams,
      payload: CreateBroadcastBody,
      success: created(BroadcastView),
      error: Conflict
    }).annotateMerge(
      summary("Send a message to a segment of the customers, at BROADCAST_MESSAGES_PER_SECOND (one at a time per bot)")
    ),
    HttpApiEndpoint.get("getBroadcast", "/bots/:botId/broadcasts/:id", {
      params: RecordParams,
      success: BroadcastView
    }),
    HttpApiEndpoint.post("cancelBroadcast", "/bots/:botId/broadcasts/:id/cancel", {
      params: RecordParams,
      success: BroadcastView,
      error: Conflict
    }).annotateMerge(summary("Stop a broadcast being sent; what went out stays counted"))
  )
  .middleware(ErrorResponses)
  .middleware(BotAccess)
  .middleware(Authorization) {}

export class TenantApi extends HttpApi.make("botfleet")
  .add(FleetApi)
  .add(TenantAdminApi)
  .add(BotApi)
  .add(FeaturesApi)
  .add(ConfigApi)
  .add(PaymentCardsApi)
  .add(PlansApi)
  .add(PaymentsApi)
  .add(UsersApi)
  .add(PromoCodesApi)
  .add(BroadcastsApi)
  .prefix("/api/v1")
  // Unknown body fields are refused rather than silently ignored; every problem is reported at once.
  .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "error", errors: "all" })
  .annotate(HttpApi.QueryParseOptions, { errors: "all" })
  .annotate(HttpApi.ParamsParseOptions, { errors: "all" })
  .annotateMerge(
    OpenApi.annotations({
      title: "botfleet tenant API",
      version: "1",
      description:
        "Manage a tenant shop bot with its API token (`Authorization: Bearer <token>`): a tenant's token " +
        "reaches only its own bot; the master bot's token reaches every bot and the fleet routes. Errors are JSON " +
        "with a stable `code`; a rate-limited token gets 429 with `Retry-After`."
    })
  ) {}

export const OPENAPI_PATH = "/api/v1/openapi.json"
