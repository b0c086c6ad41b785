/**
 * ZarinPal end to end: the request made by the outbox worker (after commit),
 * the StartPay link in Telegram, the bank (emulator) sending the browser to our
 * callback, verification with OUR amount, and every callback that must not
 * credit: NOK, a replay, a forged authority, another tenant's bot, an unpaid
 * payment, an amount mismatch. Code 101 (verified before) still credits once.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ZarinpalClient } from "../../src/payments/zarinpal-client.ts"
import { eventually } from "../support/app.ts"
import {
  buttonUrl,
  createTenant,
  MERCHANT,
  mark,
  nextMessage,
  press,
  query,
  startChat,
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

interface ZarinpalRow {
  id: number
  status: string
  amount: number
  zarinpalAuthority: string | null
  zarinpalRefId: string | null
  failureReason: string | null
}

const paymentOf = async (authority: string) =>
  (await query<ZarinpalRow>(shop, "SELECT * FROM zarinpal_payments WHERE zarinpal_authority = $1", authority))[0]!

const depositsOf = async (reference: string) =>
  (
    await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM transactions WHERE reference = $1 AND type = 'deposit'",
      reference
    )
  )[0]!.n

/** Confirms a ZarinPal purchase (or a top-up with `topUp`) and returns the StartPay link's authority. */
const payOnline = async (user: number, what: { planId?: number; topUp?: number }) => {
  const welcome = await startChat(shop, tenant, user)
  const since = mark(shop, tenant, user)
  press(shop, tenant, user, welcome, what.topUp !== undefined ? `tm:z:${what.topUp}` : `pc:z:${what.planId}`)
  await nextMessage(shop, tenant, user, since, "Preparing your payment link")
  const link = await nextMessage(shop, tenant, user, since, "Pay ")
  const url = buttonUrl(link)
  expect(url.startsWith(`${shop.zarinpal.url}/pg/StartPay/`)).toBe(true)
  return url.split("/").at(-1)!
}

/** The browser arriving at our callback from the bank, on the app's HTTP server. */
const callback = async (callbackUrl: string) => {
  const url = new URL(callbackUrl)
  const response = await fetch(`${shop.app.httpUrl}${url.pathname}${url.search}`)
  return { status: response.status, body: await response.text() }
}

const callbackFor = (authority: string, status: "OK" | "NOK", botId = tenant.botId) =>
  callback(`http://shop.example/payments/zarinpal/callback/${botId}?Authority=${authority}&Status=${status}`)

describe("ZarinPal", () => {
  it("paid: verified with our amount, credited once, plan completed, subscription and link delivered", async () => {
    const user = 2001
    const authority = await payOnline(user, { planId: tenant.planIds[0]! })
    const atGateway = shop.zarinpal.payment(authority)!
    // Tomans go out with currency IRT (the one conversion point), to our callback.
    expect(atGateway).toMatchObject({ amount: 150_000, currency: "IRT", amountRial: 1_500_000, merchantId: MERCHANT })
    expect(atGateway.callbackUrl).toBe(`http://shop.example/payments/zarinpal/callback/${tenant.botId}`)

    const since = mark(shop, tenant, user)
    const bank = await shop.zarinpal.pay(authority)
    const page = await callback(bank.callbackUrl)
    expect(page.status).toBe(200)
    expect(page.body).toContain("Payment successful")
    expect(page.body).toContain(`https://t.me/${tenant.username}`)

    const row = await paymentOf(authority)
    expect(row.status).toBe("paid")
    expect(row.zarinpalRefId).toBe(String(shop.zarinpal.payment(authority)!.refId))
    expect(await depositsOf(authority)).toBe(1)
    await nextMessage(shop, tenant, user, since, "was received and your Monthly 50GB plan is active")
    const link = await nextMessage(shop, tenant, user, since, "subscription is ready")
    expect(link.text).toContain(shop.panel.user(`b${tenant.botId}_u${user}`)!.subscriptionUrl)
    const [user_] = await query<{ balance: number }>(
      shop,
      "SELECT balance FROM users WHERE bot_id = $1 AND telegram_id = $2",
      tenant.botId,
      user
    )
    expect(user_!.balance).toBe(0)

    // A replay (the user reloads the page), also two at once: nothing more happens.
    const replays = await Promise.all([
      callback(bank.callbackUrl),
      callback(bank.callbackUrl),
      callback(bank.callbackUrl)
    ])
    expect(replays.map((r) => r.status)).toEqual([200, 200, 200])
    expect(replays.every((r) => r.body.includes("Payment successful"))).toBe(true)
    expect(await depositsOf(authority)).toBe(1)
    const purchases = await query<{ n: number }>(
      shop,
      "SELECT count(*)::int AS n FROM transactions WHERE reference = $1 AND type = 'purchase'",
      authority
    )
    expect(purchases[0]!.n).toBe(1)

    // Each status change counted once: pending when started, paid when verified.
    const metrics = await (await fetch(`${shop.app.metricsUrl}/metrics`)).text()
    expect(metrics).toContain(`botfleet_payments_total{bot_id="${tenant.botId}",method="zarinpal",status="pending"} 1`)
    expect(metrics).toContain(`botfleet_payments_total{bot_id="${tenant.botId}",method="zarinpal",status="paid"} 1`)
  })

  it("NOK cancels; a later OK for it changes nothing", async () => {
    const user = 2002
    const authority = await payOnline(user, { planId: tenant.planIds[0]! })
    const since = mark(shop, tenant, user)
    const bank = await shop.zarinpal.cancel(authority)
    expect(bank.status).toBe("NOK")
    const page = await callback(bank.callbackUrl)
    expect(page.status).toBe(200)
    expect(page.body).toContain("Payment cancelled")
    expect((await paymentOf(authority)).status).toBe("cancelled")
    await nextMessage(shop, tenant, user, since, "online payment was cancelled")
    const forgedOk = await callbackFor(authority, "OK")
    expect(forgedOk.body).toContain("Payment cancelled")
    expect(await depositsOf(authority)).toBe(0)
  })

  it("a forged authority is 404, another tenant's bot id is 404, malformed input is 400", async () => {
    const user = 2003
    const authority = await payOnline(user, { planId: tenant.planIds[0]! })
    await shop.zarinpal.pay(authority)
    expect((await callbackFor("A0000000000000000000000000000000000099", "OK")).status).toBe(404)
    const other = await createTenant(shop, { name: "Other" })
    expect((await callbackFor(authority, "OK", other.botId)).status).toBe(404)
    expect((await callbackFor(authority, "OK", 987654)).status).toBe(404)
    expect(
      (await callback(`http://x/payments/zarinpal/callback/${tenant.botId}?Authority=${authority}&Status=MAYBE`)).status
    ).toBe(400)
    expect((await callback(`http://x/payments/zarinpal/callback/abc?Authority=${authority}&Status=OK`)).status).toBe(
      400
    )
    expect(
      (await callback(`http://x/payments/zarinpal/callback/${tenant.botId}?Authority=';--&Status=OK`)).status
    ).toBe(400)
    expect((await paymentOf(authority)).status).toBe("pending")
    expect(await depositsOf(authority)).toBe(0)
  })

  it("a forged OK for a payment that was never paid leaves it pending", async () => {
    const authority = await payOnline(2004, { planId: tenant.planIds[0]! })
    const page = await callbackFor(authority, "OK")
    expect(page.status).toBe(200)
    expect(page.body).toContain("has not been completed")
    expect((await paymentOf(authority)).status).toBe("pending")
    expect(await depositsOf(authority)).toBe(0)
  })

  it("verify code 101 (already verified elsewhere) counts as paid, once", async () => {
    const user = 2005
    const authority = await payOnline(user, { topUp: 50_000 })
    const bank = await shop.zarinpal.pay(authority)
    // Another replica (or the reconciliation job) verified it first: our callback then gets 101.
    await Effect.runPromise(
      Effect.gen(function* () {
        const zarinpal = yield* ZarinpalClient
        const first = yield* zarinpal.verify({
          merchantId: MERCHANT,
          sandbox: false,
          amount: 50_000,
          currency: "IRT",
          authority
        })
        expect(first.alreadyVerified).toBe(false)
      }).pipe(
        Effect.provide(
          ZarinpalClient.layerWith({ apiRoot: shop.zarinpal.url, sandboxApiRoot: shop.zarinpal.sandboxUrl })
        )
      )
    )
    const since = mark(shop, tenant, user)
    const page = await callback(bank.callbackUrl)
    expect(page.body).toContain("Payment successful")
    expect((await paymentOf(authority)).status).toBe("paid")
    expect(shop.zarinpal.payment(authority)!.verifyCalls).toBe(2)
    expect(await depositsOf(authority)).toBe(1)
    const told = await nextMessage(shop, tenant, user, since, "added to your wallet")
    expect(told.text).toContain("50,000 toman")
    const [row] = await query<{ balance: number }>(
      shop,
      "SELECT balance FROM users WHERE bot_id = $1 AND telegram_id = $2",
      tenant.botId,
      user
    )
    expect(row!.balance).toBe(50_000)
  })

  it("an amount mismatch fails the payment and credits nothing", async () => {
    const user = 2006
    const authority = await payOnline(user, { topUp: 60_000 })
    const bank = await shop.zarinpal.pay(authority)
    // Our record says something else than the gateway's (tampering, a bug): verification must not pass.
    await query(shop, "UPDATE zarinpal_payments SET amount = 6000000 WHERE zarinpal_authority = $1", authority)
    const since = mark(shop, tenant, user)
    const page = await callback(bank.callbackUrl)
    expect(page.body).toContain("could not be verified")
    const row = await paymentOf(authority)
    expect(row.status).toBe("failed")
    expect(row.failureReason).toContain("-50")
    expect(await depositsOf(authority)).toBe(0)
    await nextMessage(shop, tenant, user, since, "could not be verified")
    // The verify call carried our (tampered) amount, not the request's.
    const verify = shop.zarinpal
      .requests()
      .filter((r) => r.endpoint === "verify")
      .at(-1)!
    expect((verify.body as { amount: number }).amount).toBe(6_000_000)
  })

  it("ZarinPal down at request time: the task retries and the link still arrives", async () => {
    const user = 2007
    shop.zarinpal.failNext(1, { endpoint: "request" })
    const authority = await payOnline(user, { topUp: 70_000 })
    expect(shop.zarinpal.requests().filter((r) => r.endpoint === "request" && r.status === 500).length).toBe(1)
    const [task] = await until(
      () =>
        query<{ attempts: number; state: string }>(
          shop,
          "SELECT attempts, state FROM outbox_tasks WHERE kind = 'zarinpal_request' AND subject_id = (SELECT id FROM zarinpal_payments WHERE zarinpal_authority = $1)",
          authority
        ),
      (rows) => rows[0]?.state === "done"
    )
    expect(task).toEqual({ attempts: 2, state: "done" })
    await eventually(async () => (await paymentOf(authority)).status === "pending")
  })
})
