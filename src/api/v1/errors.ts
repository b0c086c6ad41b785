/**
 * The API's error responses. Every one is a JSON body `{ _tag, code, message, … }`
 * whose `code` is stable (clients branch on it, never on `message`), and each
 * class fixes its HTTP status. `fromDomain` turns the repositories' typed
 * errors into these; a database failure is a defect, rendered as a JSON 500 by
 * the ErrorResponses middleware.
 */
import { Effect, Schema } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import { HttpApiSchema } from "effect/http-api"
import type {
  BotNotFound,
  DuplicatePaymentCard,
  DuplicatePromoCode,
  DuplicateTelegramToken,
  InvalidInput,
  InvalidTelegramToken,
  MasterBotExists,
  MasterBotProtected,
  RecordNotFound
} from "../../tenants/errors.ts"
import type { DuplicateTopUp } from "../../fleet/fleet-admin.ts"
import type { TelegramTokenRejected, TelegramUnreachable } from "../../fleet/telegram-check.ts"
import type { RemnawaveError } from "../../vpn/remnawave-client.ts"

export const FieldError = Schema.Struct({
  /** Which part of the request: the JSON body, the query string or the path. */
  in: Schema.Literals(["body", "query", "path"]),
  /** Dotted path of the offending value inside that part (`price`, `ids.2`). */
  path: Schema.String,
  message: Schema.String
}).annotate({ identifier: "FieldError" })
export type FieldError = typeof FieldError.Type

export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()(
  "ValidationFailed",
  {
    code: Schema.Literal("validation_failed"),
    message: Schema.String,
    fields: Schema.Array(FieldError)
  },
  { httpApiStatus: 400 }
) {
  static of(fields: ReadonlyArray<FieldError>) {
    return new ValidationFailed({ code: "validation_failed", message: "the request is invalid", fields })
  }
}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  {
    code: Schema.Literal("unauthorized"),
    message: Schema.String
  },
  { httpApiStatus: 401 }
) {
  static readonly instance = new Unauthorized({
    code: "unauthorized",
    message: "send a valid API token as `Authorization: Bearer <token>`"
  })
}

export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  {
    code: Schema.Literals(["master_token_required", "field_not_allowed", "tenant_inactive"]),
    message: Schema.String
  },
  { httpApiStatus: 403 }
) {}

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  {
    code: Schema.Literal("not_found"),
    message: Schema.String
  },
  { httpApiStatus: 404 }
) {
  static of(message: string) {
    return new NotFound({ code: "not_found", message })
  }
  /** The same answer for a bot that does not exist and one the caller may not see. */
  static bot(botId: number | string) {
    return NotFound.of(`bot ${botId} does not exist`)
  }
}

export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  {
    code: Schema.Literals([
      "duplicate_telegram_token",
      "duplicate_payment_card",
      "master_bot_exists",
      "master_bot_protected",
      "duplicate_reference",
      "payment_not_pending",
      "payment_not_reviewable",
      "insufficient_balance",
      "no_subscription",
      "tenant_wallet_insufficient",
      "duplicate_promo_code",
      "broadcast_in_progress",
      "broadcast_not_running"
    ]),
    message: Schema.String
  },
  { httpApiStatus: 409 }
) {}

export class UnprocessableEntity extends Schema.TaggedError<UnprocessableEntity>()(
  "UnprocessableEntity",
  {
    code: Schema.Literals(["telegram_token_rejected"]),
    message: Schema.String
  },
  { httpApiStatus: 422 }
) {}

export class BadGateway extends Schema.TaggedError<BadGateway>()(
  "BadGateway",
  {
    code: Schema.Literals(["telegram_unreachable", "remnawave_unreachable"]),
    message: Schema.String
  },
  { httpApiStatus: 502 }
) {}

export class InternalError extends Schema.TaggedError<InternalError>()(
  "InternalError",
  {
    code: Schema.Literal("internal_error"),
    message: Schema.String
  },
  { httpApiStatus: 500 }
) {
  static readonly instance = new InternalError({ code: "internal_error", message: "something went wrong on our side" })
}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  {
    code: Schema.Literal("payload_too_large"),
    message: Schema.String
  },
  { httpApiStatus: 413 }
) {}

export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  {
    code: Schema.Literal("unsupported_media_type"),
    message: Schema.String
  },
  { httpApiStatus: 415 }
) {}

export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  {
    code: Schema.Literals(["request_timeout", "database_timeout"]),
    message: Schema.String
  },
  { httpApiStatus: 503 }
) {
  static timeout(seconds: number) {
    return new ServiceUnavailable({
      code: "request_timeout",
      message: `the request took longer than ${seconds} s and was abandoned; retry later`
    })
  }
  static readonly database = new ServiceUnavailable({
    code: "database_timeout",
    message: "a database statement ran past its time limit and was cancelled; retry later or ask for less"
  })
}

/** The tenant's bot is deactivated: its token still reads, but changes nothing. */
export const TenantInactive = new Forbidden({
  code: "tenant_inactive",
  message: "this bot is deactivated: its API token may read but not change anything"
})

export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  code: Schema.Literal("rate_limited"),
  message: Schema.String,
  retryAfterSeconds: Schema.Int
}) {
  static of(retryAfterSeconds: number) {
    return new RateLimited({
      code: "rate_limited",
      message: `too many requests with this API token; retry after ${retryAfterSeconds} s`,
      retryAfterSeconds
    })
  }
}

const RateLimitedBody = Schema.Struct({
  _tag: Schema.Literal("RateLimited"),
  code: Schema.Literal("rate_limited"),
  message: Schema.String,
  retryAfterSeconds: Schema.Int
})
  .annotate({ identifier: "RateLimited" })
  .pipe(HttpApiSchema.status(429))

/** 429 with the wait in a `Retry-After` header (seconds) as well as in the body. */
export const RateLimitedResponse = RateLimited.pipe(
  HttpApiSchema.encodeToWithHeaders(
    {
      body: RateLimitedBody,
      headers: { "retry-after": Schema.String }
    },
    {
      decode: ({ body }) => RateLimited.of(body.retryAfterSeconds),
      encode: (e) => ({
        body: {
          _tag: "RateLimited" as const,
          code: "rate_limited" as const,
          message: e.message,
          retryAfterSeconds: e.retryAfterSeconds
        },
        headers: { "retry-after": String(e.retryAfterSeconds) }
      })
    }
  )
)

type DomainError =
  | BotNotFound
  | RecordNotFound
  | InvalidInput
  | InvalidTelegramToken
  | DuplicateTelegramToken
  | DuplicatePaymentCard
  | MasterBotExists
  | MasterBotProtected
  | DuplicateTopUp
  | DuplicatePromoCode
  | TelegramTokenRejected
  | TelegramUnreachable
  | RemnawaveError
  | SqlError

/** The API error a domain error becomes; SqlError becomes a defect (JSON 500). */
export type ApiErrorOf<E> = E extends BotNotFound | RecordNotFound
  ? NotFound
  : E extends InvalidInput | InvalidTelegramToken
    ? ValidationFailed
    : E extends
          | DuplicateTelegramToken
          | DuplicatePaymentCard
          | MasterBotExists
          | MasterBotProtected
          | DuplicateTopUp
          | DuplicatePromoCode
      ? Conflict
      : E extends TelegramTokenRejected
        ? UnprocessableEntity
        : E extends TelegramUnreachable | RemnawaveError
          ? BadGateway
          : E extends SqlError
            ? never
            : E

const convert = (e: DomainError): Effect.Effect<never, unknown> => {
  switch (e._tag) {
    case "BotNotFound":
      return Effect.fail(NotFound.bot(e.botId))
    case "RecordNotFound":
      return Effect.fail(NotFound.of(`${e.entity.replace(/_/g, " ")} ${e.id} does not exist`))
    case "InvalidInput":
      return Effect.fail(ValidationFailed.of([{ in: "body", path: e.field, message: e.reason }]))
    case "InvalidTelegramToken":
      return Effect.fail(ValidationFailed.of([{ in: "body", path: "telegramToken", message: e.message }]))
    case "DuplicateTelegramToken":
    case "DuplicatePaymentCard":
    case "MasterBotExists":
    case "MasterBotProtected":
    case "DuplicateTopUp":
    case "DuplicatePromoCode":
      return Effect.fail(new Conflict({ code: e.code, message: e.message }))
    case "TelegramTokenRejected":
      return Effect.fail(new UnprocessableEntity({ code: "telegram_token_rejected", message: e.message }))
    case "TelegramUnreachable":
      return Effect.fail(new BadGateway({ code: "telegram_unreachable", message: e.message }))
    case "RemnawaveApiError":
    case "RemnawaveUnavailable":
      return Effect.fail(
        new BadGateway({
          code: "remnawave_unreachable",
          message: "the Remnawave panel could not be asked for its internal squads; retry later"
        })
      )
    case "SqlError":
      return Effect.die(e)
  }
}

const isDomainError = (e: unknown): e is DomainError =>
  typeof e === "object" &&
  e !== null &&
  "_tag" in e &&
  [
    "BotNotFound",
    "RecordNotFound",
    "InvalidInput",
    "InvalidTelegramToken",
    "DuplicateTelegramToken",
    "DuplicatePaymentCard",
    "MasterBotExists",
    "MasterBotProtected",
    "DuplicateTopUp",
    "DuplicatePromoCode",
    "TelegramTokenRejected",
    "TelegramUnreachable",
    "RemnawaveApiError",
    "RemnawaveUnavailable",
    "SqlError"
  ].includes((e as { _tag: string })._tag)

/** Maps the repositories' typed errors to API errors (API errors pass through). */
export const fromDomain = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, ApiErrorOf<E>, R> =>
  Effect.catch(effect, (e) => (isDomainError(e) ? convert(e) : Effect.fail(e))) as Effect.Effect<A, ApiErrorOf<E>, R>
