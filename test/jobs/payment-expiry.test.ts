/**
 * payment_expiry in one process (the whole service, emulators, a real
 * database): card payments without a receipt expire once, within 5 s of their
 * deadline, and each user is told once in their language; a payment with a
 * receipt is never expired, its admins are reminded once per interval; a
 * ZarinPal payment past its TTL is verified once more and then credited or
 * expired. The multi-process version with a runner killed in the middle is
 * test/faults/job-expiry-kill.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Language } from "../../src/tenants/tenant-cache.ts"
import { eventually } from "../support/app.ts"
import { ADMIN_CHAT, createTenant, mark, nextMessage, query, startShop } from "../shop/harness.ts"
import type { Shop, Tenant } from "../shop/harness.ts"
import {
  callback,
  depositsOf,
  payOnline,
  seedCardPayments,
  shopQuery,
  sleep,
  textIn,
  zarinpalPayment
} from "./support.ts"

let shop: Shop
let english: Tenant
let persian: Tenant

beforeAll(async () => {
  shop = await startShop()
  english = await createTenant(shop, { name: "English shop", config: { DEFAULT_LANGUAGE: "en" } })
  persian = await createTenant(shop, { name: "Persian shop" })
})
afterAll(() => shop?.close())

interface ExpiredRow {
  id: number
  status: string
  lateMs: number
}

describe("payment_expiry", () => {
  it("200 card payments with deadlines over 5 s: each expires once, ≤ 5 s late, each user told once in their language", async () => {
    const languages: ReadonlyArray<Language | null> = [null, "en", "fa", "ru"]
    const start = Date.now() + 1_500
    const seed = (tenant: Tenant, first: number) =>
      seedCardPayments(
        shopQuery(shop),
        tenant.botId,
        Array.from({ length: 100 }, (_, i) => ({ language: languages[i % 4]!, expiresAt: new Date(start + i * 50) })),
        first
      )
    const seeded = [...(await seed(english, 500_000)), ...(await seed(persian, 600_000))]
    const ids = seeded.map((p) => p.paymentId)

    const rows = await eventually(
      async () => {
        const rows = await query<ExpiredRow>(
          shop,
          `SELECT id, status, (extract(epoch FROM updated_at - expires_at) * 1000)::int AS late_ms
         FROM card_to_card_payments WHERE id = ANY($1::bigint[])`,
          ids
        )
        return rows.every((r) => r.status === "expired") ? rows : undefined
      },
      20_000,
      200
    )
    const late = rows.map((r) => r.lateMs).sort((a, b) => a - b)
    console.log("expiry lateness ms", JSON.stringify({ p50: late[late.length >> 1], max: late.at(-1) }))
    expect(late.at(-1)!).toBeLessThanOrEqual(5_000)
    expect(late[0]!).toBeGreaterThanOrEqual(0)

    // One notice per payment (the database refuses a second), each sent.
    const notices = await eventually(
      async () => {
        const n = await query<{ subjectId: number; state: string }>(
          shop,
          "SELECT subject_id, state FROM job_notices WHERE kind = 'card_payment_expired' AND subject_id = ANY($1::bigint[])",
          ids
        )
        return n.length === ids.length && n.every((x) => x.state === "done") ? n : undefined
      },
      20_000,
      200
    )
    expect(new Set(notices.map((n) => Number(n.subjectId))).size).toBe(ids.length)

    // Exactly one message per user, in their language (theirs, else the shop's default).
    await sleep(1_500)
    for (const p of seeded) {
      const tenant = p.telegramId < 600_000 ? english : persian
      const sent = shop.telegram.sentMessages(tenant.token, p.telegramId)
      expect(sent.map((m) => m.text)).toEqual([
        textIn(p.language ?? (tenant === english ? "en" : "fa"), "payment-expired")
      ])
    }
  }, 60_000)

  it("a payment with a receipt is never expired: the admins are reminded once per interval", async () => {
    const adminSince = mark(shop, english, ADMIN_CHAT)
    const [withReceipt, other] = await seedCardPayments(
      shopQuery(shop),
      english.botId,
      [
        { language: "en", expiresAt: new Date(Date.now() + 500), receipt: true },
        { language: "en", expiresAt: new Date(Date.now() + 500), receipt: true }
      ],
      700_000
    )
    const reminder = await nextMessage(shop, english, ADMIN_CHAT, adminSince, /Receipts waiting for review/, 10_000)
    const tracking = (id: number) => `C2C${id.toString(16).toUpperCase().padStart(16, "0")}`
    const [u1, u2] = await query<{ id: number }>(
      shop,
      "SELECT user_id AS id FROM card_to_card_payments WHERE id IN ($1, $2) ORDER BY id",
      withReceipt!.paymentId,
      other!.paymentId
    )
    expect(reminder.text).toContain(tracking(u1!.id))
    expect(reminder.text).toContain(tracking(u2!.id))
    // Both receipts in one reminder, with the review buttons.
    expect(JSON.stringify(reminder.replyMarkup)).toContain(`rv:a:${withReceipt!.paymentId}`)

    await sleep(3_000)
    const statuses = await query<{ status: string }>(
      shop,
      "SELECT status FROM card_to_card_payments WHERE id IN ($1, $2)",
      withReceipt!.paymentId,
      other!.paymentId
    )
    expect(statuses.map((s) => s.status)).toEqual(["pending", "pending"])
    const reminders = () =>
      shop.telegram
        .sentMessages(english.token, ADMIN_CHAT)
        .slice(adminSince)
        .filter((m) => m.text?.includes("Receipts waiting"))
    expect(reminders().length).toBe(1)
    expect(shop.telegram.sentMessages(english.token, withReceipt!.telegramId)).toEqual([])

    // The interval (ADMIN_REMINDER_INTERVAL_MINUTES, 60) has passed for one of them: reminded again, alone.
    await query(
      shop,
      "UPDATE card_to_card_payments SET reminded_at = now() - interval '61 minutes' WHERE id = $1",
      other!.paymentId
    )
    await eventually(() => reminders().length === 2, 10_000)
    expect(reminders()[1]!.text).toContain(tracking(u2!.id))
    expect(reminders()[1]!.text).not.toContain(tracking(u1!.id))
  }, 30_000)

  it("ZarinPal past its TTL: a paid one (callback dropped) is credited once, an unpaid one expires, the user told once", async () => {
    const payer = 800_001
    const paidAuthority = await payOnline(shop, english, payer, { topUp: 50_000 })
    await shop.zarinpal.pay(paidAuthority) // the bank took the money; the browser never came back
    const quitter = 800_002
    const unpaidAuthority = await payOnline(shop, english, quitter, { topUp: 60_000 })
    const since = [mark(shop, english, payer), mark(shop, english, quitter)]

    await query(
      shop,
      "UPDATE zarinpal_payments SET expires_at = now() WHERE zarinpal_authority IN ($1, $2)",
      paidAuthority,
      unpaidAuthority
    )
    await eventually(async () => (await zarinpalPayment(shop, paidAuthority)).status === "paid", 10_000)
    await eventually(async () => (await zarinpalPayment(shop, unpaidAuthority)).status === "expired", 10_000)
    expect(await depositsOf(shop, paidAuthority)).toBe(1)
    expect(await depositsOf(shop, unpaidAuthority)).toBe(0)
    await nextMessage(shop, english, payer, since[0]!, "added to your wallet")
    await nextMessage(shop, english, quitter, since[1]!, textIn("en", "payment-expired"))

    // The callback arrives late after all: nothing changes, nobody is told again.
    const replay = await callback(
      shop,
      `http://shop.example/payments/zarinpal/callback/${english.botId}?Authority=${paidAuthority}&Status=OK`
    )
    expect(replay.body).toContain("Payment successful")
    const late = await callback(
      shop,
      `http://shop.example/payments/zarinpal/callback/${english.botId}?Authority=${unpaidAuthority}&Status=OK`
    )
    expect(late.body).toContain("expired")
    await sleep(1_500)
    expect(await depositsOf(shop, paidAuthority)).toBe(1)
    expect(shop.telegram.sentMessages(english.token, payer).slice(since[0]!).length).toBe(1)
    expect(shop.telegram.sentMessages(english.token, quitter).slice(since[1]!).length).toBe(1)
    const [balance] = await query<{ balance: number }>(
      shop,
      "SELECT balance FROM users WHERE bot_id = $1 AND telegram_id = $2",
      english.botId,
      payer
    )
    expect(balance!.balance).toBe(50_000)
  }, 30_000)

  it("ZarinPal unreachable at the deadline: the payment stays pending and is settled once ZarinPal answers again", async () => {
    const user = 800_003
    const authority = await payOnline(shop, english, user, { topUp: 70_000 })
    await shop.zarinpal.pay(authority)
    const since = mark(shop, english, user)
    // Every attempt of one verification (the client tries 4 times) fails.
    shop.zarinpal.failNext(4, { endpoint: "verify" })
    const verifies = () => shop.zarinpal.requests().filter((r) => r.endpoint === "verify").length
    const before = verifies()
    await query(shop, "UPDATE zarinpal_payments SET expires_at = now() WHERE zarinpal_authority = $1", authority)
    await eventually(() => verifies() >= before + 4, 10_000)
    expect((await zarinpalPayment(shop, authority)).status).toBe("pending")
    // ZarinPal is not asked again at every tick, but after its wait (5 s), and then the payment is credited.
    await eventually(async () => (await zarinpalPayment(shop, authority)).status === "paid", 15_000, 200)
    expect(verifies()).toBe(before + 5)
    expect(await depositsOf(shop, authority)).toBe(1)
    await nextMessage(shop, english, user, since, "added to your wallet")
  }, 30_000)

  it("a user who blocked the bot: the notice is recorded as failed, not retried for ever", async () => {
    const [p] = await seedCardPayments(
      shopQuery(shop),
      english.botId,
      [{ language: "en", expiresAt: new Date(Date.now() + 300) }],
      810_000
    )
    shop.telegram.setUserBlocked(english.token, { userId: p!.telegramId })
    const notice = await eventually(async () => {
      const [row] = await query<{ state: string; attempts: number; lastError: string }>(
        shop,
        "SELECT state, attempts, last_error FROM job_notices WHERE kind = 'card_payment_expired' AND subject_id = $1",
        p!.paymentId
      )
      return row?.state === "failed" ? row : undefined
    }, 10_000)
    expect(notice.attempts).toBe(1)
    expect(notice.lastError).toContain("blocked")
  })
})
