import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { layerFromUrl } from "../../src/db/client.ts"

/** Runs one statement on its own short-lived connection (CREATE/DROP DATABASE and the like). */
export const adminQuery = (url: string, statement: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return yield* sql.unsafe(statement).raw
    }).pipe(Effect.provide(layerFromUrl(url, { maxConnections: 1 })))
  )
