/**
 * Applies the numbered `.sql` files of `migrations/` in order, recording them in
 * `botfleet_migrations`. Effect's migrator locks its table, so replicas that
 * start together queue up and the later ones find nothing left to do.
 *
 * sql-pg speaks only the extended protocol (one statement per call), so each
 * file is split into statements first; dbgate-query-splitter understands
 * quotes, comments and `$tag$` bodies.
 */
import { postgreSplitterOptions, splitQuery } from "dbgate-query-splitter"
import { Effect, Schema } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import * as fs from "node:fs/promises"
import { fileURLToPath } from "node:url"

export const MIGRATIONS_TABLE = "botfleet_migrations"
export const migrationsDir = fileURLToPath(new URL("../../migrations/", import.meta.url))

export class MigrationFailed extends Schema.TaggedError<MigrationFailed>()("MigrationFailed", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `migration ${this.file} failed: ${this.reason}`
  }
}

const FILE = /^(\d+)_([\w-]+)\.sql$/

export const splitStatements = (text: string): Array<string> =>
  (splitQuery(text, postgreSplitterOptions) as Array<string>).map((s) => s.trim()).filter((s) => s.length > 0)

const runFile = (file: string, text: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    for (const statement of splitStatements(text)) {
      yield* sql.unsafe(statement).raw.pipe(Effect.mapError((e) => new MigrationFailed({ file, reason: pgMessage(e) })))
    }
  })

/** PostgreSQL's own words: the innermost message of the error's cause chain. */
const pgMessage = (e: unknown): string => {
  let message = e instanceof Error ? e.message : String(e)
  let current: unknown = e
  for (let depth = 0; depth < 10 && current instanceof Error; depth++) {
    message = current.message
    current = current.cause
  }
  return message
}

const loader = (dir: string): Migrator.Loader =>
  Effect.tryPromise({
    try: async () => {
      const names = (await fs.readdir(dir)).filter((n) => FILE.test(n)).sort()
      return Promise.all(
        names.map(async (name) => {
          const [, id, label] = FILE.exec(name)!
          const text = await fs.readFile(`${dir}/${name}`, "utf8")
          return [Number(id), label!, Effect.succeed(runFile(name, text))] as const
        })
      )
    },
    catch: (cause) =>
      new Migrator.MigrationError({ kind: "ImportError", message: `cannot read ${dir}: ${cause}`, cause })
  })

const migrate = Migrator.make({})

/** Runs pending migrations; returns the files applied by this call. */
export const runMigrations = (dir: string = migrationsDir) =>
  migrate({ loader: loader(dir), table: MIGRATIONS_TABLE }).pipe(
    // A concurrent migrator inserted the same ids first: it has done (or is doing,
    // under the table lock we then wait for) the work. Run again to wait and verify.
    Effect.catchIf(
      (e): e is Migrator.MigrationError => e._tag === "MigrationError" && e.kind === "Locked",
      () => migrate({ loader: loader(dir), table: MIGRATIONS_TABLE })
    ),
    Effect.mapError((e) => {
      if (e._tag === "MigrationError" && e.kind === "Failed") {
        const inner = e.cause as MigrationFailed | undefined
        return inner?._tag === "MigrationFailed"
          ? inner
          : new MigrationFailed({ file: e.message, reason: pgMessage(e) })
      }
      return new MigrationFailed({ file: dir, reason: e.message })
    }),
    Effect.map((applied) => applied.map(([id, name]) => `${String(id).padStart(3, "0")}_${name}.sql`))
  )
