/**
 * ZarinPal v4 REST client: payment request, StartPay link, verification and
 * the unverified list (docs.zarinpal.com/paymentGateway).
 *
 * - Roots: production `ZARINPAL_API_ROOT` (default https://payment.zarinpal.com)
 *   and sandbox `ZARINPAL_SANDBOX_API_ROOT` (default https://sandbox.zarinpal.com),
 *   both read from AppConfig; each call names which one through `sandbox` (the
 *   tenant's ZARINPAL_SANDBOX).
 * - Every answer is decoded with Schema. ZarinPal answers failures with
 *   `{data: [], errors: {code, message, validations}}` and a 4xx status; the
 *   client reads `errors.code`, never the 4xx status. -51 (not paid), -50
 *   (amount mismatch) and -54 (unknown authority) get their own errors; every
 *   other code is `ZarinpalRejected`. Network errors, timeouts, 5xx and
 *   unreadable answers are `ZarinpalUnavailable`.
 * - Each attempt times out after 10 s. `verify` and `unVerified` are retried on
 *   network errors, timeouts and 5xx (verifying twice is safe: the second
 *   answer is 101 with the same ref_id). `request` is never retried: a lost
 *   answer may still have opened a payment, and a second one would open another.
 * - The merchant id is not logged; it appears only in request bodies.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, Duration, Effect, Layer, Option, Schedule, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { HttpClientResponse } from "effect/http"
import { AppConfig } from "../config.ts"
import { describeAttemptError, isRetryable, ServerFailure, Unreadable } from "../provider-errors.ts"
import type { AttemptError } from "../provider-errors.ts"

// ---------------------------------------------------------------- money

/** The tenant's money unit (`bots.currency`): toman (IRT, the default) or rial (IRR). */
export type ZarinpalCurrency = "IRT" | "IRR"

/**
 * The one place where botfleet's amounts meet ZarinPal's. botfleet stores
 * integers in the tenant's unit; ZarinPal v4 takes a `currency` field
 * (`IRR` default, or `IRT`) beside the amount. Sending the tenant's amount with
 * the tenant's currency avoids ×10 conversions entirely: a toman price goes out
 * as tomans with `currency: "IRT"`, and the same toman amount is sent to
 * verify (ZarinPal compares it with the amount of the request). Change this
 * function, and only this one, if the unit ever has to change.
 */
export const toGatewayAmount = (
  amount: number,
  currency: ZarinpalCurrency
): { amount: number; currency: ZarinpalCurrency } => ({
  amount,
  currency
})

// ---------------------------------------------------------------- errors

export type ZarinpalOperation = "request" | "verify" | "unVerified"
const Operation = Schema.Literals(["request", "verify", "unVerified"])

/** -51: the payment was not paid (still open at the bank, cancelled, or failed). */
export class ZarinpalNotPaid extends Schema.TaggedError<ZarinpalNotPaid>()("ZarinpalNotPaid", {
  authority: Schema.String
}) {
  readonly code = -51
  override get message() {
    return `ZarinPal payment ${this.authority} is not paid (-51)`
  }
}

/** -50: the amount sent to verify differs from the amount of the payment. */
export class ZarinpalAmountMismatch extends Schema.TaggedError<ZarinpalAmountMismatch>()("ZarinpalAmountMismatch", {
  authority: Schema.String,
  amount: Schema.Number
}) {
  readonly code = -50
  override get message() {
    return `ZarinPal payment ${this.authority}: amount ${this.amount} does not match the payment (-50)`
  }
}

/** -54: ZarinPal does not know the authority (on this host: sandbox and production are separate). */
export class ZarinpalUnknownAuthority extends Schema.TaggedError<ZarinpalUnknownAuthority>()(
  "ZarinpalUnknownAuthority",
  {
    authority: Schema.String
  }
) {
  readonly code = -54
  override get message() {
    return `ZarinPal does not know authority ${this.authority} (-54)`
  }
}

/** Any other ZarinPal error code: -9 validation, -10 unknown terminal, -11 inactive terminal, -53 foreign authority, … */
export class ZarinpalRejected extends Schema.TaggedError<ZarinpalRejected>()("ZarinpalRejected", {
  operation: Operation,
  code: Schema.Number,
  detail: Schema.String
}) {
  override get message() {
    return `ZarinPal refused ${this.operation} with ${this.code}: ${this.detail}`
  }
}

/** ZarinPal could not be reached or did not answer sensibly (network, timeout, 5xx, unreadable body). */
export class ZarinpalUnavailable extends Schema.TaggedError<ZarinpalUnavailable>()("ZarinpalUnavailable", {
  operation: Operation,
  reason: Schema.String,
  status: Schema.optional(Schema.Number)
}) {
  override get message() {
    return `ZarinPal ${this.operation} failed: ${this.reason}`
  }
}

export type ZarinpalVerifyError =
  | ZarinpalNotPaid
  | ZarinpalAmountMismatch
  | ZarinpalUnknownAuthority
  | ZarinpalRejected
  | ZarinpalUnavailable

// ---------------------------------------------------------------- wire schemas

const ErrorEnvelope = Schema.Struct({
  errors: Schema.Struct({
    code: Schema.Number,
    message: Schema.String,
    validations: Schema.optional(Schema.Unknown)
  })
})

const RequestEnvelope = Schema.Struct({
  data: Schema.Struct({
    code: Schema.Literal(100),
    message: Schema.String,
    authority: Schema.String,
    fee_type: Schema.optional(Schema.String),
    fee: Schema.optional(Schema.Number)
  })
})

const VerifyEnvelope = Schema.Struct({
  data: Schema.Struct({
    code: Schema.Literals([100, 101]),
    message: Schema.String,
    card_hash: Schema.optional(Schema.NullOr(Schema.String)),
    card_pan: Schema.optional(Schema.NullOr(Schema.String)),
    ref_id: Schema.Number,
    fee_type: Schema.optional(Schema.String),
    fee: Schema.optional(Schema.Number)
  })
})

const UnverifiedEnvelope = Schema.Struct({
  data: Schema.Struct({
    code: Schema.Literal(100),
    message: Schema.String,
    authorities: Schema.Array(
      Schema.Struct({
        authority: Schema.String,
        amount: Schema.Number,
        callback_url: Schema.String,
        referer: Schema.optional(Schema.NullOr(Schema.String)),
        date: Schema.String
      })
    )
  })
})

// ---------------------------------------------------------------- service

export interface ZarinpalRequestInput {
  readonly merchantId: string
  readonly sandbox: boolean
  /** In the tenant's unit (see `toGatewayAmount`). */
  readonly amount: number
  readonly currency: ZarinpalCurrency
  readonly callbackUrl: string
  readonly description: string
  readonly mobile?: string
  readonly email?: string
  readonly orderId?: string
}

export interface ZarinpalRequested {
  readonly authority: string
  readonly startPayUrl: string
  readonly fee: number
  readonly feeType: string | undefined
}

export interface ZarinpalVerifyInput {
  readonly merchantId: string
  readonly sandbox: boolean
  /** The amount from our database, in the tenant's unit; the same as requested. */
  readonly amount: number
  readonly currency: ZarinpalCurrency
  readonly authority: string
}

export interface ZarinpalVerified {
  readonly status: "paid"
  readonly refId: number
  readonly cardPan: string | undefined
  readonly cardHash: string | undefined
  readonly fee: number
  /** True for code 101: verified before (by another replica, or an earlier callback). */
  readonly alreadyVerified: boolean
}

export interface ZarinpalUnverifiedPayment {
  readonly authority: string
  /** As ZarinPal reports it: the unit of the original request. */
  readonly amount: number
  readonly callbackUrl: string
  readonly referer: string | undefined
  /** ZarinPal's "YYYY-MM-DD HH:mm:ss". */
  readonly date: string
}

export interface ZarinpalClientOptions {
  /** Production root, e.g. https://payment.zarinpal.com. */
  readonly apiRoot: string
  /** Sandbox root, e.g. https://sandbox.zarinpal.com. */
  readonly sandboxApiRoot: string
  /** Per attempt; default 10 seconds. */
  readonly timeout?: Duration.Input
  /** Retries of verify and unVerified after the first attempt; default 3. */
  readonly retries?: number
  /** First retry delay, doubled each time; default 500 ms. */
  readonly retryBaseDelay?: Duration.Input
}

export class ZarinpalClient extends Context.Service<
  ZarinpalClient,
  {
    request(input: ZarinpalRequestInput): Effect.Effect<ZarinpalRequested, ZarinpalRejected | ZarinpalUnavailable>
    verify(input: ZarinpalVerifyInput): Effect.Effect<ZarinpalVerified, ZarinpalVerifyError>
    unVerified(input: {
      readonly merchantId: string
      readonly sandbox: boolean
    }): Effect.Effect<ReadonlyArray<ZarinpalUnverifiedPayment>, ZarinpalRejected | ZarinpalUnavailable>
    startPayUrl(authority: string, sandbox: boolean): string
  }
>()("botfleet/payments/ZarinpalClient") {
  /** Roots from AppConfig (`ZARINPAL_API_ROOT`, `ZARINPAL_SANDBOX_API_ROOT`), HTTP over undici. */
  static readonly layer = Layer.effect(
    ZarinpalClient,
    Effect.gen(function* () {
      const config = yield* AppConfig
      return yield* makeZarinpalClient({
        apiRoot: config.zarinpalApiRoot,
        sandboxApiRoot: config.zarinpalSandboxApiRoot
      })
    })
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))

  /** Explicit options (tests, the demo), HTTP over undici. */
  static readonly layerWith = (options: ZarinpalClientOptions) =>
    Layer.effect(ZarinpalClient, makeZarinpalClient(options)).pipe(Layer.provide(NodeHttpClient.layerUndici))
}

type Outcome<A> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "ApiError"; readonly code: number; readonly detail: string }

const trimRoot = (root: string) => root.replace(/\/+$/, "")

const validationsText = (validations: unknown): string => {
  if (!Array.isArray(validations) || validations.length === 0) return ""
  const parts = validations.flatMap((v) =>
    typeof v === "object" && v !== null ? Object.entries(v).map(([k, m]) => `${k}: ${String(m)}`) : [String(v)]
  )
  return ` (${parts.join("; ")})`
}

export const makeZarinpalClient = Effect.fnUntraced(function* (options: ZarinpalClientOptions) {
  const http = yield* HttpClient.HttpClient
  const roots = { production: trimRoot(options.apiRoot), sandbox: trimRoot(options.sandboxApiRoot) }
  const timeout = options.timeout ?? Duration.seconds(10)
  const retrySchedule = Schedule.exponential(options.retryBaseDelay ?? Duration.millis(500))
  const retries = options.retries ?? 3
  const rootOf = (sandbox: boolean) => (sandbox ? roots.sandbox : roots.production)

  /** One POST, decoded into ZarinPal's success envelope `S` or its error envelope. */
  const call = <S extends Schema.Top>(
    operation: ZarinpalOperation,
    sandbox: boolean,
    path: string,
    body: Record<string, unknown>,
    success: S,
    retry: boolean
  ): Effect.Effect<Outcome<S["Type"]>, ZarinpalUnavailable, S["DecodingServices"]> => {
    const decodeError = Schema.decodeUnknownOption(ErrorEnvelope)
    const decodeSuccess = Schema.decodeUnknownEffect(success)
    const attempt = HttpClientRequest.post(`${rootOf(sandbox)}${path}`).pipe(
      HttpClientRequest.acceptJson,
      HttpClientRequest.bodyJsonUnsafe(body),
      http.execute,
      Effect.flatMap((response: HttpClientResponse.HttpClientResponse) => {
        if (response.status >= 500) return Effect.fail<AttemptError>(new ServerFailure(response.status))
        return response.json.pipe(
          Effect.mapError(
            () => new Unreadable(response.status, `HTTP ${response.status} with a body that is not JSON`)
          ),
          Effect.flatMap((json): Effect.Effect<Outcome<S["Type"]>, Unreadable, S["DecodingServices"]> => {
            const error = decodeError(json)
            if (Option.isSome(error)) {
              const { code, message, validations } = error.value.errors
              return Effect.succeed({ _tag: "ApiError", code, detail: message + validationsText(validations) })
            }
            return decodeSuccess(json).pipe(
              Effect.map((value) => ({ _tag: "Ok" as const, value })),
              Effect.mapError(() => new Unreadable(response.status, `HTTP ${response.status} with an unexpected body`))
            )
          })
        )
      }),
      Effect.timeout(timeout)
    )
    const attempts = retry
      ? attempt.pipe(Effect.retry({ while: isRetryable, schedule: retrySchedule, times: retries }))
      : attempt
    return attempts.pipe(Effect.mapError((e) => new ZarinpalUnavailable({ operation, ...describeAttemptError(e) })))
  }

  const startPayUrl = (authority: string, sandbox: boolean) =>
    `${rootOf(sandbox)}/pg/StartPay/${encodeURIComponent(authority)}`

  const request = Effect.fn("ZarinpalClient.request")(function* (input: ZarinpalRequestInput) {
    yield* Effect.annotateCurrentSpan({ sandbox: input.sandbox })
    const money = toGatewayAmount(input.amount, input.currency)
    const metadata = {
      ...(input.mobile !== undefined ? { mobile: input.mobile } : {}),
      ...(input.email !== undefined ? { email: input.email } : {}),
      ...(input.orderId !== undefined ? { order_id: input.orderId } : {})
    }
    const outcome = yield* call(
      "request",
      input.sandbox,
      "/pg/v4/payment/request.json",
      {
        merchant_id: input.merchantId,
        amount: money.amount,
        currency: money.currency,
        callback_url: input.callbackUrl,
        description: input.description,
        ...(Object.keys(metadata).length > 0 ? { metadata } : {})
      },
      RequestEnvelope,
      false
    )
    if (outcome._tag === "ApiError") {
      return yield* new ZarinpalRejected({ operation: "request", code: outcome.code, detail: outcome.detail })
    }
    const data = outcome.value.data
    yield* Effect.annotateCurrentSpan({ authority: data.authority })
    return {
      authority: data.authority,
      startPayUrl: startPayUrl(data.authority, input.sandbox),
      fee: data.fee ?? 0,
      feeType: data.fee_type
    } satisfies ZarinpalRequested
  })

  const verify = Effect.fn("ZarinpalClient.verify")(function* (input: ZarinpalVerifyInput) {
    yield* Effect.annotateCurrentSpan({ authority: input.authority, sandbox: input.sandbox })
    const money = toGatewayAmount(input.amount, input.currency)
    const outcome = yield* call(
      "verify",
      input.sandbox,
      "/pg/v4/payment/verify.json",
      {
        merchant_id: input.merchantId,
        amount: money.amount,
        authority: input.authority
      },
      VerifyEnvelope,
      true
    )
    if (outcome._tag === "ApiError") {
      switch (outcome.code) {
        case -51:
          return yield* new ZarinpalNotPaid({ authority: input.authority })
        case -50:
          return yield* new ZarinpalAmountMismatch({ authority: input.authority, amount: input.amount })
        case -54:
          return yield* new ZarinpalUnknownAuthority({ authority: input.authority })
        default:
          return yield* new ZarinpalRejected({ operation: "verify", code: outcome.code, detail: outcome.detail })
      }
    }
    const data = outcome.value.data
    return {
      status: "paid",
      refId: data.ref_id,
      cardPan: data.card_pan ?? undefined,
      cardHash: data.card_hash ?? undefined,
      fee: data.fee ?? 0,
      alreadyVerified: data.code === 101
    } satisfies ZarinpalVerified
  })

  const unVerified = Effect.fn("ZarinpalClient.unVerified")(function* (input: {
    readonly merchantId: string
    readonly sandbox: boolean
  }) {
    yield* Effect.annotateCurrentSpan({ sandbox: input.sandbox })
    const outcome = yield* call(
      "unVerified",
      input.sandbox,
      "/pg/v4/payment/unVerified.json",
      {
        merchant_id: input.merchantId
      },
      UnverifiedEnvelope,
      true
    )
    if (outcome._tag === "ApiError") {
      return yield* new ZarinpalRejected({ operation: "unVerified", code: outcome.code, detail: outcome.detail })
    }
    return outcome.value.data.authorities.map(
      (a): ZarinpalUnverifiedPayment => ({
        authority: a.authority,
        amount: a.amount,
        callbackUrl: a.callback_url,
        referer: a.referer ?? undefined,
        date: a.date
      })
    )
  })

  return ZarinpalClient.of({ request, verify, unVerified, startPayUrl })
})
