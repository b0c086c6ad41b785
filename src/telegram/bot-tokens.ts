/**
 * The token of every active bot, for Bot API clients made outside an update
 * (the notifier). The supervisor's watcher knows them; app.ts provides this
 * service from it, so `telegram/` does not depend on the supervisor.
 */
import { Context } from "effect"
import type { Effect, Redacted } from "effect"

export interface BotToken {
  readonly token: Redacted.Redacted<string>
  /** Changes exactly when the token does (a cached client is then replaced). */
  readonly fingerprint: string
}

export class BotTokens extends Context.Service<
  BotTokens,
  {
    /** Completes once every active bot's token is known (the watcher's first full sync). */
    readonly ready: Effect.Effect<void>
    /** The bot's token while the bot is active; undefined otherwise. */
    readonly get: (botId: number) => BotToken | undefined
  }
>()("botfleet/telegram/BotTokens") {}
