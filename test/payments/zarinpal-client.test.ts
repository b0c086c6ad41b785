/**
 * ZarinpalClient against the ZarinPal emulator over real HTTP: request,
 * StartPay link, verify outcomes as typed errors, unVerified, sandbox routing,
 * the toman boundary, timeouts and the retry policy (verify/unVerified only).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { startZarinpalEmulator } from "../../src/emulators/zarinpal/index.ts"
import type { ZarinpalEmulator } from "../../src/emulators/zarinpal/index.ts"
import { ZarinpalClient } from "../../src/payments/zarinpal-client.ts"
import type { ZarinpalClientOptions } from "../../src/payments/zarinpal-client.ts"

const MERCHANT = "1344b5d4-0048-11e8-94db-005056a205be"
const OTHER_MERCHANT = "9a8b7c6d-0000-4000-8000-000000000001"
const CALLBACK = "http://127.0.0.1:9/payments/zarinpal/callback/7"

let emu: ZarinpalEmulator

beforeAll(async () => {
  emu = await startZarinpalEmulator({ port: 0 })
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const withClient = <A, E>(effect: Effect.Effect<A, E, ZarinpalClient>, options: Partial<ZarinpalClientOptions> = {}) =>
  effect.pipe(
    Effect.provide(
      ZarinpalClient.layerWith({
        apiRoot: emu.url,
        sandboxApiRoot: emu.sandboxUrl,
        retryBaseDelay: "10 millis",
        ...options
      })
    )
  )

const requestPayment = (overrides: { amount?: number; sandbox?: boolean; merchantId?: string } = {}) =>
  Effect.gen(function* () {
    const zarinpal = yield* ZarinpalClient
    return yield* zarinpal.request({
      merchantId: overrides.merchantId ?? MERCHANT,
      sandbox: overrides.sandbox ?? false,
      amount: overrides.amount ?? 50_000,
      currency: "IRT",
      callbackUrl: CALLBACK,
      description: "30-day plan",
      mobile: "09121234567"
    })
  })

const verify = (authority: string, overrides: { amount?: number; sandbox?: boolean; merchantId?: string } = {}) =>
  Effect.gen(function* () {
    const zarinpal = yield* ZarinpalClient
    return yield* zarinpal.verify({
      merchantId: overrides.merchantId ?? MERCHANT,
      sandbox: overrides.sandbox ?? false,
      amount: overrides.amount ?? 50_000,
      currency: "IRT",
      authority
    })
  })

const pay = (authority: string) => Effect.promise(() => emu.pay(authority))

describe("ZarinpalClient", () => {
  it.live("requests a payment in tomans (currency IRT) and builds the StartPay URL", () =>
    withClient(
      Effect.gen(function* () {
        const requested = yield* requestPayment()
        assert.match(requested.authority, /^A\d{35}$/)
        assert.strictEqual(requested.startPayUrl, `${emu.url}/pg/StartPay/${requested.authority}`)
        assert.strictEqual(requested.fee, 0)
        const payment = emu.payment(requested.authority)!
        assert.strictEqual(payment.amount, 50_000)
        assert.strictEqual(payment.currency, "IRT")
        assert.strictEqual(payment.amountRial, 500_000)
        assert.deepStrictEqual(payment.metadata, { mobile: "09121234567" })
        const zarinpal = yield* ZarinpalClient
        assert.strictEqual(zarinpal.startPayUrl("S123", true), `${emu.sandboxUrl}/pg/StartPay/S123`)
      })
    )
  )

  it.live("verifies: not paid, paid, then already verified with the same ref id", () =>
    withClient(
      Effect.gen(function* () {
        const { authority } = yield* requestPayment()
        const early = yield* Effect.flip(verify(authority))
        assert.strictEqual(early._tag, "ZarinpalNotPaid")

        yield* pay(authority)
        const first = yield* verify(authority)
        assert.deepInclude(first, { status: "paid", alreadyVerified: false, cardPan: "502229******5995", fee: 0 })
        const second = yield* verify(authority)
        assert.strictEqual(second.alreadyVerified, true)
        assert.strictEqual(second.refId, first.refId)
      })
    )
  )

  it.live("types the verify failures: amount mismatch, unknown authority, other codes", () =>
    withClient(
      Effect.gen(function* () {
        const { authority } = yield* requestPayment()
        yield* pay(authority)
        const mismatch = yield* Effect.flip(verify(authority, { amount: 500_000 }))
        assert.strictEqual(mismatch._tag, "ZarinpalAmountMismatch")
        const unknown = yield* Effect.flip(verify(`A${"9".repeat(35)}`))
        assert.strictEqual(unknown._tag, "ZarinpalUnknownAuthority")
        const foreign = yield* Effect.flip(verify(authority, { merchantId: OTHER_MERCHANT }))
        assert.strictEqual(foreign._tag, "ZarinpalRejected")
        if (foreign._tag === "ZarinpalRejected") assert.strictEqual(foreign.code, -53)
        const cancelledAuthority = (yield* requestPayment()).authority
        yield* Effect.promise(() => emu.cancel(cancelledAuthority))
        assert.strictEqual((yield* Effect.flip(verify(cancelledAuthority)))._tag, "ZarinpalNotPaid")
      })
    )
  )

  it.live("reports ZarinPal's validation error on request (below 100 tomans)", () =>
    withClient(
      Effect.gen(function* () {
        const error = yield* Effect.flip(requestPayment({ amount: 99 }))
        assert.strictEqual(error._tag, "ZarinpalRejected")
        if (error._tag === "ZarinpalRejected") {
          assert.strictEqual(error.code, -9)
          assert.include(error.detail, "amount")
        }
        assert.strictEqual(emu.payments().length, 0)
      })
    )
  )

  it.live("routes sandbox tenants to the sandbox root", () =>
    withClient(
      Effect.gen(function* () {
        const requested = yield* requestPayment({ sandbox: true })
        assert.match(requested.authority, /^S/)
        assert.strictEqual(requested.startPayUrl, `${emu.sandboxUrl}/pg/StartPay/${requested.authority}`)
        yield* pay(requested.authority)
        assert.strictEqual((yield* Effect.flip(verify(requested.authority)))._tag, "ZarinpalUnknownAuthority")
        const verified = yield* verify(requested.authority, { sandbox: true })
        assert.strictEqual(verified.alreadyVerified, false)
      })
    )
  )

  it.live("lists paid but unverified payments", () =>
    withClient(
      Effect.gen(function* () {
        const zarinpal = yield* ZarinpalClient
        const a = yield* requestPayment()
        const b = yield* requestPayment({ amount: 70_000 })
        yield* requestPayment()
        yield* pay(a.authority)
        yield* pay(b.authority)
        yield* verify(a.authority)
        const list = yield* zarinpal.unVerified({ merchantId: MERCHANT, sandbox: false })
        assert.deepStrictEqual(
          list.map((p) => [p.authority, p.amount, p.callbackUrl]),
          [[b.authority, 70_000, CALLBACK]]
        )
        assert.match(list[0]!.date, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
      })
    )
  )

  it.live("retries verify and unVerified on 5xx and dropped connections", () =>
    withClient(
      Effect.gen(function* () {
        const zarinpal = yield* ZarinpalClient
        const { authority } = yield* requestPayment()
        yield* pay(authority)
        emu.failNext(1, { status: 502 })
        emu.failNext(1, { disconnect: true })
        const verified = yield* verify(authority)
        assert.strictEqual(verified.alreadyVerified, false)
        emu.failNext(2, { status: 503 })
        yield* zarinpal.unVerified({ merchantId: MERCHANT, sandbox: false })
        const calls = emu
          .requests()
          .filter((r) => r.endpoint !== "request")
          .map((r) => [r.endpoint, r.status])
        assert.deepStrictEqual(calls, [
          ["verify", 502],
          ["verify", 0],
          ["verify", 200],
          ["unVerified", 503],
          ["unVerified", 503],
          ["unVerified", 200]
        ])
      })
    )
  )

  it.live("gives up after the configured retries with ZarinpalUnavailable", () =>
    withClient(
      Effect.gen(function* () {
        const { authority } = yield* requestPayment()
        emu.failNext(10, { status: 500 })
        const error = yield* Effect.flip(verify(authority))
        assert.strictEqual(error._tag, "ZarinpalUnavailable")
        if (error._tag === "ZarinpalUnavailable") assert.strictEqual(error.status, 500)
        assert.strictEqual(emu.requests().filter((r) => r.endpoint === "verify").length, 3)
      }),
      { retries: 2 }
    )
  )

  it.live("never retries request: a lost answer may already have opened a payment", () =>
    withClient(
      Effect.gen(function* () {
        emu.failNext(1, { status: 500 })
        const error = yield* Effect.flip(requestPayment())
        assert.strictEqual(error._tag, "ZarinpalUnavailable")
        emu.failNext(1, { disconnect: true })
        assert.strictEqual((yield* Effect.flip(requestPayment()))._tag, "ZarinpalUnavailable")
        assert.strictEqual(emu.requests().filter((r) => r.endpoint === "request").length, 2)
      })
    )
  )

  it.live("times out slow answers; a verification that timed out shows up as already verified", () =>
    withClient(
      Effect.gen(function* () {
        const { authority } = yield* requestPayment()
        yield* pay(authority)
        emu.setLatency(400)
        const error = yield* Effect.flip(verify(authority))
        assert.strictEqual(error._tag, "ZarinpalUnavailable")
        if (error._tag === "ZarinpalUnavailable") assert.strictEqual(error.reason, "timed out")
        assert.strictEqual(emu.requests().filter((r) => r.endpoint === "verify").length, 2)
        emu.setLatency(0)
        const verified = yield* verify(authority)
        assert.strictEqual(verified.alreadyVerified, true)
      }),
      { timeout: "100 millis", retries: 1 }
    )
  )
})
