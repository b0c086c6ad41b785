/**
 * What the tenant repositories share: running a query as one bot's tenant,
 * reading "one row or not found", the foreign-key failure of a write for a bot
 * that does not exist, and the input checks more than one repository makes.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { withTenant } from "../db/tenant.ts"
import { BotNotFound, InvalidInput, RecordNotFound } from "./errors.ts"
import { MAX_NAME_LENGTH, nameProblem } from "./limits.ts"

/**
 * Runs `effect` inside `withTenant(botId, …)`, after checking that `botId` can
 * be a bot's id. `sql` is the client the repository's layer was built with, so
 * its methods need nothing from their callers.
 */
export const tenantScope =
  (sql: SqlClient.SqlClient) =>
  <A, E>(botId: number, effect: Effect.Effect<A, E>): Effect.Effect<A, E | InvalidInput | SqlError> =>
    Number.isSafeInteger(botId) && botId > 0
      ? withTenant(botId, effect).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      : Effect.fail(new InvalidInput({ field: "botId", reason: "must be a positive integer" }))

/** The first row, or the failure `onMissing` makes when there is none. */
export const firstRow = <A, E>(rows: ReadonlyArray<A>, onMissing: () => E): Effect.Effect<A, E> =>
  rows[0] ? Effect.succeed(rows[0]) : Effect.fail(onMissing())

/**
 * The row a query by id returned, else RecordNotFound: under row-level security a row
 * of another bot is invisible, so it reads the same as a missing one.
 */
export const found =
  (entity: string, id: number) =>
  <A>(rows: ReadonlyArray<A>): Effect.Effect<A, RecordNotFound> =>
    firstRow(rows, () => new RecordNotFound({ entity, id }))

/**
 * A write for a bot that does not exist fails the bots foreign key
 * (`foreignKey`, the table's `…_bot_id_fkey`): that is BotNotFound.
 */
export const missingBot =
  (foreignKey: string, botId: number) =>
  (e: SqlError): Effect.Effect<never, BotNotFound | SqlError> => {
    const pg = e.reason.cause as { code?: unknown; constraint?: unknown } | undefined
    return pg?.code === "23503" && pg.constraint === foreignKey
      ? Effect.fail(new BotNotFound({ botId }))
      : Effect.fail(e)
  }

export const invalid = (field: string, reason: string) => Effect.fail(new InvalidInput({ field, reason }))

export const INT4_MAX = 2_147_483_647
export const INT4_MIN = -2_147_483_648

/** An integer from `min` to `max` (its limit, src/tenants/limits.ts): the reason names both. */
export const checkInt = (field: string, n: number, min: number, max: number) =>
  Number.isSafeInteger(n) && n >= min && n <= max
    ? Effect.succeed(n)
    : invalid(field, `must be an integer from ${min} to ${max}`)

/** A required name, stored trimmed: 1 to `max` characters, no control characters. */
export const checkName = (field: string, name: string, max = MAX_NAME_LENGTH) => {
  const problem = nameProblem(name, max)
  return problem === undefined ? Effect.succeed(name.trim()) : invalid(field, problem)
}

/** The API's JSON may carry anything where the types say boolean. */
export const checkBoolean = (field: string, value: boolean) =>
  typeof value === "boolean" ? Effect.succeed(value) : invalid(field, "must be a boolean")
