/**
 * The ZarinPal v4 payment gateway's behaviour, without HTTP: payment requests,
 * the bank's outcome, verification and the unverified list, answering with
 * ZarinPal's envelopes (`{data, errors: []}` on success, `{data: [], errors:
 * {code, message, validations}}` on failure).
 *
 * Documented behaviour followed here (docs.zarinpal.com, paymentGateway):
 * - request.json: merchant_id (36 characters), amount (integer), currency
 *   `IRR` (default) or `IRT`, callback_url, description (≤ 500 characters),
 *   optional metadata {mobile, email, order_id}; code 100 with an authority of
 *   36 characters (production authorities start with "A", sandbox ones with
 *   "S"), fee_type and fee.
 * - verify.json: 100 on the first verification of a paid payment, 101
 *   ("Verified") afterwards with the same ref_id; -51 when the payment was not
 *   paid (still open at the bank, or cancelled); -50 when the amount differs;
 *   -54 for an unknown authority; -53 ("Session is not this merchant_id
 *   session") when another merchant asks — that is the documented code for
 *   the case, so the emulator uses it rather than -11 or -54.
 * - unVerified.json: the merchant's paid but not yet verified payments.
 * - Minimum amount: 1,000 rials, i.e. 100 tomans when currency is IRT. Amounts
 *   are kept and compared in the unit they were requested in: a payment
 *   requested in IRT is verified with the same toman amount, and listed by
 *   unVerified in tomans.
 * - Errors: -9 validation (HTTP 422), -10 unknown terminal, -11 inactive
 *   terminal, and the verification codes above (HTTP 400). Clients should not
 *   depend on the 4xx status, only on `errors.code`.
 *
 * Production and sandbox are separate systems: an authority created on one is
 * unknown (-54) on the other. The sandbox accepts any 36-character merchant id
 * and ignores the registered-merchant list.
 */
import { createHash } from "node:crypto"
import { isRecord } from "../shared/http.ts"

export type Host = "production" | "sandbox"
export type Currency = "IRR" | "IRT"
export type PaymentState = "pending" | "paid" | "verified" | "cancelled"

export interface PaymentView {
  readonly authority: string
  readonly sandbox: boolean
  readonly merchantId: string
  readonly amount: number
  readonly currency: Currency
  /** The amount in rials, whatever the request's currency. */
  readonly amountRial: number
  readonly callbackUrl: string
  readonly description: string
  readonly metadata: Record<string, unknown> | undefined
  readonly state: PaymentState
  readonly refId: number | undefined
  readonly cardPan: string | undefined
  readonly createdAt: string
  readonly paidAt: string | undefined
  readonly verifiedAt: string | undefined
  /** How many verify.json calls reached this payment (any outcome). */
  readonly verifyCalls: number
}

export interface Reply {
  readonly status: number
  readonly body: unknown
}

export interface BankOutcome {
  readonly authority: string
  readonly status: "OK" | "NOK"
  readonly callbackUrl: string
}

interface Payment {
  authority: string
  host: Host
  merchantId: string
  amount: number
  currency: Currency
  callbackUrl: string
  description: string
  metadata: Record<string, unknown> | undefined
  state: PaymentState
  refId: number | undefined
  cardPan: string | undefined
  cardHash: string | undefined
  createdAt: Date
  paidAt: Date | undefined
  verifiedAt: Date | undefined
  verifyCalls: number
}

export const MESSAGES: Record<number, string> = {
  [-9]: "The input params invalid, validation error.",
  [-10]: "Terminal is not valid, please check merchant_id or ip address.",
  [-11]: "Terminal is not active, please contact our support team.",
  [-50]: "Session is not valid, amounts values is not the same.",
  [-51]: "Session is not valid, session is not active paid try.",
  [-53]: "Session is not this merchant_id session.",
  [-54]: "Invalid authority."
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const AUTHORITY = /^[AS][0-9A-Za-z]{35}$/
const MIN_RIAL = 1_000
const DEFAULT_CARD_PAN = "5022291234565995"

const failure = (code: number, validations: Array<Record<string, string>> = []): Reply => ({
  status: code === -9 ? 422 : 400,
  body: { data: [], errors: { code, message: MESSAGES[code] ?? "Unknown error", validations } }
})

const success = (data: Record<string, unknown>): Reply => ({ status: 200, body: { data, errors: [] } })

const toRial = (amount: number, currency: Currency): number => (currency === "IRT" ? amount * 10 : amount)

/** An integer amount, given as a JSON number or a string of digits (the docs' own example sends "1100"). */
const readAmount = (u: unknown): number | undefined => {
  if (typeof u === "number" && Number.isSafeInteger(u)) return u
  if (typeof u === "string" && /^\d{1,15}$/.test(u)) return Number(u)
  return undefined
}

const isHttpUrl = (u: unknown): u is string => {
  if (typeof u !== "string" || u.length === 0 || u.length > 2048) return false
  try {
    const url = new URL(u)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

const pad2 = (n: number) => String(n).padStart(2, "0")
/** ZarinPal's `date` format, "2020-06-27 10:22:02" (UTC here). */
const formatDate = (d: Date) =>
  `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
  `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`

const maskPan = (pan: string) => `${pan.slice(0, 6)}******${pan.slice(-4)}`

export interface GatewayOptions {
  /**
   * Registered production merchants. When given, an unknown merchant id is
   * refused with -10; when absent, any well-formed merchant id is accepted.
   */
  readonly merchants?: ReadonlyArray<string>
}

export const makeGateway = (options: GatewayOptions = {}) => {
  const payments = new Map<string, Payment>()
  const merchants = new Map<string, { active: boolean }>()
  let strictMerchants = false
  let sequence = 0
  let refSequence = 0
  // A random start keeps authorities of two emulator runs apart.
  const authorityBase = 10_000_000 + Math.floor(Math.random() * 80_000_000)

  const init = () => {
    payments.clear()
    merchants.clear()
    strictMerchants = options.merchants !== undefined
    for (const id of options.merchants ?? []) merchants.set(id.toLowerCase(), { active: true })
  }
  init()

  const nextAuthority = (host: Host) => {
    sequence++
    const digits = String(authorityBase) + String(sequence).padStart(8, "0")
    return (host === "sandbox" ? "S" : "A") + digits.padStart(35, "0")
  }

  /** Format check, then the terminal checks (-10, -11); `undefined` when the merchant may proceed. */
  const checkMerchant = (host: Host, merchantId: unknown): Reply | undefined => {
    const wellFormed =
      typeof merchantId === "string" && (host === "sandbox" ? merchantId.length === 36 : UUID.test(merchantId))
    if (!wellFormed) return failure(-9, [{ merchant_id: "The merchant id must be 36 characters." }])
    if (host === "sandbox") return undefined
    const entry = merchants.get(merchantId.toLowerCase())
    if (entry === undefined) return strictMerchants ? failure(-10) : undefined
    return entry.active ? undefined : failure(-11)
  }

  const view = (p: Payment): PaymentView => ({
    authority: p.authority,
    sandbox: p.host === "sandbox",
    merchantId: p.merchantId,
    amount: p.amount,
    currency: p.currency,
    amountRial: toRial(p.amount, p.currency),
    callbackUrl: p.callbackUrl,
    description: p.description,
    metadata: p.metadata,
    state: p.state,
    refId: p.refId,
    cardPan: p.cardPan,
    createdAt: p.createdAt.toISOString(),
    paidAt: p.paidAt?.toISOString(),
    verifiedAt: p.verifiedAt?.toISOString(),
    verifyCalls: p.verifyCalls
  })

  const request = (host: Host, body: unknown): Reply => {
    if (!isRecord(body)) return failure(-9, [{ body: "The request body must be a JSON object." }])
    const merchantReply = checkMerchant(host, body.merchant_id)
    if (merchantReply !== undefined && merchantReply.status === 422) return merchantReply
    const validations: Array<Record<string, string>> = []
    const currency = body.currency === undefined || body.currency === null ? "IRR" : body.currency
    if (currency !== "IRR" && currency !== "IRT") {
      validations.push({ currency: "The selected currency is invalid (IRR or IRT)." })
    }
    const amount = readAmount(body.amount)
    if (amount === undefined) {
      validations.push({ amount: "The amount must be an integer." })
    } else if (toRial(amount, currency === "IRT" ? "IRT" : "IRR") < MIN_RIAL) {
      validations.push({
        amount: currency === "IRT" ? "The amount must be at least 100." : "The amount must be at least 1000."
      })
    }
    if (!isHttpUrl(body.callback_url)) validations.push({ callback_url: "The callback url format is invalid." })
    if (typeof body.description !== "string" || body.description.trim() === "") {
      validations.push({ description: "The description field is required." })
    } else if (body.description.length > 500) {
      validations.push({ description: "The description may not be greater than 500 characters." })
    }
    if (body.metadata !== undefined && body.metadata !== null && !isRecord(body.metadata)) {
      validations.push({ metadata: "The metadata must be an object." })
    }
    if (validations.length > 0) return failure(-9, validations)
    if (merchantReply !== undefined) return merchantReply

    const payment: Payment = {
      authority: nextAuthority(host),
      host,
      merchantId: body.merchant_id as string,
      amount: amount!,
      currency: currency as Currency,
      callbackUrl: body.callback_url as string,
      description: body.description as string,
      metadata: isRecord(body.metadata) ? body.metadata : undefined,
      state: "pending",
      refId: undefined,
      cardPan: undefined,
      cardHash: undefined,
      createdAt: new Date(),
      paidAt: undefined,
      verifiedAt: undefined,
      verifyCalls: 0
    }
    payments.set(payment.authority, payment)
    return success({ code: 100, message: "Success", authority: payment.authority, fee_type: "Merchant", fee: 0 })
  }

  const verify = (host: Host, body: unknown): Reply => {
    if (!isRecord(body)) return failure(-9, [{ body: "The request body must be a JSON object." }])
    const merchantReply = checkMerchant(host, body.merchant_id)
    const validations: Array<Record<string, string>> = []
    const amount = readAmount(body.amount)
    if (amount === undefined) validations.push({ amount: "The amount must be an integer." })
    if (typeof body.authority !== "string" || !AUTHORITY.test(body.authority)) {
      validations.push({ authority: "The authority must be 36 characters." })
    }
    if (merchantReply !== undefined && merchantReply.status === 422) return merchantReply
    if (validations.length > 0) return failure(-9, validations)
    if (merchantReply !== undefined) return merchantReply

    const payment = payments.get(body.authority as string)
    if (payment === undefined || payment.host !== host) return failure(-54)
    payment.verifyCalls++
    if (payment.merchantId.toLowerCase() !== (body.merchant_id as string).toLowerCase()) return failure(-53)
    if (payment.state === "pending" || payment.state === "cancelled") return failure(-51)
    if (amount !== payment.amount) return failure(-50)
    const first = payment.state === "paid"
    if (first) {
      payment.state = "verified"
      payment.verifiedAt = new Date()
    }
    return success({
      code: first ? 100 : 101,
      message: "Verified",
      card_hash: payment.cardHash,
      card_pan: payment.cardPan,
      ref_id: payment.refId,
      fee_type: "Merchant",
      fee: 0
    })
  }

  const unVerified = (host: Host, body: unknown): Reply => {
    if (!isRecord(body)) return failure(-9, [{ body: "The request body must be a JSON object." }])
    const merchantReply = checkMerchant(host, body.merchant_id)
    if (merchantReply !== undefined) return merchantReply
    const merchantId = (body.merchant_id as string).toLowerCase()
    const authorities = [...payments.values()]
      .filter((p) => p.host === host && p.state === "paid" && p.merchantId.toLowerCase() === merchantId)
      .map((p) => ({
        authority: p.authority,
        amount: p.amount,
        callback_url: p.callbackUrl,
        referer: new URL(p.callbackUrl).origin,
        date: formatDate(p.paidAt ?? p.createdAt)
      }))
    return success({ code: 100, message: "Success", authorities })
  }

  /**
   * The bank's decision for an open payment. A payment already decided keeps
   * its outcome (paying twice, or paying after cancelling, changes nothing).
   */
  const settle = (
    authority: string,
    outcome: "pay" | "cancel",
    cardPan = DEFAULT_CARD_PAN
  ): BankOutcome | undefined => {
    const payment = payments.get(authority)
    if (payment === undefined) return undefined
    if (payment.state === "pending") {
      if (outcome === "pay") {
        payment.state = "paid"
        payment.paidAt = new Date()
        payment.refId = 100_000_000 + Math.floor(Math.random() * 800_000_000) + ++refSequence
        payment.cardPan = maskPan(cardPan)
        payment.cardHash = createHash("sha256").update(cardPan).digest("hex").toUpperCase()
      } else {
        payment.state = "cancelled"
      }
    }
    const status = payment.state === "cancelled" ? "NOK" : "OK"
    const url = new URL(payment.callbackUrl)
    url.searchParams.set("Authority", payment.authority)
    url.searchParams.set("Status", status)
    return { authority, status, callbackUrl: url.toString() }
  }

  return {
    request,
    verify,
    unVerified,
    settle,
    find: (authority: string, host?: Host): PaymentView | undefined => {
      const p = payments.get(authority)
      return p === undefined || (host !== undefined && p.host !== host) ? undefined : view(p)
    },
    list: (): Array<PaymentView> => [...payments.values()].map(view),
    registerMerchant: (merchantId: string, active = true) => {
      merchants.set(merchantId.toLowerCase(), { active })
    },
    reset: init
  }
}

export type Gateway = ReturnType<typeof makeGateway>
