/**
 * Who may call, and on what: the bearer token is looked up by its SHA-256
 * hash on every request (no cache, so a rotated or deleted token stops working
 * at once, on every replica), after the token's rate limit.
 */
import { type Cause, Effect, Layer, Redacted } from "effect"
import { HttpRouter, HttpServerRequest } from "effect/http"
import { AppConfig } from "../../config.ts"
import { causeSummary } from "../../logging.ts"
import { Bots } from "../../tenants/bots.ts"
import { hashApiToken } from "../../tenants/tokens.ts"
import {
  Forbidden,
  InternalError,
  NotFound,
  RateLimited,
  ServiceUnavailable,
  TenantInactive,
  Unauthorized
} from "./errors.ts"
import { Authorization, BotAccess, Caller, MasterOnly, TargetBot } from "./middleware.ts"
import { ApiRateLimiter } from "./rate-limiter.ts"

/** API tokens are 43 base64url characters; anything far off is not worth a query. */
const PLAUSIBLE_TOKEN = /^[A-Za-z0-9_-]{20,200}$/

/** Methods that change nothing: all a deactivated tenant's token may still do. */
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"])

/**
 * A failure of the middleware itself (the token lookup's database query): a
 * JSON 500 with the stable code, logged, never an empty body and never a 401
 * (the token may be fine).
 */
export const internalFailure = (where: string) => (cause: Cause.Cause<unknown>) =>
  Effect.logError(`API ${where} failed: ${causeSummary(cause)}`).pipe(
    Effect.andThen(Effect.fail(InternalError.instance))
  )

export const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.gen(function* () {
    const bots = yield* Bots
    const limiter = yield* ApiRateLimiter
    const { apiRequestTimeoutSeconds } = yield* AppConfig
    return Authorization.of({
      bearer: Effect.fnUntraced(function* (httpEffect, { credential }) {
        const token = Redacted.value(credential)
        if (!PLAUSIBLE_TOKEN.test(token)) return yield* Unauthorized.instance
        const hash = hashApiToken(token)
        const decision = yield* limiter.take(hash)
        if (!decision.allowed) return yield* RateLimited.of(decision.retryAfterSeconds)
        const found = yield* bots.findByApiToken(token).pipe(Effect.catchCause(internalFailure("authorisation")))
        if (found._tag === "None") return yield* Unauthorized.instance
        const bot = found.value
        if (!bot.isActive && !bot.isMaster) {
          const request = yield* HttpServerRequest.HttpServerRequest
          if (!READ_METHODS.has(request.method)) return yield* TenantInactive
        }
        // The whole request is bounded: past API_REQUEST_TIMEOUT_SECONDS it is interrupted (its
        // query cancelled on the server, as when the client goes away) and answered 503.
        return yield* Effect.provideService(httpEffect, Caller, { botId: bot.id, isMaster: bot.isMaster }).pipe(
          Effect.timeoutOrElse({
            duration: `${apiRequestTimeoutSeconds} seconds`,
            orElse: () => Effect.fail(ServiceUnavailable.timeout(apiRequestTimeoutSeconds))
          })
        )
      })
    })
  })
)

/**
 * The `{botId}` in the path, checked against the caller before anything else
 * reads the request: a tenant's own bot, or any existing bot for the master.
 * Anything else is the same 404 as a bot that does not exist.
 */
export const BotAccessLive = Layer.effect(
  BotAccess,
  Effect.gen(function* () {
    const bots = yield* Bots
    return BotAccess.of(
      Effect.fnUntraced(function* (httpEffect) {
        const caller = yield* Caller
        const raw = (yield* HttpRouter.params).botId ?? ""
        const botId = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : undefined
        if (botId === undefined) return yield* NotFound.bot(raw)
        if (!caller.isMaster && botId !== caller.botId) return yield* NotFound.bot(botId)
        if (caller.isMaster) {
          const exists = yield* bots.getById(botId).pipe(
            Effect.as(true),
            Effect.catchTag("BotNotFound", () => Effect.succeed(false)),
            Effect.catchCause(internalFailure("bot access"))
          )
          if (!exists) return yield* NotFound.bot(botId)
        }
        return yield* Effect.provideService(httpEffect, TargetBot, { botId })
      })
    )
  })
)

export const MasterOnlyLive = Layer.succeed(
  MasterOnly,
  MasterOnly.of(
    Effect.fnUntraced(function* (httpEffect) {
      const caller = yield* Caller
      if (!caller.isMaster) {
        return yield* new Forbidden({
          code: "master_token_required",
          message: "this route needs the master bot's API token"
        })
      }
      return yield* httpEffect
    })
  )
)
