/**
 * Asks Telegram (TELEGRAM_API_ROOT) whether a bot token is real before a tenant
 * is created from it or switched to it: a typo found here costs one message,
 * found by the supervisor it costs an `unauthorized` runner and an hour's
 * cool-down.
 */
import { Effect, Schema } from "effect"
import { Api, GrammyError } from "grammy"
import { AppConfig } from "../config.ts"
import { InvalidTelegramToken } from "../tenants/errors.ts"
import { telegramBotIdOf } from "../tenants/tokens.ts"

export class TelegramTokenRejected extends Schema.TaggedError<TelegramTokenRejected>()("TelegramTokenRejected", {
  description: Schema.String
}) {
  readonly code = "telegram_token_rejected"
  override get message() {
    return `Telegram refused this token (${this.description}); copy it again from @BotFather`
  }
}

export class TelegramUnreachable extends Schema.TaggedError<TelegramUnreachable>()("TelegramUnreachable", {
  description: Schema.String
}) {
  readonly code = "telegram_unreachable"
  override get message() {
    return `could not reach Telegram to check the token (${this.description}); try again`
  }
}

export interface TelegramIdentity {
  readonly id: number
  readonly username: string | undefined
  readonly firstName: string
}

/** getMe with the token; the token itself never appears in an error. */
export const checkTelegramToken = Effect.fn("checkTelegramToken")(function* (token: string) {
  const telegramBotId = telegramBotIdOf(token)
  if (telegramBotId === undefined) return yield* new InvalidTelegramToken()
  const { telegramApiRoot } = yield* AppConfig
  const api = new Api(token, { apiRoot: telegramApiRoot, timeoutSeconds: 10 })
  const me = yield* Effect.tryPromise({
    try: (signal) => api.getMe(signal as Parameters<typeof api.getMe>[0]),
    catch: (error) =>
      error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404)
        ? new TelegramTokenRejected({ description: `${error.error_code} ${error.description}` })
        : new TelegramUnreachable({
            description: error instanceof GrammyError ? `${error.error_code} ${error.description}` : "network error"
          })
  })
  if (me.id !== telegramBotId) {
    return yield* new TelegramTokenRejected({ description: "getMe answered for a different bot" })
  }
  return { id: me.id, username: me.username, firstName: me.first_name } satisfies TelegramIdentity
})
