import type { SqlError } from "effect/sql/SqlError"

/** The violated unique index or constraint's name, when the error is a unique violation. */
export const uniqueViolationOf = (e: SqlError): string | undefined =>
  e.reason._tag === "UniqueViolation" ? e.reason.constraint : undefined
