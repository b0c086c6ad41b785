/**
 * DATABASE_URL checked once at start-up. A URL that can never work (not a URL,
 * another scheme, a bad port) stops the process with one line; a valid URL of
 * a server that is down is waited for instead (src/app.ts), which is right
 * where the database may come up after the service (Kubernetes).
 */

/** Thrown (as a defect) by the database layer for a setting that cannot work; `message` is the one line to print. */
export class InvalidDatabaseUrl extends Error {
  readonly _tag = "InvalidDatabaseUrl"
  override readonly name = "InvalidDatabaseUrl"
}

// What the driver (@effect/sql-pg) accepts; it rejects the rest before connecting.
const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
const EXAMPLE = "postgres://USER:PASSWORD@HOST:5432/DATABASE"

/** Why this DATABASE_URL can never work, or undefined when it may. Never repeats the URL (it holds a password). */
export const databaseUrlProblem = (raw: string): string | undefined => {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    if (raw.trim() === "") return "it is empty"
    // The usual way a real URL breaks: a password with @ # / ? in it, or a port out of range.
    return /^postgres(ql)?:\/\//i.test(raw.trim())
      ? "it does not parse as a URL: check the port, and %-encode any @ # / ? : in the user name or password"
      : "it is not a URL"
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    return `its scheme is "${url.protocol}", not "postgres:" or "postgresql:"`
  }
  // `#` starts a fragment, which the driver drops: in a password it must be written %23.
  if (url.hash !== "") return 'it contains "#" (in a user name or password, write it as %23)'
  const port = url.searchParams.get("port") ?? (url.port === "" ? undefined : url.port)
  if (port !== undefined) {
    const n = Number(port)
    if (!Number.isInteger(n) || n < 1 || n > 65535) return `its port "${port}" is not a number from 1 to 65535`
  }
  const timeout = url.searchParams.get("connect_timeout")
  if (timeout !== null && !(Number.isInteger(Number(timeout)) && Number(timeout) >= 0)) {
    return `its connect_timeout "${timeout}" is not a whole number of seconds`
  }
  const sslmode = url.searchParams.get("sslmode")
  if (sslmode !== null && !SSL_MODES.includes(sslmode))
    return `its sslmode "${sslmode}" is not one of ${SSL_MODES.join(", ")}`
  if (url.username === "" && !url.searchParams.has("user") && !process.env.USER && !process.env.USERNAME) {
    return "it names no user"
  }
  for (const [part, value] of [
    ["user name", url.username],
    ["password", url.password],
    ["database name", url.pathname.replace(/^\//, "")]
  ] as const) {
    try {
      decodeURIComponent(value)
    } catch {
      return `its ${part} has a broken %-escape`
    }
  }
  return undefined
}

/** Throws InvalidDatabaseUrl when the URL can never work. */
export const checkDatabaseUrl = (raw: string): string => {
  const problem = databaseUrlProblem(raw)
  if (problem !== undefined) {
    throw new InvalidDatabaseUrl(
      `DATABASE_URL is not a usable PostgreSQL URL (${problem}): set it to ${EXAMPLE}, or unset it to use the embedded PostgreSQL`
    )
  }
  return raw
}
