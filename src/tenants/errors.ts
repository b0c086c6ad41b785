/**
 * Typed errors of the tenant repositories. Each carries a stable `code` that the
 * REST API and the CLI print, so callers never parse messages.
 */
import { Schema } from "effect"

export class BotNotFound extends Schema.TaggedError<BotNotFound>()("BotNotFound", {
  botId: Schema.Number
}) {
  readonly code = "bot_not_found"
  override get message() {
    return `bot ${this.botId} does not exist`
  }
}

export class InvalidTelegramToken extends Schema.TaggedError<InvalidTelegramToken>()("InvalidTelegramToken", {}) {
  readonly code = "invalid_telegram_token"
  override get message() {
    return "the Telegram token is malformed (expected <bot id>:<35 characters>)"
  }
}

export class DuplicateTelegramToken extends Schema.TaggedError<DuplicateTelegramToken>()("DuplicateTelegramToken", {}) {
  readonly code = "duplicate_telegram_token"
  override get message() {
    return "another bot already uses this Telegram token"
  }
}

export class MasterBotProtected extends Schema.TaggedError<MasterBotProtected>()("MasterBotProtected", {
  action: Schema.String
}) {
  readonly code = "master_bot_protected"
  override get message() {
    return `the master bot cannot be ${this.action}`
  }
}

export class MasterBotExists extends Schema.TaggedError<MasterBotExists>()("MasterBotExists", {}) {
  readonly code = "master_bot_exists"
  override get message() {
    return "a master bot already exists"
  }
}

export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  field: Schema.String,
  reason: Schema.String
}) {
  readonly code = "invalid_input"
  override get message() {
    return `${this.field}: ${this.reason}`
  }
}

/** A row asked for by id that this tenant does not have (the API answers it with its own 404, api/v1/errors.ts). */
export class RecordNotFound extends Schema.TaggedError<RecordNotFound>()("RecordNotFound", {
  entity: Schema.String,
  id: Schema.Union([Schema.Number, Schema.String])
}) {
  readonly code = "not_found"
  override get message() {
    return `${this.entity} ${this.id} does not exist`
  }
}

export class DuplicatePaymentCard extends Schema.TaggedError<DuplicatePaymentCard>()("DuplicatePaymentCard", {
  last4: Schema.String
}) {
  readonly code = "duplicate_payment_card"
  override get message() {
    return `this bot already has the card ending in ${this.last4}`
  }
}

/** The tenant already has a promo code spelled the same (codes are matched in any case). */
export class DuplicatePromoCode extends Schema.TaggedError<DuplicatePromoCode>()("DuplicatePromoCode", {
  promoCode: Schema.String
}) {
  readonly code = "duplicate_promo_code"
  override get message() {
    return `this bot already has the promo code ${this.promoCode}`
  }
}
