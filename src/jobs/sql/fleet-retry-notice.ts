/** A notice that could not be sent yet: released, due again after `delaySeconds`. */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const fleetRetryNotice = Effect.fn("fleetRetryNotice")(function*(id: number, delaySeconds: number, error: string) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE job_notices
    SET locked_until = NULL, run_after = now() + make_interval(secs => ${delaySeconds}::int), last_error = ${error.slice(0, 2000)}
    WHERE id = ${id}`
})
