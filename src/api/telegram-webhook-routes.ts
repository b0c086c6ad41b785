/**
 * `POST /telegram/webhook/:botId`: Telegram's deliveries for webhook bots
 * (src/ingest/webhook-receiver.ts decides). The body is read bounded; the
 * answer is 200 only once the update is stored.
 */
import { ByteSize, Effect, Schema } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { receiveWebhook, WEBHOOK_BODY_MAX_BYTES } from "../ingest/webhook-receiver.ts"
import { causeSummary } from "../logging.ts"
import { BotsWatcher } from "../supervisor/watcher.ts"

const PathParams = Schema.Struct({
  botId: Schema.NumberFromString.check(
    Schema.isInt(),
    Schema.isGreaterThan(0),
    Schema.isLessThanOrEqualTo(Number.MAX_SAFE_INTEGER)
  )
})

const answer = (status: number, description: string) =>
  HttpServerResponse.jsonUnsafe({ ok: status === 200, description }, { status })

export const TelegramWebhookRoutes = HttpRouter.add(
  "POST",
  "/telegram/webhook/:botId",
  Effect.gen(function* () {
    const path = yield* HttpRouter.schemaPathParams(PathParams).pipe(Effect.option)
    if (path._tag === "None") return answer(404, "no such bot")
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* request.text.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(WEBHOOK_BODY_MAX_BYTES)),
      Effect.option
    )
    if (text._tag === "None") return answer(413, "the body is too large")
    let body: unknown
    try {
      body = JSON.parse(text.value)
    } catch {
      body = undefined
    }
    const secret = request.headers["x-telegram-bot-api-secret-token"]
    const outcome = yield* receiveWebhook(yield* BotsWatcher, path.value.botId, secret, body)
    return outcome.status === 200
      ? answer(200, outcome.stored ? "stored" : "already stored")
      : answer(outcome.status, outcome.reason)
  }).pipe(
    Effect.catchCause((cause) =>
      Effect.logError(`webhook delivery not stored: ${causeSummary(cause)}`).pipe(
        Effect.as(answer(503, "temporarily unavailable"))
      )
    )
  )
)
