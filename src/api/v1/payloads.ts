/**
 * What the API accepts: request bodies, path parameters and query strings.
 * Shapes and bounds are checked here (unknown fields are refused, see api.ts);
 * rules that need the database (a Luhn-valid card, a known configuration key's
 * type, MIN ≤ MAX) stay in the repositories and come back as the same 400.
 */
import { Schema } from "effect"
import { MAX_TOP_UP } from "../../bot/master/fleet-admin.ts"
import { MAX_QUERY_DATE, MIN_QUERY_DATE } from "../../tenants/limits.ts"
import { ROTATION_STRATEGIES } from "../../tenants/payment-cards.ts"
import { PAYMENT_METHODS, PAYMENT_STATUSES } from "./models.ts"

const INT4_MAX = 2_147_483_647

export const PositiveId = Schema.Int.check(Schema.isGreaterThan(0))
const PositiveInt4 = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: INT4_MAX }))
const NonNegativeInt4 = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: INT4_MAX }))
const NonNegativeMoney = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }))
const Name = Schema.String.check(Schema.isTrimmed(), Schema.isBetweenLength(1, 255))
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

export const CardsQuery = {
  active: Schema.optional(Schema.Boolean)
}

// ---- bodies

export const CreateBotBody = Schema.Struct({
  name: Name,
  telegramToken: TelegramToken,
  currency: Schema.optional(Currency),
  trafficRatePerGb: Schema.optional(NonNegativeMoney),
  isActive: Schema.optional(Schema.Boolean)
}).annotate({ identifier: "CreateBot" })

export const UpdateBotBody = Schema.Struct({
  name: Schema.optional(Name),
  /** Checked with Telegram (getMe) before it is stored; the bot restarts with it. */
  telegramToken: Schema.optional(TelegramToken),
  /** Master token only. */
  currency: Schema.optional(Currency),
  /** Master token only: what the tenant pays per GB sold. */
  trafficRatePerGb: Schema.optional(NonNegativeMoney),
  /** Master token only. */
  isActive: Schema.optional(Schema.Boolean)
}).annotate({ identifier: "UpdateBot" })

export const TopUpBody = Schema.Struct({
  amount: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_TOP_UP })),
  /** A top-up with the same reference is applied once (e.g. a bank transfer id). */
  reference: Schema.optional(Schema.String.check(Schema.isBetweenLength(1, 100)))
}).annotate({ identifier: "TopUp" })

export const SetFeatureBody = Schema.Struct({
  enabled: Schema.Boolean,
  /** Replaces the flag's settings; omitted keeps them. */
  config: Schema.optional(Schema.JsonObject)
}).annotate({ identifier: "SetFeatureFlag" })

export const SetConfigBody = Schema.Struct({
  value: Schema.Json
}).annotate({ identifier: "SetConfigValue" })

export const CreateCardBody = Schema.Struct({
  /** 16 digits; spaces and dashes are ignored. */
  cardNumber: Schema.String.check(Schema.isBetweenLength(16, 32)),
  cardHolderName: Name,
  bankName: Schema.optional(Schema.NullOr(Schema.String.check(Schema.isMaxLength(255)))),
  rotationStrategy: Schema.optional(Schema.Literals(ROTATION_STRATEGIES)),
  rotationIntervalMinutes: Schema.optional(PositiveInt4),
  weight: Schema.optional(PositiveInt4)
}).annotate({ identifier: "CreatePaymentCard" })

export const UpdateCardBody = Schema.Struct({
  cardNumber: Schema.optional(Schema.String.check(Schema.isBetweenLength(16, 32))),
  cardHolderName: Schema.optional(Name),
  bankName: Schema.optional(Schema.NullOr(Schema.String.check(Schema.isMaxLength(255)))),
  rotationStrategy: Schema.optional(Schema.Literals(ROTATION_STRATEGIES)),
  rotationIntervalMinutes: Schema.optional(PositiveInt4),
  weight: Schema.optional(PositiveInt4),
  isActive: Schema.optional(Schema.Boolean)
}).annotate({ identifier: "UpdatePaymentCard" })

const Description = Schema.NullOr(Schema.String.check(Schema.isMaxLength(4096)))
const SortOrder = Schema.Int.check(Schema.isBetween({ minimum: -INT4_MAX - 1, maximum: INT4_MAX }))

export const CreatePlanBody = Schema.Struct({
  name: Name,
  periodDays: PositiveInt4,
  /** In the tenant's currency. */
  price: NonNegativeMoney,
  /** 0 (the default) means unlimited. */
  trafficLimitGb: Schema.optional(NonNegativeInt4),
  deviceLimit: Schema.optional(PositiveInt4),
  description: Schema.optional(Description),
  sortOrder: Schema.optional(SortOrder)
}).annotate({ identifier: "CreatePlan" })

export const UpdatePlanBody = Schema.Struct({
  name: Schema.optional(Name),
  periodDays: Schema.optional(PositiveInt4),
  price: Schema.optional(NonNegativeMoney),
  trafficLimitGb: Schema.optional(NonNegativeInt4),
  deviceLimit: Schema.optional(PositiveInt4),
  description: Schema.optional(Description),
  sortOrder: Schema.optional(SortOrder),
  isActive: Schema.optional(Schema.Boolean)
}).annotate({ identifier: "UpdatePlan" })

export const ReorderPlansBody = Schema.Struct({
  /** Plan ids in the wanted order; plans not listed keep their order after these. */
  ids: Schema.Array(PositiveId).check(Schema.isMinLength(1), Schema.isMaxLength(500))
}).annotate({ identifier: "ReorderPlans" })

export const RejectPaymentBody = Schema.Struct({
  reason: Schema.String.check(Schema.isTrimmed(), Schema.isBetweenLength(1, 1000))
}).annotate({ identifier: "RejectPayment" })
