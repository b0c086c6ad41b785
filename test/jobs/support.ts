/**
 * What the job tests share, on top of the shop harness (test/shop/harness.ts:
 * the whole service in-process with the Telegram, ZarinPal and Remnawave
 * emulators): seeding many pending card payments at once, paying online the
 * way a user does, and the browser's callback.
 */
import { expect } from "vitest"
import { translator } from "../../src/messages/i18n.ts"
import { emulatorServing } from "../../src/emulators/telegram/index.ts"
import type { Language } from "../../src/tenants/tenant-cache.ts"
import { buttonUrl, mark, nextMessage, press, query, startChat } from "../shop/harness.ts"
import type { Shop, Tenant } from "../shop/harness.ts"

export interface SeededPayment {
  readonly paymentId: number
  readonly userId: number
  readonly telegramId: number
  readonly language: Language | null
  readonly expiresAt: Date
}

/**
 * One user and one pending card payment (no receipt) per entry, in one
 * statement: telegram ids `firstTelegramId + i`, deadlines as given.
 */
export type Query = <A extends object>(text: string, ...params: Array<unknown>) => Promise<ReadonlyArray<A>>

/** Runs SQL as the operator on the shop's database. */
export const shopQuery =
  (shop: Shop): Query =>
  (text, ...params) =>
    query(shop, text, ...params)

export const seedCardPayments = async (
  q: Query,
  botId: number,
  entries: ReadonlyArray<{ readonly language: Language | null; readonly expiresAt: Date; readonly receipt?: boolean }>,
  firstTelegramId: number
): Promise<Array<SeededPayment>> => {
  const telegramIds = entries.map((_, i) => firstTelegramId + i)
  const rows = await q<{
    paymentId: number
    userId: number
    telegramId: number
    language: Language | null
    expiresAt: Date
  }>(
    `WITH input AS (
       SELECT * FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::boolean[]) WITH ORDINALITY
         AS x(telegram_id, language, expires_at, receipt, n)
     ), new_users AS (
       INSERT INTO users (bot_id, telegram_id, first_name, language)
       SELECT $1, telegram_id, 'User' || telegram_id, NULLIF(language, '') FROM input ORDER BY n
       RETURNING id, telegram_id, language
     ), payments AS (
       INSERT INTO card_to_card_payments (bot_id, user_id, amount, tracking_number, expires_at,
                                          receipt_type, receipt_text, receipt_submitted_at)
       SELECT $1, u.id, 150000, 'C2C' || upper(lpad(to_hex(u.id), 16, '0')), i.expires_at,
              CASE WHEN i.receipt THEN 'text' END, CASE WHEN i.receipt THEN 'paid from Melli' END,
              CASE WHEN i.receipt THEN now() END
       FROM input i JOIN new_users u ON u.telegram_id = i.telegram_id
       RETURNING id, user_id, expires_at
     )
     SELECT p.id AS payment_id, p.user_id, u.telegram_id, u.language, p.expires_at
     FROM payments p JOIN new_users u ON u.id = p.user_id`,
    botId,
    telegramIds,
    // '' for none: an array of nulls alone has no type the driver can infer.
    entries.map((e) => e.language ?? ""),
    entries.map((e) => e.expiresAt),
    entries.map((e) => e.receipt === true)
  )
  // These users started the bot and chose a plan, so the bot may write to them:
  // Telegram (and the emulator) answers "chat not found" for a user who never did.
  const [bot] = await q<{ token: string }>("SELECT telegram_bot_token AS token FROM bots WHERE id = $1", botId)
  const emulator = bot === undefined ? undefined : emulatorServing(bot.token)
  for (const userId of telegramIds) emulator?.openPrivateChat(bot!.token, { userId })
  return [...rows]
    .map((r) => ({ ...r, paymentId: Number(r.paymentId), userId: Number(r.userId), telegramId: Number(r.telegramId) }))
    .sort((a, b) => a.telegramId - b.telegramId)
}

/** The text a user is sent, in their language (their own, else the tenant's default). */
export const textIn = (language: Language, key: string, variables?: Record<string, string | number>) =>
  translator(language)(key, variables)

/** Confirms a ZarinPal purchase or top-up as the user and returns the StartPay link's authority. */
export const payOnline = async (
  shop: Shop,
  tenant: Tenant,
  user: number,
  what: { planId?: number; topUp?: number }
) => {
  const welcome = await startChat(shop, tenant, user)
  const since = mark(shop, tenant, user)
  press(shop, tenant, user, welcome, what.topUp !== undefined ? `tm:z:${what.topUp}` : `pc:z:${what.planId}`)
  const link = await nextMessage(
    shop,
    tenant,
    user,
    since,
    (m) => m.replyMarkup !== undefined && JSON.stringify(m.replyMarkup).includes("StartPay")
  )
  const url = buttonUrl(link)
  expect(url.startsWith(`${shop.zarinpal.url}/pg/StartPay/`)).toBe(true)
  return url.split("/").at(-1)!
}

/** The browser arriving at our callback (any path the bank redirects to), on the app's HTTP server. */
export const callback = async (shop: Shop, callbackUrl: string) => {
  const url = new URL(callbackUrl)
  const response = await fetch(`${shop.app.httpUrl}${url.pathname}${url.search}`)
  return { status: response.status, body: await response.text() }
}

export interface ZarinpalRow {
  readonly id: number
  readonly status: string
  readonly amount: number
  readonly zarinpalRefId: string | null
  readonly failureReason: string | null
}

export const zarinpalPayment = async (shop: Shop, authority: string) =>
  (await query<ZarinpalRow>(shop, "SELECT * FROM zarinpal_payments WHERE zarinpal_authority = $1", authority))[0]!

export const depositsOf = async (shop: Shop, reference: string) =>
  (
    await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM transactions WHERE reference = $1 AND type = 'deposit'",
      reference
    )
  )[0]!.n

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
