/** A notice given up on (the user blocked the bot, the bot is gone, too many attempts): kept with the reason. */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const fleetFailNotice = Effect.fn("fleetFailNotice")(function*(id: number, error: string) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE job_notices SET state = 'failed', done_at = now(), locked_until = NULL, last_error = ${error.slice(0, 2000)}
    WHERE id = ${id}`
})
