/**
 * Telegram messages sent outside an update: the outbox worker delivering a
 * subscription link, the ZarinPal callback telling the user their payment went
 * through. Any replica can send for any active bot (BotTokens, from the
 * watcher, knows every active bot's token); a bot that is not active gets
 * nothing sent.
 *
 * Sends are at-least-once, like every Telegram call here: the caller records
 * what it sent after sending, so a crash in between repeats a message rather
 * than losing it. A user who blocked the bot is sent nothing (a permanent
 * failure, without a request); a send Telegram refuses for good marks them so.
 */
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { type Api, GrammyError } from "grammy"
import type { RawApi } from "grammy"
import { AppConfig } from "../config.ts"
import { sendsRefused } from "../metrics/registry.ts"
import { BotTokens } from "./bot-tokens.ts"
import { makeTelegramBot, telegramClientOptions } from "./client.ts"
import { fitText, TELEGRAM_TEXT_MAX } from "./message-limits.ts"
import { refusedForGood } from "./send-failures.ts"
import { UnreachableUsers } from "./unreachable-users.ts"

export type SendOptions = Omit<Parameters<RawApi["sendMessage"]>[0], "chat_id" | "text">

export class NotifyFailed extends Schema.TaggedError<NotifyFailed>()("NotifyFailed", {
  botId: Schema.Number,
  reason: Schema.String,
  /** Telegram refused for good (blocked by the user, chat gone): retrying will not help. */
  permanent: Schema.Boolean
}) {
  readonly code = "notify_failed"
  override get message() {
    return `could not message a user of bot ${this.botId}: ${this.reason}`
  }
}

export class TelegramNotifier extends Context.Service<
  TelegramNotifier,
  {
    /** The bot's API client, when the bot is active. */
    readonly api: (botId: number) => Api | undefined
    readonly send: (
      botId: number,
      chatId: number,
      text: string,
      options?: SendOptions
    ) => Effect.Effect<void, NotifyFailed>
  }
>()("botfleet/telegram/TelegramNotifier") {
  static readonly layer = Layer.effect(
    TelegramNotifier,
    Effect.gen(function* () {
      const tokens = yield* BotTokens
      const unreachableUsers = yield* UnreachableUsers
      const config = yield* AppConfig
      const clients = new Map<number, { fingerprint: string; api: Api }>()
      const api = (botId: number): Api | undefined => {
        const desired = tokens.get(botId)
        if (!desired) return undefined
        const cached = clients.get(botId)
        if (cached && cached.fingerprint === desired.fingerprint) return cached.api
        const fresh = makeTelegramBot(Redacted.value(desired.token), telegramClientOptions(config)).api
        clients.set(botId, { fingerprint: desired.fingerprint, api: fresh })
        return fresh
      }
      return TelegramNotifier.of({
        api,
        send: (botId, chatId, text, options) => {
          const client = api(botId)
          if (!client) return Effect.fail(new NotifyFailed({ botId, reason: "the bot is not active", permanent: true }))
          // Private chats' ids are their users' Telegram ids.
          const user = chatId > 0 ? chatId : undefined
          return Effect.gen(function* () {
            // A failed look-up sends anyway: Telegram's answer decides then.
            const unreachable = user !== undefined && (yield* unreachableUsers.isUnreachable(botId, user))
            if (unreachable) {
              return yield* Effect.fail(
                new NotifyFailed({
                  botId,
                  reason: "the user blocked the bot, or the shop banned them",
                  permanent: true
                })
              )
            }
            yield* Effect.tryPromise({
              try: () => client.sendMessage(chatId, fitText(text, TELEGRAM_TEXT_MAX), options),
              catch: (error) => error
            }).pipe(
              Effect.catch((error) => {
                const refused = refusedForGood(error)
                const failed = new NotifyFailed({
                  botId,
                  reason: error instanceof GrammyError ? `${error.error_code} ${error.description}` : String(error),
                  permanent: refused !== undefined || (error instanceof GrammyError && error.error_code === 400)
                })
                if (!refused) return Effect.fail(failed)
                sendsRefused.inc({ bot_id: String(botId), reason: refused.reason })
                const mark = user === undefined ? Effect.void : unreachableUsers.markUnreachable(botId, user)
                return Effect.andThen(mark, Effect.fail(failed))
              })
            )
          })
        }
      })
    })
  )
}
