/**
 * What the API returns. Each schema lists exactly the fields that may leave the
 * service: encoding drops everything else, so a Telegram token or an API token
 * hash can never ride along on a row. Money is an integer in the tenant's
 * currency (`currency` on the bot).
 */
import { Schema } from "effect"
import { ROTATION_STRATEGIES } from "../../tenants/payment-cards.ts"
import { TENANT_STATES } from "../../fleet/tenant-state.ts"
import { Segment } from "../../tenants/broadcasts.ts"

const Id = Schema.Int
const Timestamp = Schema.Date
const NullableTimestamp = Schema.NullOr(Schema.Date)

export const BotView = Schema.Struct({
  id: Id,
  name: Schema.String,
  telegramBotId: Schema.Int,
  telegramUsername: Schema.NullOr(Schema.String),
  /** Always masked: `<bot id>:***`. */
  telegramToken: Schema.String,
  isMaster: Schema.Boolean,
  isActive: Schema.Boolean,
  currency: Schema.String,
  walletBalance: Schema.Int,
  trafficRatePerGb: Schema.Int,
  trafficSoldBytes: Schema.Int,
  trafficConsumedBytes: Schema.Int,
  createdAt: Timestamp,
  updatedAt: Timestamp
}).annotate({ identifier: "Bot" })

export const BotList = Schema.Struct({ items: Schema.Array(BotView) }).annotate({ identifier: "BotList" })

export const CreatedBot = Schema.Struct({
  bot: BotView,
  /** Shown this once; only its SHA-256 hash is stored. */
  apiToken: Schema.String
}).annotate({ identifier: "CreatedBot" })

export const RotatedApiToken = Schema.Struct({
  botId: Id,
  /** Shown this once; the previous token stopped working. */
  apiToken: Schema.String
}).annotate({ identifier: "RotatedApiToken" })

export const BotStatus = Schema.Struct({
  botId: Id,
  isActive: Schema.Boolean,
  /** `crash-looping`: restarting again and again in the last minutes; `pending`: active, not yet picked up. */
  state: Schema.Literals(TENANT_STATES),
  /** The runner's own record, when one exists. */
  runnerState: Schema.NullOr(Schema.String),
  lastError: Schema.NullOr(Schema.String),
  lastErrorAt: NullableTimestamp,
  restartCount: Schema.Int,
  conflictCount: Schema.Int,
  lastStartedAt: NullableTimestamp,
  runner: Schema.NullOr(Schema.String),
  updatedAt: NullableTimestamp
}).annotate({ identifier: "BotStatus" })

export const BotStatistics = Schema.Struct({
  botId: Id,
  currency: Schema.String,
  walletBalance: Schema.Int,
  trafficSoldBytes: Schema.Int,
  trafficConsumedBytes: Schema.Int,
  /** Approved card payments plus paid ZarinPal payments. */
  revenue: Schema.Int,
  revenueLast30Days: Schema.Int,
  newUsersLast30Days: Schema.Int,
  users: Schema.Int,
  subscriptions: Schema.Int,
  activeSubscriptions: Schema.Int,
  plans: Schema.Int,
  paymentCards: Schema.Int,
  cardPayments: Schema.Int,
  pendingCardPayments: Schema.Int,
  zarinpalPayments: Schema.Int,
  transactions: Schema.Int,
  tickets: Schema.Int,
  walletTransactions: Schema.Int
}).annotate({ identifier: "BotStatistics" })

export const WalletBalance = Schema.Struct({
  botId: Id,
  currency: Schema.String,
  walletBalance: Schema.Int
}).annotate({ identifier: "WalletBalance" })

export const WalletTransaction = Schema.Struct({
  id: Id,
  type: Schema.String,
  /** Signed: a top-up is positive, a sale's charge negative. */
  amount: Schema.Int,
  balanceAfter: Schema.Int,
  trafficBytes: Schema.Int,
  reference: Schema.NullOr(Schema.String),
  createdBy: Schema.NullOr(Schema.String),
  createdAt: Timestamp
}).annotate({ identifier: "WalletTransaction" })

export const WalletTransactionList = Schema.Struct({
  items: Schema.Array(WalletTransaction),
  limit: Schema.Int,
  offset: Schema.Int
}).annotate({ identifier: "WalletTransactionList" })

export const FeatureFlagView = Schema.Struct({
  featureKey: Schema.String,
  enabled: Schema.Boolean,
  config: Schema.JsonObject,
  createdAt: Timestamp,
  updatedAt: Timestamp
}).annotate({ identifier: "FeatureFlag" })

export const FeatureFlagList = Schema.Struct({ items: Schema.Array(FeatureFlagView) }).annotate({
  identifier: "FeatureFlagList"
})

export const ConfigEntry = Schema.Struct({
  key: Schema.String,
  value: Schema.Json
}).annotate({ identifier: "ConfigEntry" })

export const ConfigMap = Schema.Struct({
  /** Every stored key with its value. */
  values: Schema.JsonObject
}).annotate({ identifier: "ConfigMap" })

export const PaymentCardView = Schema.Struct({
  id: Id,
  /** `6037 99** **** 1234`; the full number never leaves through the API. */
  maskedNumber: Schema.String,
  last4: Schema.String,
  cardHolderName: Schema.String,
  bankName: Schema.NullOr(Schema.String),
  rotationStrategy: Schema.Literals(ROTATION_STRATEGIES),
  rotationIntervalMinutes: Schema.NullOr(Schema.Int),
  weight: Schema.Int,
  isActive: Schema.Boolean,
  isCurrent: Schema.Boolean,
  successCount: Schema.Int,
  failureCount: Schema.Int,
  currentUsageCount: Schema.Int,
  lastUsedAt: NullableTimestamp,
  lastRotatedAt: NullableTimestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp
}).annotate({ identifier: "PaymentCard" })

export const PaymentCardList = Schema.Struct({ items: Schema.Array(PaymentCardView) }).annotate({
  identifier: "PaymentCardList"
})

const CardPaymentCounts = {
  approvedPayments: Schema.Int,
  approvedAmount: Schema.Int,
  pendingPayments: Schema.Int,
  rejectedPayments: Schema.Int,
  expiredPayments: Schema.Int
}

export const PaymentCardStatistics = Schema.Struct({
  cards: Schema.Array(
    Schema.Struct({
      id: Id,
      maskedNumber: Schema.String,
      isActive: Schema.Boolean,
      isCurrent: Schema.Boolean,
      successCount: Schema.Int,
      failureCount: Schema.Int,
      currentUsageCount: Schema.Int,
      lastUsedAt: NullableTimestamp,
      ...CardPaymentCounts
    })
  ),
  totals: Schema.Struct({ cards: Schema.Int, activeCards: Schema.Int, ...CardPaymentCounts })
}).annotate({ identifier: "PaymentCardStatistics" })

export const PlanView = Schema.Struct({
  id: Id,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  periodDays: Schema.Int,
  price: Schema.Int,
  /** 0 means unlimited. */
  trafficLimitGb: Schema.NullOr(Schema.Int),
  deviceLimit: Schema.NullOr(Schema.Int),
  /** Remnawave internal squad uuids; empty = the tenant's DEFAULT_SQUADS. */
  activeInternalSquads: Schema.Array(Schema.String),
  isActive: Schema.Boolean,
  sortOrder: Schema.Int,
  createdAt: Timestamp,
  updatedAt: Timestamp
}).annotate({ identifier: "Plan" })

export const PlanList = Schema.Struct({ items: Schema.Array(PlanView) }).annotate({ identifier: "PlanList" })

export const PAYMENT_METHODS = ["card_to_card", "zarinpal"] as const
export const PAYMENT_STATUSES = ["pending", "approved", "rejected", "paid", "failed", "cancelled", "expired"] as const

export const PaymentView = Schema.Struct({
  /** `c2c_<n>` for a card-to-card payment, `zp_<n>` for a ZarinPal one. */
  id: Schema.String,
  method: Schema.Literals(PAYMENT_METHODS),
  status: Schema.Literals(PAYMENT_STATUSES),
  amount: Schema.Int,
  userId: Id,
  planId: Schema.NullOr(Id),
  /** Card-to-card: the tracking number shown to the user (`C2C…`). */
  trackingNumber: Schema.NullOr(Schema.String),
  cardId: Schema.NullOr(Id),
  receiptType: Schema.NullOr(Schema.String),
  receiptText: Schema.NullOr(Schema.String),
  receiptSubmittedAt: NullableTimestamp,
  reviewedAt: NullableTimestamp,
  reviewerTelegramId: Schema.NullOr(Schema.Int),
  adminNotes: Schema.NullOr(Schema.String),
  /** ZarinPal: the gateway's reference id once paid. */
  zarinpalRefId: Schema.NullOr(Schema.String),
  expiresAt: Timestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp
}).annotate({ identifier: "Payment" })

export const PaymentList = Schema.Struct({
  items: Schema.Array(PaymentView),
  limit: Schema.Int,
  offset: Schema.Int
}).annotate({ identifier: "PaymentList" })

export const UserView = Schema.Struct({
  id: Id,
  telegramId: Schema.Int,
  username: Schema.NullOr(Schema.String),
  firstName: Schema.NullOr(Schema.String),
  lastName: Schema.NullOr(Schema.String),
  language: Schema.NullOr(Schema.String),
  balance: Schema.Int,
  /** The user blocked the bot (Telegram refuses sends to them). */
  isBlocked: Schema.Boolean,
  /** When the shop banned them (null: not banned); a banned customer gets one refusal and nothing else. */
  bannedAt: NullableTimestamp,
  /** Who banned them: `admin:<telegram id>`, `api:tenant` or `api:master`. */
  bannedBy: Schema.NullOr(Schema.String),
  createdAt: Timestamp,
  lastSeenAt: Timestamp
}).annotate({ identifier: "User" })

export const UserList = Schema.Struct({
  items: Schema.Array(UserView),
  total: Schema.Int,
  limit: Schema.Int,
  offset: Schema.Int
}).annotate({ identifier: "UserList" })

export const ReviewedPayment = Schema.Struct({
  payment: PaymentView,
  /** What the approval did with the plan the payment was for (null: a wallet top-up, or a rejection). */
  purchase: Schema.NullOr(
    Schema.Struct({
      /** `sale_refused`: the shop's platform balance did not cover the sale; the money stays in the user's wallet. */
      outcome: Schema.Literals(["completed", "sale_refused"]),
      subscriptionId: Schema.NullOr(Id),
      expiresAt: NullableTimestamp
    })
  )
}).annotate({ identifier: "ReviewedPayment" })

export const ADMIN_ACTION_KINDS = [
  "wallet_credit",
  "wallet_debit",
  "subscription_days",
  "grant_plan",
  "ban",
  "unban"
] as const

/** A customer as the shop's admins see them (bounded lists: the latest 5 of each). */
export const CustomerCardView = Schema.Struct({
  user: UserView,
  subscription: Schema.NullOr(
    Schema.Struct({
      status: Schema.String,
      planName: Schema.NullOr(Schema.String),
      expiresAt: Timestamp,
      expired: Schema.Boolean,
      trafficLimitBytes: Schema.Int,
      trafficUsedBytes: Schema.Int,
      deviceLimit: Schema.NullOr(Schema.Int),
      subscriptionUrl: Schema.NullOr(Schema.String),
      autoRenew: Schema.Boolean
    })
  ),
  payments: Schema.Array(
    Schema.Struct({
      method: Schema.Literals(PAYMENT_METHODS),
      /** The payment's id as /payments lists it (`c2c_<n>`, `zp_<n>`). */
      id: Schema.String,
      status: Schema.String,
      amount: Schema.Int,
      /** The card payment's tracking number, or ZarinPal's reference id. */
      reference: Schema.NullOr(Schema.String),
      createdAt: Timestamp
    })
  ),
  /** The customer's wallet ledger, newest first; an admin adjustment's reference names who, its description why. */
  ledger: Schema.Array(
    Schema.Struct({
      id: Id,
      type: Schema.String,
      amount: Schema.Int,
      balanceAfter: Schema.Int,
      paymentMethod: Schema.NullOr(Schema.String),
      reference: Schema.NullOr(Schema.String),
      description: Schema.NullOr(Schema.String),
      createdAt: Timestamp
    })
  ),
  /** The latest admin actions on this customer, newest first. */
  actions: Schema.Array(
    Schema.Struct({
      id: Id,
      kind: Schema.Literals(ADMIN_ACTION_KINDS),
      /** The admin who acted in the bot (null: through the API). */
      adminTelegramId: Schema.NullOr(Schema.Int),
      /** Whose API token acted (null: in the bot). */
      apiToken: Schema.NullOr(Schema.Literals(["tenant", "master"])),
      details: Schema.Record(Schema.String, Schema.Unknown),
      createdAt: Timestamp
    })
  )
}).annotate({ identifier: "CustomerCard" })

export const PromoCodeView = Schema.Struct({
  id: Id,
  code: Schema.String,
  kind: Schema.Literals(["credit", "days", "discount", "trial"]),
  /** credit: the amount added to the wallet. */
  bonusAmount: Schema.Int,
  /** discount: percent off the next purchase. */
  discountPercent: Schema.Int,
  /** days: days added; trial: the trial's length (null = the plan's period). */
  days: Schema.NullOr(Schema.Int),
  planId: Schema.NullOr(Id),
  /** null = unlimited. */
  maxUses: Schema.NullOr(Schema.Int),
  usedCount: Schema.Int,
  validFrom: NullableTimestamp,
  validUntil: NullableTimestamp,
  firstPurchaseOnly: Schema.Boolean,
  isActive: Schema.Boolean,
  createdAt: Timestamp
}).annotate({ identifier: "PromoCode" })

export const PromoCodeList = Schema.Struct({ items: Schema.Array(PromoCodeView) }).annotate({
  identifier: "PromoCodeList"
})
export const BroadcastView = Schema.Struct({
  id: Id,
  segment: Segment,
  /** `pending` while it is being sent; then `done` or `cancelled`. */
  state: Schema.Literals(["pending", "done", "failed", "cancelled"]),
  /** `admin:<Telegram id>` (the bot's admin panel) or `api`. */
  createdBy: Schema.String,
  createdAt: Timestamp,
  doneAt: NullableTimestamp,
  /** Recipients: the segment when the broadcast was confirmed. */
  total: Schema.Int,
  /** Not sent yet (for a cancelled broadcast: never). */
  pending: Schema.Int,
  sent: Schema.Int,
  /** The customer blocked the bot (known before, or Telegram answered 403). */
  blocked: Schema.Int,
  failed: Schema.Int,
  /** In flight when a worker crashed: maybe delivered, never sent again. */
  unknown: Schema.Int,
  /** Why the last attempt paused (a 429, an inactive bot). */
  lastError: Schema.NullOr(Schema.String)
}).annotate({ identifier: "Broadcast" })

export const BroadcastList = Schema.Struct({ items: Schema.Array(BroadcastView) }).annotate({
  identifier: "BroadcastList"
})

export const BroadcastAudience = Schema.Struct({
  segment: Segment,
  /** Customers who would get it now. */
  reachable: Schema.Int,
  /** Customers of the segment who blocked the bot: skipped. */
  blocked: Schema.Int
}).annotate({ identifier: "BroadcastAudience" })
