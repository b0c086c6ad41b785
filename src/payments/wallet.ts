/**
 * The end user's wallet in one shop: `users.balance` per (user, bot), in the
 * tenant's currency unit. Every credit and debit is one `transactions` row
 * written in the same statement sequence — callers run these inside a tenant
 * transaction, so the row and the balance change commit together or not at all.
 * The balance never goes negative: a debit is a single conditional UPDATE
 * (and the column has a CHECK as a last line of defence).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { InsufficientBalance } from "./errors.ts"

/** promo: a promo code's credit; referral: a referral commission or bonus (migration 022). */
export type TransactionType = "deposit" | "purchase" | "refund" | "adjustment" | "promo" | "referral"
export type PaymentMethod = "card_to_card" | "zarinpal" | "wallet" | "admin"

export interface WalletEntry {
  /** Positive: the amount to add (credit) or take (debit). */
  readonly amount: number
  readonly type: TransactionType
  readonly method: PaymentMethod
  /** What caused it (a tracking number, an authority, a plan purchase). */
  readonly reference: string
  readonly description?: string | undefined
}

export interface WalletChange {
  readonly transactionId: number
  readonly balanceAfter: number
}

const record = (botId: number, userId: number, signedAmount: number, balanceAfter: number, entry: WalletEntry) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ id: number }>`
      INSERT INTO transactions (bot_id, user_id, type, amount, balance_after, payment_method, reference, description)
      VALUES (${botId}, ${userId}, ${entry.type}, ${signedAmount}, ${balanceAfter}, ${entry.method},
              ${entry.reference}, ${entry.description ?? null})
      RETURNING id`
    return { transactionId: row!.id, balanceAfter } satisfies WalletChange
  })

/** Adds to the balance and records the transaction. */
export const creditWallet = Effect.fn("creditWallet")(function* (botId: number, userId: number, entry: WalletEntry) {
  const sql = yield* SqlClient.SqlClient
  const [user] = yield* sql<{ balance: number }>`
    UPDATE users SET balance = balance + ${entry.amount} WHERE bot_id = ${botId} AND id = ${userId} RETURNING balance`
  if (!user) return yield* Effect.die(new Error(`user ${userId} of bot ${botId} does not exist`))
  return yield* record(botId, userId, entry.amount, user.balance, entry)
})

/** Takes from the balance if it covers the amount, and records the transaction; otherwise changes nothing. */
export const debitWallet = Effect.fn("debitWallet")(function* (botId: number, userId: number, entry: WalletEntry) {
  const sql = yield* SqlClient.SqlClient
  const [user] = yield* sql<{ balance: number }>`
    UPDATE users SET balance = balance - ${entry.amount}
    WHERE bot_id = ${botId} AND id = ${userId} AND balance >= ${entry.amount}
    RETURNING balance`
  if (!user) {
    const [current] = yield* sql<{
      balance: number
    }>`SELECT balance FROM users WHERE bot_id = ${botId} AND id = ${userId}`
    return yield* new InsufficientBalance({ balance: current?.balance ?? 0, required: entry.amount })
  }
  return yield* record(botId, userId, -entry.amount, user.balance, entry)
})

/** Whether the customer ever bought a plan here (promo codes for first purchases only). */
export const hasPurchased = Effect.fn("hasPurchased")(function* (botId: number, userId: number) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
    SELECT 1 FROM transactions WHERE bot_id = ${botId} AND user_id = ${userId} AND type = 'purchase' LIMIT 1`
  return rows.length > 0
})

/**
 * Locks the user's row for the rest of the transaction and returns the balance
 * (orders concurrent money moves of one user). `FOR NO KEY UPDATE`, not `FOR
 * UPDATE`: every insert that references the user (a transaction row, a
 * payment, a conversation state) takes a KEY SHARE lock on it, and FOR UPDATE
 * would wait for — and deadlock with — those of concurrent updates.
 */
export const lockWallet = Effect.fn("lockWallet")(function* (botId: number, userId: number) {
  const sql = yield* SqlClient.SqlClient
  const [user] = yield* sql<{ balance: number }>`
    SELECT balance FROM users WHERE bot_id = ${botId} AND id = ${userId} FOR NO KEY UPDATE`
  return user?.balance ?? 0
})

export interface WalletTransaction {
  readonly id: number
  readonly type: TransactionType
  readonly amount: number
  readonly balanceAfter: number
  readonly paymentMethod: PaymentMethod | null
  readonly reference: string | null
  readonly description: string | null
  readonly createdAt: Date
}

/** The latest transactions of the user, newest first. */
export const walletHistory = Effect.fn("walletHistory")(function* (botId: number, userId: number, limit = 10) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<WalletTransaction>`
    SELECT id, type, amount, balance_after, payment_method, reference, description, created_at FROM transactions
    WHERE bot_id = ${botId} AND user_id = ${userId}
    ORDER BY created_at DESC, id DESC LIMIT ${limit}`
})

/** Whether the customer bought before the purchase recorded as `transactionId` (a renewal rather than a first sale). */
export const boughtBefore = Effect.fn("boughtBefore")(function* (botId: number, userId: number, transactionId: number) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ before: boolean }>`
    SELECT EXISTS (SELECT 1 FROM transactions WHERE bot_id = ${botId} AND user_id = ${userId}
                   AND type = 'purchase' AND id < ${transactionId}) AS before`
  return rows[0]?.before === true
})
