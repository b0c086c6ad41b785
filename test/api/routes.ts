/**
 * Every route of the API, as the tests call it: the token-scoping matrix walks
 * this list, and the OpenAPI test checks the document lists exactly these.
 */
import type { TenantData } from "./support.ts"

export interface RouteCall {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  /** The OpenAPI path template. */
  readonly template: string
  readonly path: (d: TenantData) => string
  readonly body?: (d: TenantData) => unknown
  /** Changes state: called last by the master, in this order. */
  readonly masterOnly?: boolean
  /** The route takes ids of records inside the bot (plans, cards, payments, users). */
  readonly recordIds?: boolean
  /** What the master token gets on another tenant's bot. */
  readonly masterStatus: number
}

const bot = (d: TenantData) => `/api/v1/bots/${d.botId}`

export const BOT_ROUTES: ReadonlyArray<RouteCall> = [
  { method: "GET", template: "/api/v1/bots/{botId}", path: bot, masterStatus: 200 },
  {
    method: "PATCH",
    template: "/api/v1/bots/{botId}",
    path: bot,
    body: () => ({ name: "Renamed" }),
    masterStatus: 200
  },
  { method: "GET", template: "/api/v1/bots/{botId}/status", path: (d) => `${bot(d)}/status`, masterStatus: 200 },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/statistics",
    path: (d) => `${bot(d)}/statistics`,
    masterStatus: 200
  },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/wallet/transactions",
    path: (d) => `${bot(d)}/wallet/transactions`,
    masterStatus: 200
  },
  { method: "GET", template: "/api/v1/bots/{botId}/features", path: (d) => `${bot(d)}/features`, masterStatus: 200 },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/features/{key}",
    path: (d) => `${bot(d)}/features/card_to_card`,
    masterStatus: 200
  },
  {
    method: "PUT",
    template: "/api/v1/bots/{botId}/features/{key}",
    path: (d) => `${bot(d)}/features/zarinpal`,
    body: () => ({ enabled: true, config: { note: "x" } }),
    masterStatus: 200
  },
  {
    method: "DELETE",
    template: "/api/v1/bots/{botId}/features/{key}",
    path: (d) => `${bot(d)}/features/card_to_card`,
    masterStatus: 204
  },
  { method: "GET", template: "/api/v1/bots/{botId}/config", path: (d) => `${bot(d)}/config`, masterStatus: 200 },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/config/{key}",
    path: (d) => `${bot(d)}/config/SUPPORT_USERNAME`,
    masterStatus: 200
  },
  {
    method: "PUT",
    template: "/api/v1/bots/{botId}/config/{key}",
    path: (d) => `${bot(d)}/config/DEFAULT_LANGUAGE`,
    body: () => ({ value: "en" }),
    masterStatus: 200
  },
  {
    method: "DELETE",
    template: "/api/v1/bots/{botId}/config/{key}",
    path: (d) => `${bot(d)}/config/SUPPORT_USERNAME`,
    masterStatus: 204
  },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/payment-cards",
    path: (d) => `${bot(d)}/payment-cards`,
    masterStatus: 200
  },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/payment-cards/statistics",
    path: (d) => `${bot(d)}/payment-cards/statistics`,
    masterStatus: 200
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/payment-cards",
    path: (d) => `${bot(d)}/payment-cards`,
    body: () => ({ cardNumber: "6037-9900-0000-0022", cardHolderName: "New Holder", bankName: "Melli" }),
    masterStatus: 201
  },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/payment-cards/{id}",
    path: (d) => `${bot(d)}/payment-cards/${d.cardId}`,
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "PATCH",
    template: "/api/v1/bots/{botId}/payment-cards/{id}",
    path: (d) => `${bot(d)}/payment-cards/${d.cardId}`,
    body: () => ({ weight: 3 }),
    recordIds: true,
    masterStatus: 200
  },
  { method: "GET", template: "/api/v1/bots/{botId}/plans", path: (d) => `${bot(d)}/plans`, masterStatus: 200 },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/plans",
    path: (d) => `${bot(d)}/plans`,
    body: () => ({ name: "Weekly", periodDays: 7, price: 30000 }),
    masterStatus: 201
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/plans/reorder",
    path: (d) => `${bot(d)}/plans/reorder`,
    body: (d) => ({ ids: [d.planId] }),
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/plans/{id}",
    path: (d) => `${bot(d)}/plans/${d.planId}`,
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "PATCH",
    template: "/api/v1/bots/{botId}/plans/{id}",
    path: (d) => `${bot(d)}/plans/${d.planId}`,
    body: () => ({ price: 120000 }),
    recordIds: true,
    masterStatus: 200
  },
  { method: "GET", template: "/api/v1/bots/{botId}/payments", path: (d) => `${bot(d)}/payments`, masterStatus: 200 },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/payments/{id}",
    path: (d) => `${bot(d)}/payments/c2c_${d.cardPaymentId}`,
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/payments/{id}/approve",
    path: (d) => `${bot(d)}/payments/c2c_${d.cardPaymentId}/approve`,
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/payments/{id}/reject",
    path: (d) => `${bot(d)}/payments/c2c_${d.secondCardPaymentId}/reject`,
    body: () => ({ reason: "no such transfer" }),
    recordIds: true,
    masterStatus: 200
  },
  { method: "GET", template: "/api/v1/bots/{botId}/users", path: (d) => `${bot(d)}/users`, masterStatus: 200 },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/users/{id}",
    path: (d) => `${bot(d)}/users/${d.userId}`,
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/promo-codes",
    path: (d) => `${bot(d)}/promo-codes`,
    masterStatus: 200
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/promo-codes",
    path: (d) => `${bot(d)}/promo-codes`,
    body: () => ({ code: "WELCOME", kind: "credit", amount: 1000, maxUses: 10 }),
    masterStatus: 201
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/promo-codes/{id}/disable",
    path: (d) => `${bot(d)}/promo-codes/${d.promoCodeId}/disable`,
    recordIds: true,
    masterStatus: 200
  },
  // Customer management, on the second user (the first one's wallet is checked after the approval).
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/users/find",
    path: (d) => `${bot(d)}/users/find?query=${d.secondTelegramId}`,
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/users/{id}/card",
    path: (d) => `${bot(d)}/users/${d.secondUserId}/card`,
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/users/{id}/wallet-adjustments",
    path: (d) => `${bot(d)}/users/${d.secondUserId}/wallet-adjustments`,
    body: () => ({ amount: 1000, reason: "goodwill" }),
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/users/{id}/plan-grants",
    path: (d) => `${bot(d)}/users/${d.secondUserId}/plan-grants`,
    body: (d) => ({ planId: d.planId }),
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/users/{id}/subscription-days",
    path: (d) => `${bot(d)}/users/${d.secondUserId}/subscription-days`,
    body: () => ({ days: 3 }),
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "PUT",
    template: "/api/v1/bots/{botId}/users/{id}/ban",
    path: (d) => `${bot(d)}/users/${d.secondUserId}/ban`,
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "DELETE",
    template: "/api/v1/bots/{botId}/users/{id}/ban",
    path: (d) => `${bot(d)}/users/${d.secondUserId}/ban`,
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/broadcasts/audience",
    path: (d) => `${bot(d)}/broadcasts/audience?segment=all`,
    masterStatus: 200
  },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/broadcasts",
    path: (d) => `${bot(d)}/broadcasts`,
    masterStatus: 200
  },
  {
    method: "GET",
    template: "/api/v1/bots/{botId}/broadcasts/{id}",
    path: (d) => `${bot(d)}/broadcasts/${d.broadcastId}`,
    recordIds: true,
    masterStatus: 200
  },
  // The seeded broadcast is stopped before a new one may start (one at a time per bot).
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/broadcasts/{id}/cancel",
    path: (d) => `${bot(d)}/broadcasts/${d.broadcastId}/cancel`,
    recordIds: true,
    masterStatus: 200
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/broadcasts",
    path: (d) => `${bot(d)}/broadcasts`,
    body: () => ({ text: "Hello from the API", segment: "all" }),
    masterStatus: 201
  },
  // Deletions and the master's own routes come last: they change or end the tenant.
  {
    method: "DELETE",
    template: "/api/v1/bots/{botId}/payment-cards/{id}",
    path: (d) => `${bot(d)}/payment-cards/${d.cardId}`,
    recordIds: true,
    masterStatus: 204
  },
  {
    method: "DELETE",
    template: "/api/v1/bots/{botId}/plans/{id}",
    path: (d) => `${bot(d)}/plans/${d.planId}`,
    recordIds: true,
    masterStatus: 204
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/wallet/top-ups",
    path: (d) => `${bot(d)}/wallet/top-ups`,
    body: () => ({ amount: 250000, reference: "bank-1" }),
    masterOnly: true,
    masterStatus: 201
  },
  {
    method: "POST",
    template: "/api/v1/bots/{botId}/api-token",
    path: (d) => `${bot(d)}/api-token`,
    masterOnly: true,
    masterStatus: 200
  },
  { method: "DELETE", template: "/api/v1/bots/{botId}", path: bot, masterOnly: true, masterStatus: 204 }
]

/** The fleet routes (no bot in the path): master token only. */
export const FLEET_ROUTES = [
  { method: "GET", template: "/api/v1/bots" },
  { method: "POST", template: "/api/v1/bots" }
] as const
