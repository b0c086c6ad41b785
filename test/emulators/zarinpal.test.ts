/**
 * The ZarinPal emulator over real HTTP: the v4 JSON endpoints with ZarinPal's
 * envelopes and codes, the StartPay "bank", the sandbox host, and the control
 * API (outcomes, faults, reset).
 */
import { createServer } from "node:http"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { startZarinpalEmulator } from "../../src/emulators/zarinpal/index.ts"
import type { ZarinpalEmulator } from "../../src/emulators/zarinpal/index.ts"

const MERCHANT = "1344b5d4-0048-11e8-94db-005056a205be"
const OTHER_MERCHANT = "9a8b7c6d-0000-4000-8000-000000000001"

let emu: ZarinpalEmulator
let shop: Server
let shopUrl: string
const callbacks: Array<URL> = []

const post = async (root: string, path: string, body: unknown) => {
  const response = await fetch(`${root}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body)
  })
  return { status: response.status, json: (await response.json()) as any }
}

const requestPayment = (overrides: Record<string, unknown> = {}, root = emu.url) =>
  post(root, "/pg/v4/payment/request.json", {
    merchant_id: MERCHANT,
    amount: 50_000,
    currency: "IRT",
    callback_url: `${shopUrl}/payments/zarinpal/callback/7?lang=fa`,
    description: "30-day plan",
    metadata: { mobile: "09121234567" },
    ...overrides
  })

const verifyPayment = (authority: string, amount = 50_000, merchant = MERCHANT, root = emu.url) =>
  post(root, "/pg/v4/payment/verify.json", { merchant_id: merchant, amount, authority })

beforeAll(async () => {
  emu = await startZarinpalEmulator({ port: 0 })
  shop = createServer((req, res) => {
    callbacks.push(new URL(req.url ?? "/", "http://shop.local"))
    res.writeHead(302, { location: "https://t.me/some_bot" })
    res.end("thanks")
  })
  await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve))
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`
})

afterAll(async () => {
  await emu.close()
  await new Promise<void>((resolve) => shop.close(() => resolve()))
})

beforeEach(() => {
  emu.reset()
  callbacks.length = 0
})

describe("request.json", () => {
  it("opens a payment and answers code 100 with a 36-character authority", async () => {
    const { status, json } = await requestPayment()
    expect(status).toBe(200)
    expect(json.errors).toEqual([])
    expect(json.data).toMatchObject({ code: 100, message: "Success", fee_type: "Merchant", fee: 0 })
    expect(json.data.authority).toMatch(/^A[0-9]{35}$/)
    const payment = emu.payment(json.data.authority)!
    expect(payment).toMatchObject({
      state: "pending",
      amount: 50_000,
      currency: "IRT",
      amountRial: 500_000,
      sandbox: false
    })
  })

  it("refuses malformed input with -9 in ZarinPal's error envelope", async () => {
    const bad = await requestPayment({ merchant_id: "not-a-merchant" })
    expect(bad.status).toBe(422)
    expect(bad.json).toMatchObject({
      data: [],
      errors: { code: -9, message: "The input params invalid, validation error." }
    })
    expect(bad.json.errors.validations).toEqual([{ merchant_id: expect.any(String) }])

    const noCallback = await requestPayment({ callback_url: "not a url" })
    expect(noCallback.json.errors.code).toBe(-9)
    const fractional = await requestPayment({ amount: 1000.5 })
    expect(fractional.json.errors.code).toBe(-9)
    expect(emu.payments()).toHaveLength(0)
  })

  it("enforces the minimum of 1,000 rials, which is 100 tomans in IRT", async () => {
    expect((await requestPayment({ amount: 999, currency: "IRR" })).json.errors.code).toBe(-9)
    expect((await requestPayment({ amount: 1000, currency: undefined })).json.data.code).toBe(100)
    expect((await requestPayment({ amount: 99, currency: "IRT" })).json.errors.code).toBe(-9)
    expect((await requestPayment({ amount: 100, currency: "IRT" })).json.data.code).toBe(100)
    expect((await requestPayment({ currency: "USD" })).json.errors.code).toBe(-9)
    const [rial, toman] = emu.payments()
    expect(rial).toMatchObject({ currency: "IRR", amountRial: 1000 })
    expect(toman).toMatchObject({ currency: "IRT", amountRial: 1000 })
  })

  it("knows registered merchants when given a list: unknown -10, inactive -11", async () => {
    const strict = await startZarinpalEmulator({ merchants: [MERCHANT] })
    try {
      expect((await requestPayment({}, strict.url)).json.data.code).toBe(100)
      expect((await requestPayment({ merchant_id: OTHER_MERCHANT }, strict.url)).json.errors.code).toBe(-10)
      strict.registerMerchant(MERCHANT, { active: false })
      const inactive = await requestPayment({}, strict.url)
      expect(inactive.status).toBe(400)
      expect(inactive.json.errors).toMatchObject({
        code: -11,
        message: "Terminal is not active, please contact our support team."
      })
      // The sandbox takes any 36-character merchant id.
      expect((await requestPayment({ merchant_id: "x".repeat(36) }, strict.sandboxUrl)).json.data.code).toBe(100)
    } finally {
      await strict.close()
    }
  })
})

describe("StartPay and the bank's outcome", () => {
  it("shows a bank page, and redirects to the callback with Status=OK or NOK", async () => {
    const { json } = await requestPayment()
    const authority: string = json.data.authority
    const page = await fetch(`${emu.url}/pg/StartPay/${authority}`)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(await page.text()).toContain(authority)

    const redirect = await fetch(`${emu.url}/pg/StartPay/${authority}?outcome=pay`, { redirect: "manual" })
    expect(redirect.status).toBe(302)
    const location = new URL(redirect.headers.get("location")!)
    expect(location.pathname).toBe("/payments/zarinpal/callback/7")
    expect(Object.fromEntries(location.searchParams)).toEqual({ lang: "fa", Authority: authority, Status: "OK" })
    expect(emu.payment(authority)!.state).toBe("paid")

    // A decided payment keeps its outcome.
    const again = await fetch(`${emu.url}/pg/StartPay/${authority}?outcome=cancel`, { redirect: "manual" })
    expect(new URL(again.headers.get("location")!).searchParams.get("Status")).toBe("OK")

    const missing = await fetch(`${emu.url}/pg/StartPay/A${"0".repeat(35)}`)
    expect(missing.status).toBe(404)
  })

  it("pay/cancel return the callback URL and can follow it like a browser", async () => {
    const first = (await requestPayment()).json.data.authority as string
    const second = (await requestPayment()).json.data.authority as string
    const paid = await emu.pay(first, { follow: true })
    expect(paid.status).toBe("OK")
    expect(paid.callbackUrl).toBe(`${shopUrl}/payments/zarinpal/callback/7?lang=fa&Authority=${first}&Status=OK`)
    expect(paid.followed).toEqual({ status: 302, location: "https://t.me/some_bot", body: "thanks" })
    expect(callbacks.map((u) => u.searchParams.get("Status"))).toEqual(["OK"])

    const cancelled = await emu.cancel(second)
    expect(cancelled.status).toBe("NOK")
    expect(cancelled.followed).toBeUndefined()
    expect(callbacks).toHaveLength(1)
    expect(emu.payment(second)!.state).toBe("cancelled")
    await expect(emu.pay("A-unknown")).rejects.toThrow(/no payment/)
  })
})

describe("verify.json", () => {
  it("answers -51 before payment, 100 on the first verification and 101 afterwards with the same ref_id", async () => {
    const authority = (await requestPayment()).json.data.authority as string
    const early = await verifyPayment(authority)
    expect(early.status).toBe(400)
    expect(early.json).toEqual({
      data: [],
      errors: { code: -51, message: "Session is not valid, session is not active paid try.", validations: [] }
    })

    await emu.pay(authority)
    const first = await verifyPayment(authority)
    expect(first.status).toBe(200)
    expect(first.json.errors).toEqual([])
    expect(first.json.data).toMatchObject({
      code: 100,
      message: "Verified",
      card_pan: "502229******5995",
      fee_type: "Merchant",
      fee: 0
    })
    expect(first.json.data.card_hash).toMatch(/^[0-9A-F]{64}$/)
    expect(Number.isInteger(first.json.data.ref_id)).toBe(true)

    const second = await verifyPayment(authority)
    expect(second.json.data).toMatchObject({ code: 101, ref_id: first.json.data.ref_id })
    expect(emu.payment(authority)).toMatchObject({ state: "verified", verifyCalls: 3 })
  })

  it("answers -50 on an amount mismatch, -54 on an unknown authority, -53 for another merchant, -51 when cancelled", async () => {
    const paid = (await requestPayment()).json.data.authority as string
    const cancelled = (await requestPayment()).json.data.authority as string
    await emu.pay(paid)
    await emu.cancel(cancelled)

    expect((await verifyPayment(paid, 500_000)).json.errors).toMatchObject({ code: -50 })
    expect((await verifyPayment(`A${"9".repeat(35)}`)).json.errors).toMatchObject({
      code: -54,
      message: "Invalid authority."
    })
    expect((await verifyPayment(paid, 50_000, OTHER_MERCHANT)).json.errors).toMatchObject({ code: -53 })
    expect((await verifyPayment(cancelled)).json.errors).toMatchObject({ code: -51 })
    expect((await verifyPayment("short")).json.errors).toMatchObject({ code: -9 })
    expect(emu.payment(paid)!.state).toBe("paid")
  })
})

describe("unVerified.json", () => {
  it("lists the merchant's paid but unverified payments", async () => {
    const a = (await requestPayment()).json.data.authority as string
    const b = (await requestPayment({ amount: 70_000 })).json.data.authority as string
    await requestPayment() // never paid
    const other = (await requestPayment({ merchant_id: OTHER_MERCHANT })).json.data.authority as string
    await Promise.all([emu.pay(a), emu.pay(b), emu.pay(other)])
    await verifyPayment(a)

    const { status, json } = await post(emu.url, "/pg/v4/payment/unVerified.json", { merchant_id: MERCHANT })
    expect(status).toBe(200)
    expect(json.data).toMatchObject({ code: 100, message: "Success" })
    expect(json.data.authorities).toEqual([
      {
        authority: b,
        amount: 70_000,
        callback_url: `${shopUrl}/payments/zarinpal/callback/7?lang=fa`,
        referer: shopUrl,
        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
      }
    ])
  })
})

describe("sandbox", () => {
  it("serves the same API under the sandbox root, separate from production", async () => {
    const { json } = await requestPayment({ merchant_id: "sandbox-merchant-id-of-36-characters" }, emu.sandboxUrl)
    const authority: string = json.data.authority
    expect(authority).toMatch(/^S[0-9]{35}$/)
    expect(emu.payment(authority)!.sandbox).toBe(true)

    const page = await fetch(`${emu.sandboxUrl}/pg/StartPay/${authority}?outcome=pay`, { redirect: "manual" })
    expect(page.status).toBe(302)
    expect((await fetch(`${emu.url}/pg/StartPay/${authority}`)).status).toBe(404)

    const onProduction = await verifyPayment(authority, 50_000, "sandbox-merchant-id-of-36-characters")
    expect(onProduction.json.errors.code).toBe(-9) // not a UUID: production validates the format
    expect((await verifyPayment(authority, 50_000, MERCHANT)).json.errors.code).toBe(-54)
    const onSandbox = await verifyPayment(authority, 50_000, "sandbox-merchant-id-of-36-characters", emu.sandboxUrl)
    expect(onSandbox.json.data.code).toBe(100)
  })
})

describe("control API and faults", () => {
  it("fails the next calls with 5xx or a dropped connection, then recovers", async () => {
    emu.failNext(1, { status: 503 })
    emu.failNext(1, { disconnect: true })
    const failed = await fetch(`${emu.url}/pg/v4/payment/request.json`, { method: "POST", body: "{}" })
    expect(failed.status).toBe(503)
    await expect(requestPayment()).rejects.toThrow(/^fetch failed$/) // a network error, not an answer
    expect((await requestPayment()).json.data.code).toBe(100)
    expect(emu.requests().map((r) => [r.endpoint, r.status])).toEqual([
      ["request", 503],
      ["request", 0],
      ["request", 200]
    ])

    // A fault aimed at one endpoint waits for a call to it.
    emu.failNext(1, { endpoint: "verify", status: 504 })
    const authority = (await requestPayment()).json.data.authority as string
    expect((await fetch(`${emu.url}/pg/v4/payment/verify.json`, { method: "POST", body: "{}" })).status).toBe(504)
    expect((await verifyPayment(authority)).json.errors.code).toBe(-51)
  })

  it("delays answers when latency is set", async () => {
    emu.setLatency(150)
    const started = Date.now()
    await requestPayment()
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it("exposes payments, outcomes, faults and reset over HTTP", async () => {
    const authority = (await requestPayment()).json.data.authority as string
    const list = (await (await fetch(`${emu.url}/control/payments`)).json()) as any
    expect(list.payments.map((p: any) => [p.authority, p.state])).toEqual([[authority, "pending"]])

    const pay = await post(emu.url, `/control/payments/${authority}/pay`, { follow: true })
    expect(pay.json).toMatchObject({ authority, status: "OK", followed: { status: 302 } })
    expect(callbacks).toHaveLength(1)
    const one = (await (await fetch(`${emu.url}/control/payments/${authority}`)).json()) as any
    expect(one.state).toBe("paid")

    const faults = await post(emu.url, "/control/faults", { failNext: 2, status: 502, latencyMs: 0 })
    expect(faults.json).toEqual({ pendingFaults: 2, latencyMs: 0 })
    expect((await fetch(`${emu.url}/pg/v4/payment/verify.json`, { method: "POST", body: "{}" })).status).toBe(502)

    expect((await post(emu.url, "/control/reset", {})).status).toBe(200)
    expect(emu.payments()).toHaveLength(0)
    expect((await requestPayment()).status).toBe(200)
    expect((await fetch(`${emu.url}/control/payments/nope`)).status).toBe(404)
  })
})
