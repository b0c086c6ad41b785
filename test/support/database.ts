/**
 * A database of its own for each test file (or test), cloned from the migrated
 * template the global setup prepared, dropped at the end.
 */
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import { inject } from "vitest"
import { layerFromUrl } from "../../src/db/client.ts"
import { adminQuery } from "./admin-sql.ts"

export interface TestDatabase {
  readonly name: string
  readonly url: string
  readonly drop: () => Promise<void>
}

/** `empty: true` gives a database with no schema at all (for migration tests). */
export const createTestDatabase = async (options: { empty?: boolean } = {}): Promise<TestDatabase> => {
  const admin = inject("pgAdminUrl")
  const name = `t_${randomBytes(8).toString("hex")}`
  await adminQuery(admin, `CREATE DATABASE ${name}${options.empty ? "" : ` TEMPLATE ${inject("pgTemplate")}`}`)
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined)
  }
}

/** A PgClient layer over a fresh database, dropped when the layer is released. */
export const TestDatabaseLayer = (options: { empty?: boolean; maxConnections?: number } = {}) =>
  Layer.unwrap(
    Effect.acquireRelease(
      Effect.promise(() => createTestDatabase(options)),
      (db) => Effect.promise(() => db.drop())
    ).pipe(Effect.map((db) => layerFromUrl(db.url, { maxConnections: options.maxConnections ?? 10 })))
  )

/**
 * Runs effects and plain SQL on a test database (`db` is read at each call, so
 * it may be created in `beforeAll`), each call with a small pool of its own.
 */
export const sqlOn = (db: () => TestDatabase) => {
  const run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
    Effect.runPromise(effect.pipe(Effect.provide(layerFromUrl(db().url, { maxConnections: 2 }))))
  const query = <A extends object>(text: string) =>
    run(
      Effect.gen(function* () {
        return (yield* (yield* SqlClient.SqlClient).unsafe<A>(text)) as ReadonlyArray<A>
      })
    )
  return { run, query }
}
