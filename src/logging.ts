/**
 * Structured logs (LOG_FORMAT=json for machines, pretty for people) with one
 * guarantee on top: a Telegram token never reaches the output, whatever a
 * library put into an error message or a URL.
 */
import { Cause, Layer, Logger, References } from "effect"
import type { LogLevel } from "effect/LogLevel"

// `123456789:AA…` (35 characters after the colon), alone or inside `/bot<token>/`.
const TOKEN = /(\d{3,15}):[A-Za-z0-9_-]{35}/g

export const redactTokens = (text: string): string => text.replace(TOKEN, "$1:***")

export const LoggingLive = (options: {
  readonly format: "json" | "pretty"
  readonly level: LogLevel
  /** The CLI keeps stdout for its own output (`--json`), so its logs go to stderr. */
  readonly stderr?: boolean
}) => {
  const format = options.format === "json" ? Logger.formatJson : Logger.formatLogFmt
  const redacted = Logger.map(format, redactTokens)
  const logger = options.stderr ? Logger.withConsoleError(redacted) : Logger.withConsoleLog(redacted)
  return Layer.mergeAll(Logger.layer([logger]), Layer.succeed(References.MinimumLogLevel, options.level))
}

/** One line for a failure: its message, without the stack (which the engines add generously). */
export const causeSummary = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const text =
    error instanceof Error
      ? `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}`
      : String(error)
  return redactTokens(text.split("\n")[0] ?? text)
}
