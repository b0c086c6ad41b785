/**
 * The API's middleware, declared (implementations in auth.ts, bot-access.ts,
 * error-responses.ts). Per endpoint they run outermost first:
 *
 *   Authorization → BotAccess → MasterOnly → ErrorResponses → decode → handler
 *
 * so an unauthenticated request learns nothing, a tenant asking about another
 * tenant's bot gets the same 404 as for a bot that does not exist (before its
 * body is even read), and only then are the request's parts validated.
 */
import { Context } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import {
  Forbidden,
  InternalError,
  NotFound,
  PayloadTooLarge,
  RateLimitedResponse,
  ServiceUnavailable,
  Unauthorized,
  UnsupportedMediaType,
  ValidationFailed
} from "./errors.ts"

/** Who is calling: the bot whose API token was presented. */
export interface CallerInfo {
  readonly botId: number
  /** The master bot's token reaches every tenant and the fleet routes. */
  readonly isMaster: boolean
}
export class Caller extends Context.Service<Caller, CallerInfo>()("botfleet/api/v1/Caller") {}

/** The bot named in the path, once the caller is known to be allowed to see it. */
export class TargetBot extends Context.Service<TargetBot, { readonly botId: number }>()("botfleet/api/v1/TargetBot") {}

export class Authorization extends HttpApiMiddleware.Service<Authorization, { provides: Caller }>()(
  "botfleet/api/v1/Authorization",
  {
    security: { bearer: HttpApiSecurity.bearer },
    error: [Unauthorized, RateLimitedResponse, Forbidden, InternalError, ServiceUnavailable]
  }
) {}

export class BotAccess extends HttpApiMiddleware.Service<BotAccess, { provides: TargetBot; requires: Caller }>()(
  "botfleet/api/v1/BotAccess",
  { error: [NotFound, InternalError] }
) {}

export class MasterOnly extends HttpApiMiddleware.Service<MasterOnly, { requires: Caller }>()(
  "botfleet/api/v1/MasterOnly",
  { error: Forbidden }
) {}

/** Request decoding failures → 400 with field errors; defects → a JSON 500 (503 for a cancelled statement). */
export class ErrorResponses extends HttpApiMiddleware.Service<ErrorResponses>()("botfleet/api/v1/ErrorResponses", {
  error: [ValidationFailed, PayloadTooLarge, UnsupportedMediaType, InternalError, ServiceUnavailable]
}) {}
