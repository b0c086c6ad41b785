/**
 * Whether a bot is active in the database, for a notice whose bot this
 * process's watcher does not know (yet): a bot activated a moment ago is
 * waited for, a deactivated or deleted one gets nothing sent.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const fleetBotIsActive = Effect.fn("fleetBotIsActive")(function* (botId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ isActive: boolean }>`SELECT is_active FROM bots WHERE id = ${botId}`
  return row?.isActive === true
})
