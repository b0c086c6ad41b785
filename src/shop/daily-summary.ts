/**
 * The daily summary (issue 19): at DAILY_SUMMARY_HOUR in the tenant's TIME_ZONE,
 * the figures since the same hour the day before (new customers, trials,
 * conversions, renewals, sales by method) go to the tenant — to the
 * notification group when it has one, else to its admins (src/outbox/notice-messages.ts).
 *
 * Once per tenant and local day: the `daily_summaries` row (migrations/025) and
 * the notice are written in one tenant transaction, and the row's primary key
 * (bot, day) makes a second replica, a retried tick or a late run queue nothing.
 * A run after the hour (the job was down) still queues that day's summary, with
 * the same figures; the next day's waits for its own hour.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { withTenant } from "../db/tenant.ts"
import { periodFigures } from "../payments/sales-report.ts"
import type { PeriodFigures } from "../payments/sales-report.ts"
import { enqueueNotice } from "../tenants/notices.ts"

/** What a `daily_summary` notice carries. */
export interface DailySummary {
  /** The local day it is for (YYYY-MM-DD, in the tenant's time zone). */
  readonly date: string
  readonly from: string
  readonly to: string
  readonly figures: PeriodFigures
}

export interface SummaryPeriod {
  readonly date: string
  readonly from: Date
  readonly to: Date
}

const HOUR_MS = 3_600_000

/** The wall-clock fields of `at` in `timeZone`. */
const wallClock = (at: Date, timeZone: string) => {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit"
  }).formatToParts(at)
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value)
  return {
    year: get("year"),
    month: get("month"),
    day: get("day"),
    hour: get("hour"),
    minute: get("minute"),
    second: get("second")
  }
}

/** The instant at which the wall clock of `timeZone` reads that day at `hour`:00 (a skipped hour resolves forward). */
const instantOf = (year: number, month: number, day: number, hour: number, timeZone: string): Date => {
  const target = Date.UTC(year, month - 1, day, hour)
  let guess = target
  // Two corrections settle the zone's offset (also across a DST change).
  for (let i = 0; i < 2; i++) {
    const w = wallClock(new Date(guess), timeZone)
    const shown = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
    guess += target - shown
  }
  return new Date(guess)
}

/**
 * The summary due at `now` for a tenant whose hour is `hour` in `timeZone`: the
 * local day's, once its hour has come (undefined before it). It covers the time
 * since the same wall-clock hour the day before (23 or 25 hours across a DST change).
 */
export const dueSummaryPeriod = (now: Date, timeZone: string, hour: number): SummaryPeriod | undefined => {
  const local = wallClock(now, timeZone)
  if (local.hour < hour) return undefined
  const to = instantOf(local.year, local.month, local.day, hour, timeZone)
  if (to.getTime() > now.getTime()) return undefined
  const yesterday = new Date(Date.UTC(local.year, local.month - 1, local.day) - 24 * HOUR_MS)
  const from = instantOf(
    yesterday.getUTCFullYear(),
    yesterday.getUTCMonth() + 1,
    yesterday.getUTCDate(),
    hour,
    timeZone
  )
  const date = `${local.year}-${String(local.month).padStart(2, "0")}-${String(local.day).padStart(2, "0")}`
  return { date, from, to }
}

/** Queues the tenant's summary for `period` unless it was queued already; true when this call queued it. */
export const queueDailySummary = Effect.fn("queueDailySummary")(function* (botId: number, period: SummaryPeriod) {
  return yield* withTenant(
    botId,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const claimed = yield* sql`
        INSERT INTO daily_summaries (bot_id, summary_date) VALUES (${botId}, ${period.date}::date)
        ON CONFLICT DO NOTHING RETURNING bot_id`
      if (claimed.length === 0) return false
      const figures = yield* periodFigures(botId, period.from, period.to)
      const payload: DailySummary = {
        date: period.date,
        from: period.from.toISOString(),
        to: period.to.toISOString(),
        figures
      }
      yield* enqueueNotice(botId, { kind: "daily_summary", subjectId: null, userId: null, payload })
      return true
    })
  )
})
