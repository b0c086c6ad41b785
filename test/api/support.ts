/**
 * The API tests' world: the whole service in-process (emulated Telegram, a
 * database of its own), a master bot and tenants with some data each, and a
 * small JSON client.
 */
import { Effect, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import type { AppConfigShape } from "../../src/config.ts"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

export interface ApiResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: any
}

export interface World {
  readonly emulator: TelegramEmulator
  readonly db: TestDatabase
  readonly app: RunningApp
  readonly request: (token: string | undefined, method: string, path: string, body?: unknown) => Promise<ApiResponse>
  readonly sql: <A extends object = any>(query: string, params?: ReadonlyArray<unknown>) => Promise<ReadonlyArray<A>>
  readonly createBot: (
    name: string,
    options?: { master?: boolean }
  ) => Promise<{ id: number; apiToken: string; telegramToken: string }>
  /** Stops the service and starts it again on the same database (a deploy, a crash). */
  readonly restart: () => Promise<void>
  readonly stop: () => Promise<void>
}

/** `config` may be computed from the emulator, e.g. to use a bot created there as the master. */
export const startWorld = async (
  configure: Partial<AppConfigShape> | ((emulator: TelegramEmulator) => Partial<AppConfigShape>) = {}
): Promise<World> => {
  const emulator = await startTelegramEmulator()
  const config = typeof configure === "function" ? configure(emulator) : configure
  const db = await createTestDatabase()
  const start = () =>
    startApp({
      databaseUrl: db.url,
      telegramApiRoot: emulator.url,
      config: { runnerPort: 0, apiRateLimitBurst: 100_000, apiRateLimitPerMinute: 100_000, ...config }
    })
  let app = await start()
  const request = async (token: string | undefined, method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = {}
    if (token !== undefined) headers.authorization = `Bearer ${token}`
    if (body !== undefined) headers["content-type"] = "application/json"
    const response = await fetch(`${app.httpUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined
    } catch {
      parsed = undefined
    }
    return { status: response.status, headers: response.headers, text, body: parsed }
  }
  const sql = <A extends object>(query: string, params: ReadonlyArray<unknown> = []) =>
    app.run(
      Effect.gen(function* () {
        const client = yield* SqlClient.SqlClient
        return (yield* client.unsafe<A>(query, params as Array<unknown>)) as ReadonlyArray<A>
      })
    )
  const createBot = async (name: string, options: { master?: boolean } = {}) => {
    const { token } = emulator.createBot()
    const created = await app.run(
      Effect.gen(function* () {
        return yield* (yield* Bots).create({ name, telegramToken: token, isMaster: options.master ?? false })
      })
    )
    return { id: created.bot.id, apiToken: created.apiToken, telegramToken: token }
  }
  return {
    emulator,
    db,
    get app() {
      return app
    },
    request,
    sql,
    createBot,
    restart: async () => {
      await app.stop()
      app = await start()
    },
    stop: async () => {
      await app.stop()
      await emulator.close()
      await db.drop()
    }
  }
}

export interface TenantData {
  readonly botId: number
  readonly planId: number
  readonly cardId: number
  readonly userId: number
  /** The second user (the one whose card payment is rejected): the customer-management routes' customer. */
  readonly secondUserId: number
  readonly secondTelegramId: number
  readonly cardPaymentId: number
  /** Another user's pending card payment (one pending payment per user). */
  readonly secondCardPaymentId: number
  readonly zarinpalPaymentId: number
  readonly promoCodeId: number
  /** A broadcast being sent (due tomorrow, so no worker touches it before the tests do). */
  readonly broadcastId: number
}

/** Card numbers that pass the Luhn check. */
export const LUHN_CARDS = [
  "6037991234567893",
  "6219861034529007",
  "5892101187321712",
  "6104337890123456",
  "6037990000000014",
  "6037990000000022"
]

/** A plan, a card, a flag, a config key, a user and a payment of each kind for the bot. */
export const seedTenant = async (world: World, botId: number, n: number): Promise<TenantData> => {
  const [plan] = await world.sql<{ id: number }>(
    `INSERT INTO bot_plans (bot_id, name, period_days, price, traffic_limit_gb) VALUES ($1, 'Monthly', 30, 100000, 50) RETURNING id`,
    [botId]
  )
  const [card] = await world.sql<{ id: number }>(
    `INSERT INTO tenant_payment_cards (bot_id, card_number, card_holder_name) VALUES ($1, $2, 'Holder') RETURNING id`,
    [botId, LUHN_CARDS[n % LUHN_CARDS.length]]
  )
  await world.sql(`INSERT INTO bot_feature_flags (bot_id, feature_key, enabled) VALUES ($1, 'card_to_card', true)`, [
    botId
  ])
  await world.sql(
    `INSERT INTO bot_configurations (bot_id, config_key, config_value) VALUES ($1, 'SUPPORT_USERNAME', '"support_bot"')`,
    [botId]
  )
  const [user] = await world.sql<{ id: number }>(
    `INSERT INTO users (bot_id, telegram_id, username, first_name) VALUES ($1, $2, $3, 'Ali') RETURNING id`,
    [botId, 5000 + n, `user_${n}`]
  )
  const [second] = await world.sql<{ id: number }>(
    `INSERT INTO users (bot_id, telegram_id, username, first_name) VALUES ($1, $2, $3, 'Sara') RETURNING id`,
    [botId, 6000 + n, `buyer_${n}`]
  )
  const cardPayment = async (userId: number) => {
    const [row] = await world.sql<{ id: number }>(
      `INSERT INTO card_to_card_payments (bot_id, user_id, card_id, plan_id, amount, tracking_number, receipt_type, receipt_text,
         receipt_submitted_at, expires_at)
       VALUES ($1, $2, $3, $4, 100000, $5, 'text', 'paid', now(), now() + interval '1 hour') RETURNING id`,
      [botId, userId, card!.id, plan!.id, `C2C${randomBytes(8).toString("hex").toUpperCase()}`]
    )
    return row!.id
  }
  const cardPaymentId = await cardPayment(user!.id)
  const secondCardPaymentId = await cardPayment(second!.id)
  const [zp] = await world.sql<{ id: number }>(
    `INSERT INTO zarinpal_payments (bot_id, user_id, plan_id, amount, zarinpal_authority, expires_at)
     VALUES ($1, $2, $3, 100000, $4, now() + interval '30 minutes') RETURNING id`,
    [botId, user!.id, plan!.id, `A${randomBytes(16).toString("hex")}`]
  )
  const [promo] = await world.sql<{ id: number }>(
    `INSERT INTO promo_codes (bot_id, code, kind, bonus_amount) VALUES ($1, 'SEEDED', 'credit', 500) RETURNING id`,
    [botId]
  )
  const [broadcast] = await world.sql<{ id: number }>(
    `INSERT INTO broadcasts (bot_id, segment, text, created_by, run_after)
     VALUES ($1, 'all', 'Hello', 'api', now() + interval '1 day') RETURNING id`,
    [botId]
  )
  return {
    broadcastId: broadcast!.id,
    botId,
    promoCodeId: promo!.id,
    planId: plan!.id,
    cardId: card!.id,
    userId: user!.id,
    secondUserId: second!.id,
    secondTelegramId: 6000 + n,
    cardPaymentId,
    secondCardPaymentId,
    zarinpalPaymentId: zp!.id
  }
}

const TENANT_TABLES = [
  "bot_plans",
  "tenant_payment_cards",
  "bot_feature_flags",
  "bot_configurations",
  "users",
  "card_to_card_payments",
  "zarinpal_payments",
  "transactions",
  "subscriptions",
  "tenant_wallet_transactions",
  "promo_codes",
  "broadcasts"
]

/** Everything stored for one bot, to prove a request changed nothing. */
export const snapshot = async (world: World, botId: number) => {
  const parts: Record<string, unknown> = {}
  parts.bot = await world.sql(`SELECT * FROM bots WHERE id = $1`, [botId])
  for (const table of TENANT_TABLES) {
    parts[table] = await world.sql(`SELECT * FROM ${table} WHERE bot_id = $1 ORDER BY 1, 2`, [botId])
  }
  return JSON.stringify(parts)
}

export const masterTokenConfig = (token: string, adminIds: ReadonlyArray<number>): Partial<AppConfigShape> => ({
  masterBotToken: Option.some(Redacted.make(token)),
  masterAdminIds: [...adminIds]
})
