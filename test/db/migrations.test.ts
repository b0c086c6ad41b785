/**
 * Migrations on empty databases: idempotent, safe when two processes race, and
 * a failing file stops with its name and PostgreSQL's message.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { layerFromUrl } from "../../src/db/client.ts"
import { migrationsDir, runMigrations } from "../../src/db/migrator.ts"
import { createTestDatabase } from "../support/database.ts"

const migrate = (url: string, dir?: string) =>
  Effect.runPromise(runMigrations(dir).pipe(Effect.provide(layerFromUrl(url, { maxConnections: 2 }))))

const schemaSnapshot = (url: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return yield* sql<{ tableName: string; columnName: string; dataType: string }>`
      SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = current_schema() ORDER BY table_name, column_name`
    }).pipe(Effect.provide(layerFromUrl(url, { maxConnections: 1 })))
  )

describe("migrations", () => {
  it("run twice: the second run applies nothing and changes nothing", async () => {
    const db = await createTestDatabase({ empty: true })
    try {
      const first = await migrate(db.url)
      expect(first.length).toBe(fs.readdirSync(migrationsDir).filter((f) => f.endsWith(".sql")).length)
      const before = await schemaSnapshot(db.url)
      expect(await migrate(db.url)).toEqual([])
      expect(await schemaSnapshot(db.url)).toEqual(before)
    } finally {
      await db.drop()
    }
  })

  it("two processes migrating one empty database at once end with one correct schema", async () => {
    const db = await createTestDatabase({ empty: true })
    const reference = await createTestDatabase({ empty: true })
    try {
      const results = await Promise.all([migrate(db.url), migrate(db.url)])
      // Exactly one of them did the work; the other found it done.
      expect(results.map((r) => r.length).sort()).toEqual([0, results[0]!.length + results[1]!.length].sort())
      await migrate(reference.url)
      expect(await schemaSnapshot(db.url)).toEqual(await schemaSnapshot(reference.url))
    } finally {
      await db.drop()
      await reference.drop()
    }
  })

  it("a failing migration names its file and PostgreSQL's message, and leaves nothing half-applied", async () => {
    const db = await createTestDatabase({ empty: true })
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"))
    try {
      fs.writeFileSync(path.join(dir, "001_ok.sql"), "CREATE TABLE first_table (id int);")
      fs.writeFileSync(
        path.join(dir, "002_broken.sql"),
        "CREATE TABLE second_table (id int);\nSELECT * FROM no_such_table;"
      )
      const error = await migrate(db.url, dir).then(
        () => undefined,
        (e: unknown) => e
      )
      expect(String(error)).toContain("002_broken.sql")
      expect(String(error)).toContain('relation "no_such_table" does not exist')
      const tables = (await schemaSnapshot(db.url)).map((c) => c.tableName)
      expect(tables).not.toContain("second_table")
      expect(tables).not.toContain("first_table") // the run is one transaction
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
      await db.drop()
    }
  })
})
