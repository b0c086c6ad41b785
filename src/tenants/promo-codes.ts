/**
 * The promo_codes and promo_redemptions tables' statements (migrations 001 and
 * 022). Each runs in the tenant transaction its caller has open: the shop's
 * redemption (src/shop/promo-codes.ts), the sale that uses a discount
 * (src/payments/promo-discount.ts), the admin panel and the API.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { DuplicatePromoCode } from "./errors.ts"
import { INT4_MAX, MAX_MONEY, MAX_PLAN_DAYS } from "./limits.ts"
import { activePlan } from "./plans.ts"
import { invalid } from "./repository.ts"

export const PROMO_KINDS = ["credit", "days", "discount", "trial"] as const
export type PromoKind = (typeof PROMO_KINDS)[number]

/** What a code looks like: 3–32 letters, digits, `_` or `-`; stored and matched upper case. */
export const PROMO_CODE_PATTERN = /^[A-Za-z0-9_-]{3,32}$/

export interface PromoCode {
  readonly id: number
  readonly code: string
  readonly kind: PromoKind
  /** credit: the amount added to the wallet. */
  readonly bonusAmount: number
  /** discount: percent off the next purchase. */
  readonly discountPercent: number
  /** days: days added; trial: the trial's length (null = the plan's period). */
  readonly days: number | null
  /** trial: the plan tried. */
  readonly planId: number | null
  /** null = unlimited. */
  readonly maxUses: number | null
  readonly usedCount: number
  readonly validFrom: Date | null
  readonly validUntil: Date | null
  readonly firstPurchaseOnly: boolean
  readonly isActive: boolean
  readonly createdAt: Date
}

const COLUMNS = `id, code, kind, bonus_amount, discount_percent, days, plan_id, max_uses, used_count, valid_from,
  valid_until, first_purchase_only, is_active, created_at`

export interface NewPromoCode {
  readonly code: string
  readonly kind: PromoKind
  readonly amount?: number | undefined
  readonly percent?: number | undefined
  readonly days?: number | undefined
  readonly planId?: number | undefined
  readonly maxUses?: number | undefined
  readonly validFrom?: Date | undefined
  readonly validUntil?: Date | undefined
  readonly firstPurchaseOnly?: boolean | undefined
}

const intIn = (n: number | undefined, min: number, max: number) =>
  n !== undefined && Number.isSafeInteger(n) && n >= min && n <= max

/** Checks a new code's terms (the bot's admin form and the API both come through here). */
export const checkNewPromoCode = (input: NewPromoCode) => {
  if (!PROMO_CODE_PATTERN.test(input.code)) return invalid("code", "must be 3–32 letters, digits, _ or -")
  if (!PROMO_KINDS.includes(input.kind)) return invalid("kind", `must be one of ${PROMO_KINDS.join(", ")}`)
  if (input.kind === "credit" && !intIn(input.amount, 1, MAX_MONEY)) {
    return invalid("amount", `a credit code needs an amount of 1–${MAX_MONEY}`)
  }
  if (input.kind === "discount" && !intIn(input.percent, 1, 100)) {
    return invalid("percent", "a discount code needs a percent of 1–100")
  }
  if (input.kind === "days" && !intIn(input.days, 1, MAX_PLAN_DAYS)) {
    return invalid("days", `a days code needs 1–${MAX_PLAN_DAYS} days`)
  }
  if (input.days !== undefined && !intIn(input.days, 1, MAX_PLAN_DAYS)) {
    return invalid("days", `must be 1–${MAX_PLAN_DAYS}`)
  }
  if (input.kind === "trial" && !intIn(input.planId, 1, Number.MAX_SAFE_INTEGER)) {
    return invalid("planId", "a trial code needs the plan to try")
  }
  if (input.maxUses !== undefined && !intIn(input.maxUses, 1, INT4_MAX)) {
    return invalid("maxUses", `must be 1–${INT4_MAX}`)
  }
  if (input.validFrom && input.validUntil && input.validUntil <= input.validFrom) {
    return invalid("validUntil", "must be after validFrom")
  }
  return Effect.void
}

/**
 * Checks and inserts a new code (the admin panel and the API). A trial's plan
 * must be this tenant's and on sale: the foreign key alone would accept another
 * tenant's plan id.
 */
export const createPromoCode = (botId: number, input: NewPromoCode) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* checkNewPromoCode(input)
    if (input.kind === "trial" && !(yield* activePlan(botId, input.planId!))) {
      return yield* invalid("planId", `plan ${input.planId} is not one of this bot's plans on sale`)
    }
    const [row] = yield* sql<PromoCode>`
      INSERT INTO promo_codes (bot_id, code, kind, bonus_amount, discount_percent, days, plan_id, max_uses,
                               valid_from, valid_until, first_purchase_only)
      VALUES (${botId}, ${input.code.toUpperCase()}, ${input.kind},
              ${input.kind === "credit" ? (input.amount ?? 0) : 0}, ${input.kind === "discount" ? (input.percent ?? 0) : 0},
              ${input.kind === "days" || input.kind === "trial" ? (input.days ?? null) : null},
              ${input.kind === "trial" ? (input.planId ?? null) : null}, ${input.maxUses ?? null},
              ${input.validFrom ?? null}, ${input.validUntil ?? null}, ${input.firstPurchaseOnly ?? false})
      ON CONFLICT (bot_id, code) DO NOTHING
      RETURNING ${sql.unsafe(COLUMNS)}`
    if (!row) return yield* new DuplicatePromoCode({ promoCode: input.code.toUpperCase() })
    return row
  })

/** The tenant's codes, newest first, with their usage counts. */
export const listPromoCodes = (botId: number, limit = 100) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<PromoCode>`
      SELECT ${sql.unsafe(COLUMNS)} FROM promo_codes WHERE bot_id = ${botId} ORDER BY id DESC LIMIT ${limit}`
  })

/** Turns the code off for good (redemptions already made stay); undefined when it is not this tenant's. */
export const disablePromoCode = (botId: number, id: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<PromoCode>`
      UPDATE promo_codes SET is_active = false, disabled_at = COALESCE(disabled_at, now())
      WHERE bot_id = ${botId} AND id = ${id}
      RETURNING ${sql.unsafe(COLUMNS)}`
    return row
  })

/**
 * The code as typed (any case), locked for the rest of the transaction: every
 * redemption of one code queues here, so its use count is read and raised by
 * one transaction at a time. Also whether it is within its dates now.
 */
export const lockPromoCode = (botId: number, code: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<PromoCode & { readonly started: boolean; readonly ended: boolean }>`
      SELECT ${sql.unsafe(COLUMNS)}, (valid_from IS NULL OR valid_from <= now()) AS started,
             (valid_until IS NOT NULL AND valid_until <= now()) AS ended
      FROM promo_codes WHERE bot_id = ${botId} AND code = ${code.toUpperCase()}
      FOR UPDATE`
    return row
  })

/** Records the customer's use; false when they used this code already (the unique key decides). */
export const recordRedemption = (
  botId: number,
  code: Pick<PromoCode, "id" | "kind" | "discountPercent">,
  userId: number
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const inserted = yield* sql<{ id: number }>`
      INSERT INTO promo_redemptions (bot_id, promo_code_id, user_id, kind, discount_percent)
      VALUES (${botId}, ${code.id}, ${userId}, ${code.kind}, ${code.kind === "discount" ? code.discountPercent : null})
      ON CONFLICT (bot_id, promo_code_id, user_id) DO NOTHING
      RETURNING id`
    if (inserted.length === 0) return false
    // The row lock taken by lockPromoCode is held: the count cannot pass max_uses (the CHECK is the backstop).
    yield* sql`UPDATE promo_codes SET used_count = used_count + 1 WHERE bot_id = ${botId} AND id = ${code.id}`
    return true
  })

/** Whether the customer used this code already. */
export const hasRedeemed = (botId: number, codeId: number, userId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql`
      SELECT 1 FROM promo_redemptions WHERE bot_id = ${botId} AND promo_code_id = ${codeId} AND user_id = ${userId}`
    return rows.length > 0
  })

export interface OpenDiscount {
  readonly redemptionId: number
  readonly percent: number
}

/**
 * The customer's discount waiting for a sale: redeemed, not used, and not held
 * by a card or ZarinPal payment still pending (that payment's sale will use it).
 */
export const openDiscount = (botId: number, userId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<OpenDiscount>`
      SELECT r.id AS redemption_id, r.discount_percent AS percent FROM promo_redemptions r
      WHERE r.bot_id = ${botId} AND r.user_id = ${userId} AND r.kind = 'discount' AND r.discount_used_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM card_to_card_payments p
                        WHERE p.bot_id = r.bot_id AND p.promo_redemption_id = r.id AND p.status = 'pending')
        AND NOT EXISTS (SELECT 1 FROM zarinpal_payments z
                        WHERE z.bot_id = r.bot_id AND z.promo_redemption_id = r.id AND z.status = 'pending')
      ORDER BY r.discount_percent DESC, r.id LIMIT 1`
    return row
  })

/** Whether the customer has a discount not yet used by a sale (held by a pending payment or not). */
export const hasUnusedDiscount = (botId: number, userId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql`
      SELECT 1 FROM promo_redemptions
      WHERE bot_id = ${botId} AND user_id = ${userId} AND kind = 'discount' AND discount_used_at IS NULL`
    return rows.length > 0
  })

/** The sale `reference` uses the discount; false when another sale used it first. */
export const useDiscount = (botId: number, redemptionId: number, reference: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql`
      UPDATE promo_redemptions SET discount_used_at = now(), discount_used_reference = ${reference}
      WHERE bot_id = ${botId} AND id = ${redemptionId} AND discount_used_at IS NULL
      RETURNING id`
    return rows.length > 0
  })
