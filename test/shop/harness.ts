/**
 * The shop end to end: the whole service in-process (test/support/app.ts) with
 * the Telegram, ZarinPal and Remnawave emulators and a database of its own, and
 * helpers that act like a user or an admin pressing buttons.
 */
import { Effect, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { startRemnawaveEmulator } from "../../src/emulators/remnawave/index.ts"
import type { RemnawaveEmulator } from "../../src/emulators/remnawave/index.ts"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { RulesInput, SentMessage, TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { startZarinpalEmulator } from "../../src/emulators/zarinpal/index.ts"
import type { ZarinpalEmulator } from "../../src/emulators/zarinpal/index.ts"
import { topUpTenantWallet } from "../../src/payments/tenant-wallet.ts"
import type { AppConfigShape } from "../../src/config.ts"
import {
  Bots,
  Configurations,
  FeatureFlags,
  PaymentCards,
  Plans,
  TenantsLive,
  withLuhnCheckDigit
} from "../../src/tenants/index.ts"
import type { CreatePaymentCard, CreatePlan, RotationStrategy } from "../../src/tenants/index.ts"
import { eventually, startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

export const MERCHANT = "1344b5d4-0048-11e8-94db-005056a205be"
export const ADMIN = 9001
export const ADMIN_CHAT = -1001234567890

export interface Shop {
  readonly telegram: TelegramEmulator
  readonly zarinpal: ZarinpalEmulator
  readonly panel: RemnawaveEmulator
  readonly db: TestDatabase
  app: RunningApp
  readonly config: Partial<AppConfigShape>
  /** Runs SQL (or the tenant repositories) as the operator, outside any tenant. */
  readonly sql: <A>(
    effect: Effect.Effect<A, unknown, SqlClient.SqlClient | Bots | FeatureFlags | Configurations | PaymentCards | Plans>
  ) => Promise<A>
  /** Stops the service and starts a fresh one on the same database (a restart, or a move to another replica). */
  readonly restart: () => Promise<void>
  readonly close: () => Promise<void>
}

export const startShop = async (overrides: Partial<AppConfigShape> = {}): Promise<Shop> => {
  const telegram = await startTelegramEmulator()
  const zarinpal = await startZarinpalEmulator()
  const panel = await startRemnawaveEmulator({ port: 0 })
  const db = await createTestDatabase()
  const config: Partial<AppConfigShape> = {
    zarinpalApiRoot: zarinpal.url,
    zarinpalSandboxApiRoot: zarinpal.sandboxUrl,
    remnawaveApiUrl: Option.some(panel.url),
    remnawaveApiToken: Option.some(Redacted.make(panel.token)),
    publicUrl: "http://shop.example",
    outboxSweepSeconds: 1,
    ...overrides
  }
  const start = () => startApp({ databaseUrl: db.url, telegramApiRoot: telegram.url, config })
  const shop: Shop = {
    telegram,
    zarinpal,
    panel,
    db,
    app: await start(),
    config,
    sql: (effect) =>
      shop.app.run(Effect.provide(effect, TenantsLive) as Effect.Effect<any, unknown, SqlClient.SqlClient | Bots>),
    restart: async () => {
      await shop.app.stop()
      shop.app = await start()
    },
    close: async () => {
      await shop.app?.stop()
      await telegram.close()
      await zarinpal.close()
      await panel.close()
      await db.drop()
    }
  }
  return shop
}

/** A 16-digit number that passes the Luhn check. */
export const cardNumber = (seed: number): string => withLuhnCheckDigit(`603799${String(seed).padStart(9, "0")}`)

export interface TenantSpec {
  readonly name?: string
  readonly flags?: ReadonlyArray<string>
  readonly config?: Record<string, unknown>
  readonly cards?: ReadonlyArray<Partial<CreatePaymentCard>>
  readonly strategy?: RotationStrategy
  readonly plans?: ReadonlyArray<CreatePlan>
  /** The tenant's platform wallet (issue 7 billing). */
  readonly walletBalance?: number
  readonly trafficRatePerGb?: number
  /**
   * Telegram emulator rules relaxed for this tenant's bot only — each by name,
   * with a comment saying why; everything else stays as strict as Telegram.
   */
  readonly telegramRules?: RulesInput
}

export interface Tenant {
  readonly botId: number
  /** The tenant's REST API token (/api/v1). */
  readonly apiToken: string
  readonly token: string
  readonly username: string
  readonly planIds: ReadonlyArray<number>
  readonly cardIds: ReadonlyArray<number>
}

let cardSeed = 1000

export const DEFAULT_PLANS: ReadonlyArray<CreatePlan> = [
  { name: "Monthly 50GB", periodDays: 30, price: 150_000, trafficLimitGb: 50, deviceLimit: 2 },
  { name: "Quarterly", periodDays: 90, price: 400_000, trafficLimitGb: 150, deviceLimit: 3 }
]

/** A tenant bot with flags, configuration, cards and plans, polling the emulator. */
export const createTenant = async (shop: Shop, spec: TenantSpec = {}): Promise<Tenant> => {
  const bot = shop.telegram.createBot()
  if (spec.telegramRules !== undefined) shop.telegram.setRules(bot.token, spec.telegramRules)
  // Telegram answers "chat not found" for chats a bot has never seen: the admin
  // group has the bot in it, and the admin has started it (it writes to them too).
  const receiptTopic = spec.config?.CARD_RECEIPT_TOPIC_ID
  shop.telegram.addBotToChat(bot.token, {
    chatId: ADMIN_CHAT,
    title: "Shop admins",
    isForum: typeof receiptTopic === "number"
  })
  // A receipts topic the tenant is configured with exists in its admin group (a forum).
  if (typeof receiptTopic === "number") {
    shop.telegram.createForumTopic(bot.token, { chatId: ADMIN_CHAT, name: "Receipts", messageThreadId: receiptTopic })
  }
  shop.telegram.openPrivateChat(bot.token, { userId: ADMIN })
  const created = await shop.sql(
    Effect.gen(function* () {
      const bots = yield* Bots
      const flags = yield* FeatureFlags
      const configs = yield* Configurations
      const cards = yield* PaymentCards
      const plans = yield* Plans
      const sql = yield* SqlClient.SqlClient
      const { bot: row, apiToken } = yield* bots.create({
        name: spec.name ?? "VPN Shop",
        telegramToken: bot.token,
        telegramUsername: bot.username,
        isActive: false
      })
      for (const flag of spec.flags ?? ["card_to_card", "zarinpal", "support_tickets", "support_contact"]) {
        yield* flags.enable(row.id, flag)
      }
      const config: Record<string, unknown> = {
        ADMIN_IDS: [ADMIN],
        ADMIN_CHAT_ID: ADMIN_CHAT,
        ZARINPAL_MERCHANT_ID: MERCHANT,
        SUPPORT_USERNAME: "shop_support",
        ...spec.config
      }
      for (const [key, value] of Object.entries(config)) yield* configs.set(row.id, key, value)
      const cardIds: Array<number> = []
      for (const card of spec.cards ?? [{}]) {
        const made = yield* cards.create(row.id, {
          cardNumber: card.cardNumber ?? cardNumber(cardSeed++),
          cardHolderName: card.cardHolderName ?? "Ali Rezaei",
          bankName: card.bankName ?? "Melli",
          rotationStrategy: spec.strategy ?? "round_robin",
          ...(card.weight !== undefined ? { weight: card.weight } : {})
        })
        cardIds.push(made.id)
      }
      const planIds: Array<number> = []
      for (const plan of spec.plans ?? DEFAULT_PLANS) planIds.push((yield* plans.create(row.id, plan)).id)
      yield* sql`UPDATE bots SET traffic_rate_per_gb = ${spec.trafficRatePerGb ?? 100} WHERE id = ${row.id}`
      yield* topUpTenantWallet(row.id, { amount: spec.walletBalance ?? 10_000_000, createdBy: "test" })
      yield* bots.activate(row.id)
      return { botId: row.id, apiToken, cardIds, planIds }
    })
  )
  await shop.telegram.waitForPoller(bot.token, 5000)
  return { ...created, token: bot.token, username: bot.username }
}

// ---------------------------------------------------------------- acting as users and admins

/** How many messages the bot has sent to this chat so far (to wait for the next ones). */
export const mark = (shop: Shop, tenant: Tenant, chatId: number) =>
  shop.telegram.sentMessages(tenant.token, chatId).length

const textOf = (m: SentMessage) => m.text ?? m.caption ?? ""

/**
 * Long enough for a busy CI machine running several test files at once (a wait
 * ends as soon as its condition holds, so a generous bound costs passing tests nothing).
 */
const WAIT_MS = 10_000

/** The first message the bot sends to `chatId` after `since` whose text matches. */
export const nextMessage = (
  shop: Shop,
  tenant: Tenant,
  chatId: number,
  since: number,
  match: string | RegExp | ((m: SentMessage) => boolean) = () => true,
  timeoutMs = WAIT_MS
): Promise<SentMessage> => {
  const test =
    typeof match === "function"
      ? match
      : (m: SentMessage) => (typeof match === "string" ? textOf(m).includes(match) : match.test(textOf(m)))
  return eventually(() => shop.telegram.sentMessages(tenant.token, chatId).slice(since).find(test), timeoutMs).catch(
    (e: Error) => {
      const recent = shop.telegram.sentMessages(tenant.token, chatId).slice(since).map(textOf)
      throw new Error(`${e.message}; messages to ${chatId} since #${since}: ${JSON.stringify(recent)}`)
    }
  )
}

export const say = (
  shop: Shop,
  tenant: Tenant,
  userId: number,
  text: string,
  extra: { chatId?: number; replyToMessageId?: number } = {}
) =>
  shop.telegram.injectMessage(tenant.token, {
    text,
    from: { id: userId, first_name: `User${userId}`, username: `user${userId}` },
    ...extra
  })

export const press = (shop: Shop, tenant: Tenant, userId: number, message: SentMessage, data: string) =>
  shop.telegram.injectCallbackQuery(tenant.token, {
    from: { id: userId, first_name: `User${userId}`, username: `user${userId}` },
    chatId: message.chatId,
    messageId: message.messageId,
    data
  })

/**
 * Waits until an injected update has committed (its processed mark is written
 * in the update's own transaction): a reply can reach Telegram before that, so
 * a test that reads the database right after a reply must wait for this.
 */
export const committed = (shop: Shop, tenant: Tenant, injected: { readonly updateId: number }, timeoutMs = 10_000) =>
  until(
    () =>
      query<{ n: number }>(
        shop,
        "SELECT count(*)::int AS n FROM processed_updates WHERE bot_id = $1 AND update_id = $2",
        tenant.botId,
        injected.updateId
      ),
    (rows) => rows[0]!.n === 1,
    timeoutMs
  )

/** The callback data of the inline button whose data starts with `prefix`. */
/** The callback data of every inline button of a message, in order. */
export const buttonsOf = (message: SentMessage): Array<string> => {
  const markup = message.replyMarkup as
    | { inline_keyboard?: Array<Array<{ callback_data?: string; url?: string }>> }
    | undefined
  return (markup?.inline_keyboard ?? []).flat().flatMap((b) => (b.callback_data === undefined ? [] : [b.callback_data]))
}

/** The payment methods (c = card, z = ZarinPal, w = wallet) a "How would you like to pay" message offers. */
export const methodsOffered = (message: SentMessage): Array<string> =>
  buttonsOf(message).flatMap((d) => (d.startsWith("pm:") ? [d.split(":")[1]!] : []))

export const buttonData = (message: SentMessage, prefix: string): string => {
  const data = buttonsOf(message).find((d) => d.startsWith(prefix))
  if (data === undefined) throw new Error(`no button ${prefix}… on ${JSON.stringify(message.replyMarkup)}`)
  return data
}

export const buttonUrl = (message: SentMessage): string => {
  const markup = message.replyMarkup as { inline_keyboard?: Array<Array<{ url?: string }>> } | undefined
  const url = markup?.inline_keyboard
    ?.flat()
    .map((b) => b.url)
    .find((u) => u !== undefined)
  if (url === undefined) throw new Error(`no URL button on ${JSON.stringify(message.replyMarkup)}`)
  return url
}

/** The callback answer (toast) the bot gave to a press. */
export const answerTo = (shop: Shop, tenant: Tenant, callbackQueryId: string) =>
  eventually(
    () => shop.telegram.callbackAnswers(tenant.token).find((a) => a.callbackQueryId === callbackQueryId),
    WAIT_MS
  )

/** /start and its welcome; `timeoutMs` for many at once (one bot answers about 30 chats a second). */
export const startChat = async (shop: Shop, tenant: Tenant, userId: number, timeoutMs = WAIT_MS) => {
  const since = mark(shop, tenant, userId)
  say(shop, tenant, userId, "/start")
  return nextMessage(shop, tenant, userId, since, undefined, timeoutMs)
}

/** The menu → plan → card → confirm path, up to the card details (the payment is pending). */
export const startCardPurchase = async (shop: Shop, tenant: Tenant, userId: number, planId: number) => {
  const welcome = await startChat(shop, tenant, userId)
  const since = mark(shop, tenant, userId)
  press(shop, tenant, userId, welcome, `pc:c:${planId}`)
  return nextMessage(shop, tenant, userId, since, /C2C[0-9A-F]{16}/)
}

export const trackingIn = (message: SentMessage) => /C2C[0-9A-F]{16}/.exec(textOf(message))![0]

/** Sends a receipt and returns the message the admin chat got for it. */
export const sendReceipt = async (
  shop: Shop,
  tenant: Tenant,
  userId: number,
  receipt: { text?: string; photo?: boolean }
) => {
  const adminSince = mark(shop, tenant, ADMIN_CHAT)
  const since = mark(shop, tenant, userId)
  if (receipt.photo) {
    shop.telegram.injectPhoto(tenant.token, {
      from: { id: userId, first_name: `User${userId}` },
      ...(receipt.text !== undefined ? { caption: receipt.text } : {})
    })
  } else {
    say(shop, tenant, userId, receipt.text ?? "paid")
  }
  const ack = await nextMessage(shop, tenant, userId, since, /C2C/)
  // This payment's receipt: other buyers' receipts may reach the admins' group meanwhile.
  return nextMessage(shop, tenant, ADMIN_CHAT, adminSince, trackingIn(ack), 20_000)
}

/**
 * Money in a user's wallet, as an admin adjustment (lifecycle tests start from a
 * funded wallet). Waits for the user's row: the welcome goes out before /start commits.
 */
export const fundWallet = async (shop: Shop, tenant: Tenant, telegramId: number, amount: number) => {
  await until(
    () =>
      query<{ id: number }>(
        shop,
        "SELECT id FROM users WHERE bot_id = $1 AND telegram_id = $2",
        tenant.botId,
        telegramId
      ),
    (rows) => rows.length === 1
  )
  return shop.sql(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [user] = yield* sql<{ id: number }>`
        SELECT id FROM users WHERE bot_id = ${tenant.botId} AND telegram_id = ${telegramId}`
      const [row] = yield* sql<{ balance: number }>`
        UPDATE users SET balance = balance + ${amount} WHERE id = ${user!.id} RETURNING balance`
      yield* sql`
        INSERT INTO transactions (bot_id, user_id, type, amount, balance_after, payment_method, description)
        VALUES (${tenant.botId}, ${user!.id}, 'adjustment', ${amount}, ${row!.balance}, 'admin', 'test funding')`
      return row!.balance
    })
  )
}

/** A call to the REST API with the tenant's token. */
export const api = async (shop: Shop, tenant: Tenant, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${shop.app.httpUrl}/api/v1/bots/${tenant.botId}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tenant.apiToken}`,
      ...(body === undefined ? {} : { "content-type": "application/json" })
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, body: text.length > 0 ? (JSON.parse(text) as any) : undefined }
}

/** Rows as the operator sees them. */
export const query = <A extends object>(shop: Shop, text: string, ...params: Array<unknown>) =>
  shop.sql(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return (yield* sql.unsafe<A>(text, params as Array<never>)) as ReadonlyArray<A>
    })
  )

/**
 * Reads until `ok` holds. A handler's Telegram messages go out before its
 * transaction commits, so a test that saw a message waits for the rows too.
 */
export const until = async <A>(read: () => Promise<A>, ok: (a: A) => boolean, timeoutMs = WAIT_MS): Promise<A> =>
  (
    await eventually(async () => {
      const a = await read()
      return ok(a) ? { a } : undefined
    }, timeoutMs)
  ).a
