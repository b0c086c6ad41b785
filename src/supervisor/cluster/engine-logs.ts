/**
 * The cluster engine's own warnings and errors carry whole causes (multi-line
 * stacks) and repeat on every retry: during a database outage a runner would
 * print the same stack every few hundred milliseconds. Inside the engine, each
 * kind of warning (its message) is logged at most once per interval, on one
 * line: the message, the first line of the cause, and how many were held back.
 *
 * Only the engine's fibers see this logger set (it is provided to the cluster
 * layer alone); the bots' logs, which run in the application's context, are
 * untouched.
 */
import { Cause, Effect, Layer, Logger, LogLevel } from "effect"
import { causeSummary } from "../../logging.ts"

export const rateLimitedEngineLogs = (intervalMs: number) =>
  Layer.effect(
    Logger.CurrentLoggers,
    Effect.gen(function* () {
      const loggers = yield* Logger.CurrentLoggers
      const lastLogged = new Map<string, number>()
      const suppressed = new Map<string, number>()
      // Every output sees the same event (same Date object): decide once per event.
      const decided = new WeakMap<Date, string | null>()

      /** The one line to log for this event, or null to hold it back. */
      const decide = (options: Logger.Options<unknown>): string | null => {
        const known = decided.get(options.date)
        if (known !== undefined) return known
        const parts = Array.isArray(options.message) ? options.message : [options.message]
        const text = parts.filter((p): p is string => typeof p === "string")
        const summary = options.cause.reasons.length > 0 ? causeSummary(options.cause) : undefined
        const key = `${options.logLevel}:${text[0] ?? summary ?? ""}`
        const now = options.date.getTime()
        const last = lastLogged.get(key)
        let line: string | null = null
        if (last !== undefined && now - last < intervalMs) {
          suppressed.set(key, (suppressed.get(key) ?? 0) + 1)
        } else {
          lastLogged.set(key, now)
          const held = suppressed.get(key) ?? 0
          suppressed.delete(key)
          line = [
            ...text,
            ...(summary !== undefined && summary !== text[0] ? [`(${summary})`] : []),
            ...(held > 0 ? [`[${held} more like this in the last ${Math.round(intervalMs / 1000)} s not shown]`] : [])
          ].join(" ")
        }
        decided.set(options.date, line)
        return line
      }

      const wrap = (inner: Logger.Logger<unknown, unknown>) =>
        Logger.make<unknown, unknown>((options) => {
          if (LogLevel.isLessThan(options.logLevel, "Warn")) return inner.log(options)
          const line = decide(options)
          return line === null ? undefined : inner.log({ ...options, message: [line], cause: Cause.empty })
        })
      return new Set([...loggers].map(wrap))
    })
  )
