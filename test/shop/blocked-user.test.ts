/**
 * A customer who blocked the bot (DESIGN.md §1): Telegram answers every send to
 * them with 403. That refusal is no failure of the update — its database effects
 * commit, nothing is retried or dead-lettered — and they are marked unreachable:
 * notices outside an update are not even attempted, until they write again.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TelegramNotifier } from "../../src/telegram/notifier.ts"
import { sendsRefused } from "../../src/metrics/registry.ts"
import {
  ADMIN_CHAT,
  createTenant,
  mark,
  nextMessage,
  query,
  say,
  startCardPurchase,
  startShop,
  until
} from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"

let shop: Shop
let tenant: Tenant

beforeAll(async () => {
  shop = await startShop()
  tenant = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
})
afterAll(() => shop?.close())

const userRow = async (telegramId: number) =>
  (
    await query<{ isBlocked: boolean; blockedAt: Date | null }>(
      shop,
      "SELECT is_blocked, blocked_at FROM users WHERE bot_id = $1 AND telegram_id = $2",
      tenant.botId,
      telegramId
    )
  )[0]

const deadLetters = async () =>
  (
    await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM dead_letter_updates WHERE bot_id = $1",
      tenant.botId
    )
  )[0]!.n

/** This process's count of sends Telegram refused for good (the service runs in-process). */
const refusedSends = async (reason: string) =>
  (await sendsRefused.get()).values.find((v) => v.labels.bot_id === String(tenant.botId) && v.labels.reason === reason)
    ?.value ?? 0

describe("a customer who blocked the bot", () => {
  it("a 403 on the reply commits the update's effects, marks the user, dead-letters nothing; writing again unblocks", async () => {
    const user = 7101
    const refusedBefore = await refusedSends("blocked")
    // /start arrives, and the customer blocks the bot before the reply goes out.
    say(shop, tenant, user, "/start")
    shop.telegram.setUserBlocked(tenant.token, { userId: user })
    const row = await until(
      () => userRow(user),
      (r) => r?.isBlocked === true
    )
    expect(row!.blockedAt).toBeInstanceOf(Date)
    await until(
      () => refusedSends("blocked"),
      (n) => n === refusedBefore + 1
    )
    expect(await deadLetters()).toBe(0)
    expect(shop.telegram.sentMessages(tenant.token, user)).toHaveLength(0)

    // A notice outside any update is not even attempted.
    const sendsBefore = shop.telegram.stats(tenant.token).callsByMethod.sendMessage ?? 0
    const notified = await shop.app.runtime.runPromise(
      Effect.flip(
        Effect.gen(function* () {
          yield* (yield* TelegramNotifier).send(tenant.botId, user, "your subscription is ready")
        })
      )
    )
    expect(notified).toMatchObject({ _tag: "NotifyFailed", permanent: true })
    expect(shop.telegram.stats(tenant.token).callsByMethod.sendMessage ?? 0).toBe(sendsBefore)

    // They unblock and write: they are reachable again and get their answer.
    shop.telegram.setUserBlocked(tenant.token, { userId: user, blocked: false })
    const since = mark(shop, tenant, user)
    say(shop, tenant, user, "/start")
    await nextMessage(shop, tenant, user, since)
    expect((await userRow(user))!.isBlocked).toBe(false)
    expect(await deadLetters()).toBe(0)
  })

  it("a receipt whose acknowledgement gets 403 still reaches the admins", async () => {
    const user = 7102
    const card = await startCardPurchase(shop, tenant, user, tenant.planIds[0]!)
    expect(card.text).toMatch(/C2C/)
    const adminSince = mark(shop, tenant, ADMIN_CHAT)
    say(shop, tenant, user, "paid, ref 123456")
    shop.telegram.setUserBlocked(tenant.token, { userId: user })
    await nextMessage(shop, tenant, ADMIN_CHAT, adminSince, /C2C/)
    const payment = await until(
      () =>
        query<{ receiptText: string | null }>(
          shop,
          "SELECT receipt_text FROM card_to_card_payments WHERE bot_id = $1 ORDER BY id DESC LIMIT 1",
          tenant.botId
        ),
      (rows) => rows[0]?.receiptText === "paid, ref 123456"
    )
    expect(payment).toHaveLength(1)
    await until(
      () => userRow(user),
      (r) => r?.isBlocked === true
    )
    expect(await deadLetters()).toBe(0)
  })
})
