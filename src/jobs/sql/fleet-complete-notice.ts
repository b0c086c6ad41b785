/** A notice delivered (or with nothing left to say): done, lease released. */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const fleetCompleteNotice = Effect.fn("fleetCompleteNotice")(function*(id: number) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`UPDATE job_notices SET state = 'done', done_at = now(), locked_until = NULL WHERE id = ${id}`
})
