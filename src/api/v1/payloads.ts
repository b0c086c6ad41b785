/**
 * What the API accepts: request bodies, path parameters and query strings.
 * Shapes and bounds are checked here (unknown fields are refused, see api.ts);
 * rules that need the database (a Luhn-valid card, a known configuration key's
 * type, MIN ≤ MAX) stay in the repositories and come back as the same 400.
 */
import { Schema } from "effect"
import { PROMO_CODE_PATTERN, PROMO_KINDS } from "../../tenants/promo-codes.ts"
import { MAX_TOP_UP } from "../../fleet/fleet-admin.ts"
import {
  hasControlCharacters,
  INT4_MAX,
  MAX_ADJUSTMENT_REASON_LENGTH,
  MAX_CARD_WEIGHT,
  MAX_DESCRIPTION_LENGTH,
  MAX_DEVICE_LIMIT,
  MAX_MONEY,
  MAX_NAME_LENGTH,
  MAX_PLAN_DAYS,
  MAX_PLAN_NAME_LENGTH,
  MAX_PLAN_TRAFFIC_GB,
  MAX_QUERY_DATE,
  MAX_ROTATION_INTERVAL_MINUTES,
  MAX_SQUADS,
  MAX_TRAFFIC_RATE_PER_GB,
  MIN_QUERY_DATE
} from "../../tenants/limits.ts"
import { ROTATION_STRATEGIES } from "../../tenants/payment-cards.ts"
import { Segment } from "../../tenants/broadcasts.ts"
import { BROADCAST_TEXT_MAX, BUTTON_TEXT_MAX, BUTTON_URL_MAX } from "../../shop/broadcasts.ts"
import { PAYMENT_METHODS, PAYMENT_STATUSES } from "./models.ts"

export const PositiveId = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }))
/** An integer from `minimum` to `maximum` (a limit of src/tenants/limits.ts). */
const IntUpTo = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))
const NonNegativeMoney = IntUpTo(0, MAX_MONEY)
const noControlCharacters = Schema.makeFilter((s: string) =>
  hasControlCharacters(s) ? "must not contain control characters (newlines, escapes)" : undefined
)
const noControlCharactersButNewlines = Schema.makeFilter((s: string) =>
  hasControlCharacters(s.replace(/\r?\n/g, " "))
    ? "must not contain control characters other than line breaks"
    : undefined
)
const NameOf = (max: number) =>
  Schema.String.check(Schema.isTrimmed(), Schema.isBetweenLength(1, max), noControlCharacters)
const Name = NameOf(MAX_NAME_LENGTH)
const TelegramToken = Schema.String.check(Schema.isPattern(/^\d{3,15}:[A-Za-z0-9_-]{35}$/)).annotate({
  description: "A bot token from @BotFather: `<bot id>:<35 characters>`"
})
const Currency = Schema.String.check(Schema.isPattern(/^[A-Z]{3}$/)).annotate({ description: "e.g. IRT (toman)" })

// ---- path parameters

export const BotParams = { botId: PositiveId }
export const FeatureParams = { botId: PositiveId, key: Schema.String }
export const ConfigParams = { botId: PositiveId, key: Schema.String }
export const RecordParams = { botId: PositiveId, id: PositiveId }
export const PaymentParams = {
  botId: PositiveId,
  id: Schema.String.check(Schema.isPattern(/^(c2c|zp)_[1-9][0-9]{0,17}$/)).annotate({
    description: "`c2c_<n>` or `zp_<n>`, as listed"
  })
}

// ---- query strings

const Limit = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 200 }))
const Offset = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 1_000_000 }))

export const PageQuery = {
  limit: Schema.optional(Limit),
  offset: Schema.optional(Offset)
}

/** ISO 8601, from 1970 to 9999 (a later year is PostgreSQL's to refuse, with a 500: refused here). */
const QueryDate = Schema.Date.check(
  Schema.isBetweenDate({ minimum: new Date(MIN_QUERY_DATE), maximum: new Date(MAX_QUERY_DATE) })
)

export const PaymentsQuery = {
  method: Schema.optional(Schema.Literals(PAYMENT_METHODS)),
  status: Schema.optional(Schema.Literals(PAYMENT_STATUSES)),
  userId: Schema.optional(PositiveId),
  /** Created at or after (ISO 8601). */
  from: Schema.optional(QueryDate),
  /** Created before (ISO 8601). */
  to: Schema.optional(QueryDate),
  ...PageQuery
}

export const UsersQuery = {
  /** Matches username, first or last name (case-insensitive, substring) or the exact Telegram id. */
  search: Schema.optional(Schema.String.check(Schema.isBetweenLength(1, 100))),
  ...PageQuery
}

export const FindUserQuery = {
  /** A Telegram id, or a username with or without the @ (exact, any case). */
  query: Schema.String.check(Schema.isBetweenLength(1, 64))
}

export const CardsQuery = {
  active: Schema.optional(Schema.Boolean)
}

// ---- bodies

export const CreateBotBody = Schema.Struct({
  name: Name,
  telegramToken: TelegramToken,
  currency: Schema.optional(Currency),
  trafficRatePerGb: Schema.optional(IntUpTo(0, MAX_TRAFFIC_RATE_PER_GB)),
  isActive: Schema.optional(Schema.Boolean)
}).annotate({ identifier: "CreateBot" })

export const UpdateBotBody = Schema.Struct({
  name: Schema.optional(Name),
  /** Checked with Telegram (getMe) before it is stored; the bot restarts with it. */
  telegramToken: Schema.optional(TelegramToken),
  /** Master token only. */
  currency: Schema.optional(Currency),
  /** Master token only: what the tenant pays per GB sold. */
  trafficRatePerGb: Schema.optional(IntUpTo(0, MAX_TRAFFIC_RATE_PER_GB)),
  /** Master token only. */
  isActive: Schema.optional(Schema.Boolean)
}).annotate({ identifier: "UpdateBot" })

export const TopUpBody = Schema.Struct({
  amount: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_TOP_UP })),
  /** A top-up with the same reference is applied once (e.g. a bank transfer id). */
  reference: Schema.optional(Schema.String.check(Schema.isBetweenLength(1, 100), noControlCharacters))
}).annotate({ identifier: "TopUp" })

export const SetFeatureBody = Schema.Struct({
  enabled: Schema.Boolean,
  /** Replaces the flag's settings; omitted keeps them. */
  config: Schema.optional(Schema.JsonObject)
}).annotate({ identifier: "SetFeatureFlag" })

export const SetConfigBody = Schema.Struct({
  value: Schema.Json
}).annotate({ identifier: "SetConfigValue" })

const BankName = Schema.NullOr(Schema.String.check(Schema.isMaxLength(MAX_NAME_LENGTH), noControlCharacters))

export const CreateCardBody = Schema.Struct({
  /** 16 digits; spaces and dashes are ignored. */
  cardNumber: Schema.String.check(Schema.isBetweenLength(16, 32)),
  cardHolderName: Name,
  bankName: Schema.optional(BankName),
  rotationStrategy: Schema.optional(Schema.Literals(ROTATION_STRATEGIES)),
  rotationIntervalMinutes: Schema.optional(IntUpTo(1, MAX_ROTATION_INTERVAL_MINUTES)),
  weight: Schema.optional(IntUpTo(1, MAX_CARD_WEIGHT))
}).annotate({ identifier: "CreatePaymentCard" })

export const UpdateCardBody = Schema.Struct({
  cardNumber: Schema.optional(Schema.String.check(Schema.isBetweenLength(16, 32))),
  cardHolderName: Schema.optional(Name),
  bankName: Schema.optional(BankName),
  rotationStrategy: Schema.optional(Schema.Literals(ROTATION_STRATEGIES)),
  rotationIntervalMinutes: Schema.optional(IntUpTo(1, MAX_ROTATION_INTERVAL_MINUTES)),
  weight: Schema.optional(IntUpTo(1, MAX_CARD_WEIGHT)),
  isActive: Schema.optional(Schema.Boolean)
}).annotate({ identifier: "UpdatePaymentCard" })

const Description = Schema.NullOr(Schema.String.check(Schema.isMaxLength(MAX_DESCRIPTION_LENGTH)))
const SortOrder = IntUpTo(-INT4_MAX - 1, INT4_MAX)
const PlanName = NameOf(MAX_PLAN_NAME_LENGTH)
const PeriodDays = IntUpTo(1, MAX_PLAN_DAYS)
/** 0 means unlimited (billed to the tenant as UNLIMITED_PLAN_BILLED_GB). */
const TrafficLimitGb = IntUpTo(0, MAX_PLAN_TRAFFIC_GB)
const DeviceLimit = IntUpTo(1, MAX_DEVICE_LIMIT)
/** Remnawave internal squad uuids; each must exist on the panel (checked when stored). */
const InternalSquads = Schema.Array(
  Schema.String.check(Schema.isPattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i))
).check(Schema.isMaxLength(MAX_SQUADS))

export const CreatePlanBody = Schema.Struct({
  name: PlanName,
  periodDays: PeriodDays,
  /** In the tenant's currency. */
  price: NonNegativeMoney,
  /** 0 (the default) means unlimited. */
  trafficLimitGb: Schema.optional(TrafficLimitGb),
  deviceLimit: Schema.optional(DeviceLimit),
  description: Schema.optional(Description),
  sortOrder: Schema.optional(SortOrder),
  /** Empty (the default): the tenant's DEFAULT_SQUADS. */
  activeInternalSquads: Schema.optional(InternalSquads)
}).annotate({ identifier: "CreatePlan" })

export const UpdatePlanBody = Schema.Struct({
  name: Schema.optional(PlanName),
  periodDays: Schema.optional(PeriodDays),
  price: Schema.optional(NonNegativeMoney),
  trafficLimitGb: Schema.optional(TrafficLimitGb),
  deviceLimit: Schema.optional(DeviceLimit),
  description: Schema.optional(Description),
  sortOrder: Schema.optional(SortOrder),
  isActive: Schema.optional(Schema.Boolean),
  activeInternalSquads: Schema.optional(InternalSquads)
}).annotate({ identifier: "UpdatePlan" })

export const ReorderPlansBody = Schema.Struct({
  /** Plan ids in the wanted order; plans not listed keep their order after these. */
  ids: Schema.Array(PositiveId).check(Schema.isMinLength(1), Schema.isMaxLength(500))
}).annotate({ identifier: "ReorderPlans" })

export const RejectPaymentBody = Schema.Struct({
  /** Sent to the buyer: line breaks allowed, other control characters not. */
  reason: Schema.String.check(Schema.isTrimmed(), Schema.isBetweenLength(1, 1000), noControlCharactersButNewlines)
}).annotate({ identifier: "RejectPayment" })

/** Neither zero nor past `max` either way. */
const SignedUpTo = (max: number) =>
  Schema.Int.check(
    Schema.isBetween({ minimum: -max, maximum: max }),
    Schema.makeFilter((n: number) => (n === 0 ? "must not be 0" : undefined))
  )

export const WalletAdjustmentBody = Schema.Struct({
  /** Positive credits, negative debits (never below a zero balance), in the tenant's currency. */
  amount: SignedUpTo(MAX_MONEY),
  /** Why: kept on the ledger entry and in the audit. */
  reason: Schema.String.check(
    Schema.isTrimmed(),
    Schema.isBetweenLength(1, MAX_ADJUSTMENT_REASON_LENGTH),
    noControlCharacters
  )
}).annotate({ identifier: "WalletAdjustment" })

export const SubscriptionDaysBody = Schema.Struct({
  /** Positive adds days (from max(now, expiry)), negative takes them (never past now). */
  days: SignedUpTo(MAX_PLAN_DAYS)
}).annotate({ identifier: "SubscriptionDays" })

export const PlanGrantBody = Schema.Struct({
  /** A plan on sale; the subscription is given without payment (the tenant's platform wallet pays its traffic). */
  planId: PositiveId
}).annotate({ identifier: "PlanGrant" })

/** A promo code's terms (src/tenants/promo-codes.ts checks the combination: each kind needs its value). */
export const CreatePromoCodeBody = Schema.Struct({
  /** 3–32 letters, digits, _ or -; stored upper case, matched in any case. */
  code: Schema.String.check(Schema.isPattern(PROMO_CODE_PATTERN)),
  kind: Schema.Literals(PROMO_KINDS),
  /** credit: the amount added to the wallet, in the tenant's currency. */
  amount: Schema.optional(IntUpTo(1, MAX_MONEY)),
  /** discount: percent off the customer's next purchase. */
  percent: Schema.optional(IntUpTo(1, 100)),
  /** days: days added to the current subscription; trial: the trial's length (default: the plan's period). */
  days: Schema.optional(IntUpTo(1, MAX_PLAN_DAYS)),
  /** trial: the plan tried (one of this bot's plans on sale). */
  planId: Schema.optional(PositiveId),
  /** Total uses; absent = unlimited. Each customer uses a code once. */
  maxUses: Schema.optional(IntUpTo(1, INT4_MAX)),
  validFrom: Schema.optional(QueryDate),
  validUntil: Schema.optional(QueryDate),
  /** Only for customers who never bought a plan here. */
  firstPurchaseOnly: Schema.optional(Schema.Boolean)
}).annotate({ identifier: "CreatePromoCode" })
export const BroadcastAudienceQuery = { segment: Segment }

export const CreateBroadcastBody = Schema.Struct({
  /** Plain text (no parse mode), or the photo's caption (then at most 1,024 characters; may be empty). */
  text: Schema.String.check(Schema.isMaxLength(BROADCAST_TEXT_MAX), noControlCharactersButNewlines),
  /** A Telegram file_id or an https URL of the photo. */
  photo: Schema.optional(Schema.String.check(Schema.isBetweenLength(1, BUTTON_URL_MAX), noControlCharacters)),
  /** An inline button: a link, or "open the menu" (labelled in each customer's language). */
  button: Schema.optional(
    Schema.Union([
      Schema.Struct({
        kind: Schema.Literal("url"),
        text: Schema.String.check(Schema.isBetweenLength(1, BUTTON_TEXT_MAX), noControlCharacters),
        url: Schema.String.check(Schema.isBetweenLength(1, BUTTON_URL_MAX), noControlCharacters)
      }),
      Schema.Struct({ kind: Schema.Literal("menu") })
    ])
  ),
  segment: Segment
})
