/**
 * Inline-button data. Telegram hands it back verbatim from whoever presses the
 * button — so it is untrusted input: every press is decoded here with Schema
 * (an unknown or malformed value is ignored), and handlers still check that the
 * ids it names belong to this tenant (row-level security) and to this user or
 * admin. Each encoder and its parser live side by side; values stay ≤ 64 bytes.
 */
import { Option, Schema } from "effect"
import { Language } from "../tenants/tenant-cache.ts"
import { TEXT_KINDS } from "../tenants/tenant-texts.ts"
import { Segment } from "../tenants/broadcasts.ts"

const Id = Schema.Int.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(Number.MAX_SAFE_INTEGER))
/** A customer's latest admin action when a button was drawn (0: none yet). */
const ActionId = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(Number.MAX_SAFE_INTEGER))
/** c = card-to-card, z = ZarinPal, w = wallet. */
const Method = Schema.Literals(["c", "z", "w"])
export type MethodCode = typeof Method.Type
const Menu = Schema.Literals(["buy", "sub", "wallet", "support"])
/** A Remnawave internal squad's uuid, lower case (as the panel_squads list holds it). */
const SquadUuid = Schema.String.check(
  Schema.isPattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
)
const TextKind = Schema.Literals(TEXT_KINDS)
/** A broadcast's button: n = none, m = open the menu, u = a link. */
const BroadcastButtonChoice = Schema.Literals(["n", "m", "u"])
export type BroadcastButtonChoice = typeof BroadcastButtonChoice.Type

export type Action =
  | { readonly _tag: "Language"; readonly language: Language }
  | { readonly _tag: "Menu"; readonly menu: typeof Menu.Type }
  | { readonly _tag: "Plan"; readonly planId: number }
  | { readonly _tag: "PlanMethod"; readonly method: MethodCode; readonly planId: number }
  | { readonly _tag: "PlanConfirm"; readonly method: MethodCode; readonly planId: number }
  | { readonly _tag: "TopUpMethod"; readonly method: MethodCode; readonly amount: number }
  | { readonly _tag: "CancelPayment"; readonly paymentId: number }
  | { readonly _tag: "WalletTopUp" }
  | { readonly _tag: "WalletHistory" }
  | { readonly _tag: "NewTicket" }
  | { readonly _tag: "Approve"; readonly paymentId: number }
  | { readonly _tag: "Reject"; readonly paymentId: number }
  | { readonly _tag: "RejectWithoutReason"; readonly paymentId: number }
  | { readonly _tag: "AdminPending" }
  | { readonly _tag: "AdminSales" }
  | { readonly _tag: "AdminCards" }
  | { readonly _tag: "AdminToggleCard"; readonly cardId: number }
  | { readonly _tag: "AdminPlans" }
  | { readonly _tag: "AdminPlan"; readonly planId: number }
  | { readonly _tag: "AdminPlanSale"; readonly planId: number }
  | { readonly _tag: "AdminPlanSquad"; readonly planId: number; readonly squad: string }
  | { readonly _tag: "AutoRenew"; readonly on: boolean }
  | { readonly _tag: "ResetDevices" }
  | { readonly _tag: "AdminCustomers" }
  | { readonly _tag: "CustomerCard"; readonly userId: number }
  | { readonly _tag: "CustomerWallet"; readonly userId: number }
  | { readonly _tag: "CustomerDays"; readonly userId: number }
  | { readonly _tag: "CustomerPlans"; readonly userId: number }
  | { readonly _tag: "CustomerGrant"; readonly userId: number; readonly planId: number; readonly afterAction: number }
  | { readonly _tag: "CustomerBan"; readonly userId: number; readonly banned: boolean }
  | { readonly _tag: "SubscriptionQr" }
  | { readonly _tag: "PromoAsk" }
  | { readonly _tag: "AdminPromos" }
  | { readonly _tag: "AdminPromoNew" }
  | { readonly _tag: "AdminPromoDisable"; readonly promoCodeId: number }
  | { readonly _tag: "AdminTexts" }
  | { readonly _tag: "AdminTextKind"; readonly kind: typeof TextKind.Type }
  | { readonly _tag: "AdminTextEdit"; readonly kind: typeof TextKind.Type; readonly language: Language }
  | { readonly _tag: "AdminTextReset"; readonly kind: typeof TextKind.Type; readonly language: Language }
  | { readonly _tag: "AdminTextSave" }
  | { readonly _tag: "AdminTextCancel" }
  | { readonly _tag: "AdminBroadcast" }
  | { readonly _tag: "BroadcastButton"; readonly choice: BroadcastButtonChoice }
  | { readonly _tag: "BroadcastSegment"; readonly segment: Segment }
  | { readonly _tag: "BroadcastSend" }
  | { readonly _tag: "BroadcastDiscard" }
  | { readonly _tag: "BroadcastStop"; readonly broadcastId: number }
  | { readonly _tag: "BroadcastMenu" }

const parsers: ReadonlyArray<(data: string) => Option.Option<Action>> = [
  parser(["lang:", Language], ([, language]) => ({ _tag: "Language", language })),
  parser(["menu:", Menu], ([, menu]) => ({ _tag: "Menu", menu })),
  parser(["plan:", Id], ([, planId]) => ({ _tag: "Plan", planId })),
  parser(["pm:", Method, ":", Id], ([, method, , planId]) => ({ _tag: "PlanMethod", method, planId })),
  parser(["pc:", Method, ":", Id], ([, method, , planId]) => ({ _tag: "PlanConfirm", method, planId })),
  parser(["tm:", Method, ":", Id], ([, method, , amount]) => ({ _tag: "TopUpMethod", method, amount })),
  parser(["c2c:x:", Id], ([, paymentId]) => ({ _tag: "CancelPayment", paymentId })),
  parser(["w:topup"], () => ({ _tag: "WalletTopUp" })),
  parser(["w:hist"], () => ({ _tag: "WalletHistory" })),
  parser(["sup:new"], () => ({ _tag: "NewTicket" })),
  parser(["rv:a:", Id], ([, paymentId]) => ({ _tag: "Approve", paymentId })),
  parser(["rv:r:", Id], ([, paymentId]) => ({ _tag: "Reject", paymentId })),
  parser(["rv:n:", Id], ([, paymentId]) => ({ _tag: "RejectWithoutReason", paymentId })),
  parser(["adm:p"], () => ({ _tag: "AdminPending" })),
  parser(["adm:s"], () => ({ _tag: "AdminSales" })),
  parser(["adm:c"], () => ({ _tag: "AdminCards" })),
  parser(["adm:t:", Id], ([, cardId]) => ({ _tag: "AdminToggleCard", cardId })),
  parser(["adm:pl"], () => ({ _tag: "AdminPlans" })),
  parser(["adm:pl:", Id], ([, planId]) => ({ _tag: "AdminPlan", planId })),
  parser(["adm:ps:", Id], ([, planId]) => ({ _tag: "AdminPlanSale", planId })),
  parser(["adm:pq:", Id, ":", SquadUuid], ([, planId, , squad]) => ({ _tag: "AdminPlanSquad", planId, squad })),
  parser(["ar:", Schema.Literals(["on", "off"])], ([, state]) => ({ _tag: "AutoRenew", on: state === "on" })),
  parser(["dev:reset"], () => ({ _tag: "ResetDevices" })),
  parser(["adm:u"], () => ({ _tag: "AdminCustomers" })),
  parser(["adm:uc:", Id], ([, userId]) => ({ _tag: "CustomerCard", userId })),
  parser(["adm:uw:", Id], ([, userId]) => ({ _tag: "CustomerWallet", userId })),
  parser(["adm:ud:", Id], ([, userId]) => ({ _tag: "CustomerDays", userId })),
  parser(["adm:up:", Id], ([, userId]) => ({ _tag: "CustomerPlans", userId })),
  parser(["adm:ug:", Id, ":", Id, ":", ActionId], ([, userId, , planId, , afterAction]) => ({
    _tag: "CustomerGrant",
    userId,
    planId,
    afterAction
  })),
  parser(["adm:ub:", Id, ":", Schema.Literals(["on", "off"])], ([, userId, , state]) => ({
    _tag: "CustomerBan",
    userId,
    banned: state === "on"
  })),
  parser(["sub:qr"], () => ({ _tag: "SubscriptionQr" })),
  parser(["promo:ask"], () => ({ _tag: "PromoAsk" })),
  parser(["adm:pc"], () => ({ _tag: "AdminPromos" })),
  parser(["adm:pn"], () => ({ _tag: "AdminPromoNew" })),
  parser(["adm:pd:", Id], ([, promoCodeId]) => ({ _tag: "AdminPromoDisable", promoCodeId })),
  parser(["adm:x"], () => ({ _tag: "AdminTexts" })),
  parser(["adm:x:", TextKind], ([, kind]) => ({ _tag: "AdminTextKind", kind })),
  parser(["adm:x:", TextKind, ":", Language], ([, kind, , language]) => ({ _tag: "AdminTextEdit", kind, language })),
  parser(["adm:xr:", TextKind, ":", Language], ([, kind, , language]) => ({
    _tag: "AdminTextReset",
    kind,
    language
  })),
  parser(["adm:xs"], () => ({ _tag: "AdminTextSave" })),
  parser(["adm:xc"], () => ({ _tag: "AdminTextCancel" })),
  parser(["adm:b"], () => ({ _tag: "AdminBroadcast" })),
  parser(["bc:b:", BroadcastButtonChoice], ([, choice]) => ({ _tag: "BroadcastButton", choice })),
  parser(["bc:s:", Segment], ([, segment]) => ({ _tag: "BroadcastSegment", segment })),
  parser(["bc:go"], () => ({ _tag: "BroadcastSend" })),
  parser(["bc:no"], () => ({ _tag: "BroadcastDiscard" })),
  parser(["bc:x:", Id], ([, broadcastId]) => ({ _tag: "BroadcastStop", broadcastId })),
  parser(["bc:menu"], () => ({ _tag: "BroadcastMenu" }))
]

function parser<const Parts extends Schema.TemplateLiteral.Parts>(
  parts: Parts,
  toAction: (parsed: Schema.TemplateLiteralParser.Type<Parts>) => Action
): (data: string) => Option.Option<Action> {
  const decode = Schema.decodeUnknownOption(
    Schema.TemplateLiteralParser(parts) as unknown as Schema.Codec<Schema.TemplateLiteralParser.Type<Parts>>
  )
  return (data) => Option.map(decode(data), toAction)
}

/** The action a button press asks for, or None for anything we did not issue. */
export const parseCallbackData = (data: string): Option.Option<Action> => {
  if (data.length > 64) return Option.none()
  for (const parse of parsers) {
    const action = parse(data)
    if (Option.isSome(action)) return action
  }
  return Option.none()
}

export const callbackData = {
  language: (language: Language) => `lang:${language}`,
  menu: (menu: typeof Menu.Type) => `menu:${menu}`,
  plan: (planId: number) => `plan:${planId}`,
  planMethod: (method: MethodCode, planId: number) => `pm:${method}:${planId}`,
  planConfirm: (method: MethodCode, planId: number) => `pc:${method}:${planId}`,
  topUpMethod: (method: MethodCode, amount: number) => `tm:${method}:${amount}`,
  cancelPayment: (paymentId: number) => `c2c:x:${paymentId}`,
  walletTopUp: () => "w:topup",
  walletHistory: () => "w:hist",
  newTicket: () => "sup:new",
  approve: (paymentId: number) => `rv:a:${paymentId}`,
  reject: (paymentId: number) => `rv:r:${paymentId}`,
  rejectWithoutReason: (paymentId: number) => `rv:n:${paymentId}`,
  adminPending: () => "adm:p",
  adminSales: () => "adm:s",
  adminCards: () => "adm:c",
  adminToggleCard: (cardId: number) => `adm:t:${cardId}`,
  adminPlans: () => "adm:pl",
  adminPlan: (planId: number) => `adm:pl:${planId}`,
  adminPlanSale: (planId: number) => `adm:ps:${planId}`,
  adminPlanSquad: (planId: number, squad: string) => `adm:pq:${planId}:${squad}`,
  autoRenew: (on: boolean) => `ar:${on ? "on" : "off"}`,
  resetDevices: () => "dev:reset",
  adminCustomers: () => "adm:u",
  customerCard: (userId: number) => `adm:uc:${userId}`,
  customerWallet: (userId: number) => `adm:uw:${userId}`,
  customerDays: (userId: number) => `adm:ud:${userId}`,
  customerPlans: (userId: number) => `adm:up:${userId}`,
  customerGrant: (userId: number, planId: number, afterAction: number) => `adm:ug:${userId}:${planId}:${afterAction}`,
  customerBan: (userId: number, banned: boolean) => `adm:ub:${userId}:${banned ? "on" : "off"}`,
  subscriptionQr: () => "sub:qr",
  promoAsk: () => "promo:ask",
  adminPromos: () => "adm:pc",
  adminPromoNew: () => "adm:pn",
  adminPromoDisable: (promoCodeId: number) => `adm:pd:${promoCodeId}`,
  adminTexts: () => "adm:x",
  adminTextKind: (kind: typeof TextKind.Type) => `adm:x:${kind}`,
  adminTextEdit: (kind: typeof TextKind.Type, language: Language) => `adm:x:${kind}:${language}`,
  adminTextReset: (kind: typeof TextKind.Type, language: Language) => `adm:xr:${kind}:${language}`,
  adminTextSave: () => "adm:xs",
  adminTextCancel: () => "adm:xc",
  adminBroadcast: () => "adm:b",
  broadcastButton: (choice: BroadcastButtonChoice) => `bc:b:${choice}`,
  broadcastSegment: (segment: Segment) => `bc:s:${segment}`,
  broadcastSend: () => "bc:go",
  broadcastDiscard: () => "bc:no",
  broadcastStop: (broadcastId: number) => `bc:x:${broadcastId}`,
  broadcastMenu: () => "bc:menu"
} as const
