/**
 * The three demo shops, seeded as an operator would (src/tenants): a Persian,
 * an English and a Russian shop, each with its plans, its payment cards under a
 * different rotation strategy, card-to-card and ZarinPal switched on (the
 * Russian one against the ZarinPal sandbox), a free trial, auto-renewal from
 * the wallet, a promo code and the referral program, two admins and an admin group,
 * and a platform wallet with a per-GB rate that every sale is charged from.
 */
import { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import type { TelegramEmulator, UserInput } from "../emulators/telegram/index.ts"
import { topUpTenantWallet } from "../payments/tenant-wallet.ts"
import { createPromoCode } from "../tenants/promo-codes.ts"
import {
  Bots,
  Configurations,
  FeatureFlags,
  PaymentCards,
  Plans,
  TenantsLive,
  withLuhnCheckDigit
} from "../tenants/index.ts"
import type { CreatePlan, RotationStrategy } from "../tenants/index.ts"

export type Language = "fa" | "en" | "ru"

/** Every demo shop's promo code (a 20 % discount), typed by the "promo" customers. */
export const DEMO_PROMO_CODE = "WELCOME20"

export interface DemoAdmin extends UserInput {
  readonly id: number
  readonly first_name: string
  readonly username: string
}

export interface DemoTenantSpec {
  readonly name: string
  readonly botUsername: string
  readonly language: Language
  readonly strategy: RotationStrategy
  readonly cards: ReadonlyArray<{
    readonly bin: string
    readonly holder: string
    readonly bank: string
    readonly weight?: number
  }>
  readonly plans: ReadonlyArray<CreatePlan>
  readonly merchantId: string
  readonly sandbox: boolean
  readonly supportUsername: string
  readonly admins: ReadonlyArray<DemoAdmin>
  readonly adminChatId: number
  /** The tenant's platform wallet and what it pays per GB sold. */
  readonly walletBalance: number
  readonly ratePerGb: number
  /** Why an admin rejects a receipt, in the shop's language. */
  readonly rejectReasons: ReadonlyArray<string>
  /** First names the shop's customers go by. */
  readonly customerNames: ReadonlyArray<string>
}

export const DEMO_TENANTS: ReadonlyArray<DemoTenantSpec> = [
  {
    name: "پارسیان وی‌پی‌ان",
    botUsername: "parsian_vpn_bot",
    language: "fa",
    strategy: "round_robin",
    cards: [
      { bin: "603799", holder: "علی رضایی", bank: "ملی" },
      { bin: "621986", holder: "مریم احمدی", bank: "سامان" },
      { bin: "610433", holder: "رضا کریمی", bank: "ملت" }
    ],
    plans: [
      { name: "یک‌ماهه ۳۰ گیگ", periodDays: 30, price: 120_000, trafficLimitGb: 30, deviceLimit: 1 },
      { name: "یک‌ماهه ۶۰ گیگ", periodDays: 30, price: 190_000, trafficLimitGb: 60, deviceLimit: 2 },
      { name: "سه‌ماهه ۲۰۰ گیگ", periodDays: 90, price: 490_000, trafficLimitGb: 200, deviceLimit: 3 }
    ],
    merchantId: "1344b5d4-0048-11e8-94db-005056a205be",
    sandbox: false,
    supportUsername: "parsian_support",
    admins: [
      { id: 71001, first_name: "Sara", username: "parsian_sara" },
      { id: 71002, first_name: "Omid", username: "parsian_omid" }
    ],
    adminChatId: -1001000000001,
    walletBalance: 300_000_000,
    ratePerGb: 50,
    rejectReasons: ["واریزی با این مبلغ پیدا نشد", "رسید خوانا نیست، لطفاً دوباره بفرستید"],
    customerNames: ["Amir", "Neda", "Hossein", "Zahra", "Mehdi", "Fatemeh", "Reza", "Maryam", "Ali", "Parisa"]
  },
  {
    name: "Northwind VPN",
    botUsername: "northwind_vpn_bot",
    language: "en",
    strategy: "weighted",
    cards: [
      { bin: "589210", holder: "Kaveh Tehrani", bank: "Sepah", weight: 3 },
      { bin: "627353", holder: "Nasrin Jafari", bank: "Tejarat", weight: 1 }
    ],
    plans: [
      { name: "Monthly 50 GB", periodDays: 30, price: 150_000, trafficLimitGb: 50, deviceLimit: 2 },
      { name: "Quarterly 150 GB", periodDays: 90, price: 400_000, trafficLimitGb: 150, deviceLimit: 3 },
      { name: "Yearly unlimited", periodDays: 365, price: 1_200_000, trafficLimitGb: 0, deviceLimit: 5 }
    ],
    merchantId: "2a8c7e10-5f3b-4d21-9c6e-7b1d0e4f8a93",
    sandbox: false,
    supportUsername: "northwind_help",
    admins: [
      { id: 72001, first_name: "Grace", username: "northwind_grace" },
      { id: 72002, first_name: "Tom", username: "northwind_tom" }
    ],
    adminChatId: -1001000000002,
    walletBalance: 300_000_000,
    ratePerGb: 80,
    rejectReasons: ["No transfer with this amount arrived", "The receipt is unreadable, please send it again"],
    customerNames: ["Olivia", "Liam", "Emma", "Noah", "Ava", "James", "Mia", "Lucas", "Sophia", "Ethan"]
  },
  {
    name: "Сибирь VPN",
    botUsername: "sibir_vpn_bot",
    language: "ru",
    strategy: "least_used",
    cards: [
      { bin: "603799", holder: "Ivan Petrov", bank: "Melli" },
      { bin: "621986", holder: "Olga Smirnova", bank: "Saman" }
    ],
    plans: [
      { name: "Месяц · 40 ГБ", periodDays: 30, price: 140_000, trafficLimitGb: 40, deviceLimit: 2 },
      { name: "Полгода · 250 ГБ", periodDays: 180, price: 690_000, trafficLimitGb: 250, deviceLimit: 3 }
    ],
    merchantId: "5d0f3b6a-81c2-4e7d-a9f4-3c2b1e0d9f87",
    sandbox: true,
    supportUsername: "sibir_support",
    admins: [
      { id: 73001, first_name: "Anna", username: "sibir_anna" },
      { id: 73002, first_name: "Dmitry", username: "sibir_dmitry" }
    ],
    adminChatId: -1001000000003,
    walletBalance: 300_000_000,
    ratePerGb: 100,
    rejectReasons: ["Перевод на эту сумму не поступил", "Чек не читается, пришлите ещё раз"],
    customerNames: ["Alexei", "Maria", "Sergei", "Elena", "Nikolai", "Tatiana", "Pavel", "Irina", "Mikhail", "Svetlana"]
  }
]

export interface DemoTenant {
  readonly index: number
  readonly spec: DemoTenantSpec
  readonly botId: number
  readonly token: string
  readonly username: string
  /** The tenant's REST API token (/api/v1), shown once at creation. */
  readonly apiToken: string
  readonly plans: ReadonlyArray<{ readonly id: number; readonly name: string; readonly price: number }>
}

/** A 16-digit card number with this bank prefix that passes the Luhn check. */
export const luhnCardNumber = (bin: string, serial: number): string =>
  withLuhnCheckDigit(`${bin}${String(serial).padStart(15 - bin.length, "0")}`)

type Run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Promise<A>

/**
 * Creates the three shops (inactive while they are set up, then activated so
 * the service starts polling them) and waits until each bot is polling.
 */
export const seedTenants = async (run: Run, telegram: TelegramEmulator): Promise<ReadonlyArray<DemoTenant>> => {
  const tenants: Array<DemoTenant> = []
  for (const [index, spec] of DEMO_TENANTS.entries()) {
    const bot = telegram.createBot({ username: spec.botUsername, firstName: spec.name })
    // The emulator answers "chat not found" for chats a bot has never seen, as
    // Telegram does: the shop's admin group has the bot in it, and its admins
    // have started the bot (it writes to them privately too).
    telegram.addBotToChat(bot.token, { chatId: spec.adminChatId, title: `${spec.name} admins` })
    for (const admin of spec.admins) telegram.openPrivateChat(bot.token, { userId: admin.id, user: admin })
    const seeded = await run(
      Effect.gen(function* () {
        const bots = yield* Bots
        const flags = yield* FeatureFlags
        const configs = yield* Configurations
        const cards = yield* PaymentCards
        const plans = yield* Plans
        const { apiToken, bot: row } = yield* bots.create({
          name: spec.name,
          telegramToken: bot.token,
          telegramUsername: bot.username,
          currency: "IRT",
          isActive: false
        })
        for (const flag of [
          "card_to_card",
          "zarinpal",
          "support_tickets",
          "support_contact",
          "trial_subscription",
          "auto_renewal",
          "promo_codes",
          "referral_program"
        ])
          yield* flags.enable(row.id, flag)
        const config: Record<string, unknown> = {
          DEFAULT_LANGUAGE: spec.language,
          ADMIN_IDS: spec.admins.map((a) => a.id),
          ADMIN_CHAT_ID: spec.adminChatId,
          ZARINPAL_MERCHANT_ID: spec.merchantId,
          ZARINPAL_SANDBOX: spec.sandbox,
          SUPPORT_USERNAME: spec.supportUsername,
          // Slow on purpose (the default is 25 a second): the broadcast's progress can be watched.
          BROADCAST_MESSAGES_PER_SECOND: 2
        }
        for (const [key, value] of Object.entries(config)) yield* configs.set(row.id, key, value)
        for (const [i, card] of spec.cards.entries()) {
          yield* cards.create(row.id, {
            cardNumber: luhnCardNumber(card.bin, 1000 * (index + 1) + i),
            cardHolderName: card.holder,
            bankName: card.bank,
            rotationStrategy: spec.strategy,
            ...(card.weight !== undefined ? { weight: card.weight } : {})
          })
        }
        const created: Array<{ id: number; name: string; price: number }> = []
        for (const plan of spec.plans) {
          const p = yield* plans.create(row.id, plan)
          created.push({ id: p.id, name: p.name, price: p.price })
        }
        // The code the demo's "promo" customers type: 20 % off their first plan.
        yield* createPromoCode(row.id, { code: DEMO_PROMO_CODE, kind: "discount", percent: 20 })
        yield* bots.update(row.id, { trafficRatePerGb: spec.ratePerGb })
        yield* topUpTenantWallet(row.id, {
          amount: spec.walletBalance,
          reference: "demo-opening-balance",
          createdBy: "demo"
        })
        yield* bots.activate(row.id)
        return { botId: row.id, apiToken, plans: created }
      }).pipe(Effect.provide(TenantsLive))
    )
    tenants.push({ index, spec, token: bot.token, username: bot.username, ...seeded })
  }
  await Promise.all(tenants.map((t) => telegram.waitForPoller(t.token, 30_000)))
  return tenants
}
