/**
 * MASTER_BOT_TOKEN → the master bot row, at start-up. The environment is the
 * source of truth while it is set:
 *
 * - no master row yet: create one (named "Master"), unless a tenant already uses
 *   that token — a tenant is never silently promoted;
 * - a master row with another token: switch it to this one (the watcher
 *   restarts the master bot with it);
 * - MASTER_BOT_TOKEN unset: leave any master row (made with
 *   `npx botfleet tenant create --master`) alone.
 *
 * Telegram is not asked here: start-up must not depend on it; a bad token shows
 * as `unauthorized` in the master's runtime status. Problems are logged, never
 * fatal — one misconfigured setting must not keep every tenant's bot down.
 * The master's API token is not printed: get one with
 * `npx botfleet tenant rotate-api-token <id>` (or /rotatetoken in the master bot).
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { AppConfig } from "../../config.ts"
import { Bots } from "../../tenants/bots.ts"

const MASTER_NAME = "Master"

const syncToken = Effect.fnUntraced(function* (token: string) {
  const bots = yield* Bots
  const master = yield* bots.findMaster()
  if (Option.isSome(master)) {
    const current = yield* bots.getWithToken(master.value.id)
    if (Redacted.value(current.telegramToken) === token) return "unchanged" as const
    yield* bots.update(master.value.id, { telegramToken: token })
    yield* Effect.logInfo(`master bot ${master.value.id}: Telegram token updated from MASTER_BOT_TOKEN`)
    return "updated" as const
  }
  const owner = yield* bots.findByTelegramToken(token)
  if (Option.isSome(owner)) {
    yield* Effect.logError(
      `MASTER_BOT_TOKEN is the token of tenant bot ${owner.value.id}; not making it the master. ` +
        "Delete that tenant or set another token."
    )
    return "conflict" as const
  }
  const { bot } = yield* bots.create({ name: MASTER_NAME, telegramToken: token, isMaster: true })
  yield* Effect.logInfo(
    `master bot created as bot ${bot.id}; its API token: \`npx botfleet tenant rotate-api-token ${bot.id}\``
  )
  return "created" as const
})

export const ensureMasterBot = Effect.gen(function* () {
  const config = yield* AppConfig
  if (Option.isNone(config.masterBotToken)) return
  const token = Redacted.value(config.masterBotToken.value)
  if (config.masterAdminIds.length === 0) {
    yield* Effect.logWarning("MASTER_BOT_TOKEN is set but MASTER_ADMIN_IDS is empty: nobody can use the master bot")
  }
  yield* syncToken(token).pipe(
    // Two replicas starting together: the loser of the create finds the winner's row.
    Effect.catchTag("MasterBotExists", () => syncToken(token)),
    Effect.catch((e) => Effect.logError(`could not apply MASTER_BOT_TOKEN: ${e.message}`))
  )
}).pipe(Effect.withSpan("ensureMasterBot"))

/** Needs a SqlClient and AppConfig; run after the migrations. */
export const EnsureMasterBot = Layer.effectDiscard(ensureMasterBot).pipe(Layer.provide(Bots.layer))
