/**
 * Users Telegram refused for good (they blocked the bot, their account is
 * gone): the notifier sends them nothing and marks new refusals. The record
 * lives on the users table (tenants/users.ts); app.ts provides this service
 * from it, so `telegram/` does not depend on the tenant model.
 */
import { Context } from "effect"
import type { Effect } from "effect"

export class UnreachableUsers extends Context.Service<
  UnreachableUsers,
  {
    /** Whether sends to this user are to be skipped; a failed look-up answers false (Telegram decides then). */
    readonly isUnreachable: (botId: number, telegramId: number) => Effect.Effect<boolean>
    /** Records a refusal for good; a failure is ignored. */
    readonly markUnreachable: (botId: number, telegramId: number) => Effect.Effect<void>
  }
>()("botfleet/telegram/UnreachableUsers") {}
