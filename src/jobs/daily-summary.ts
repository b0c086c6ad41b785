/**
 * daily_summary (issue 19), every DAILY_SUMMARY_INTERVAL_SECONDS: for each
 * active tenant with DAILY_SUMMARY_HOUR set whose hour has come today in its
 * TIME_ZONE (default Asia/Tehran), queues that day's summary once
 * (src/shop/daily-summary.ts; the notice worker sends it). A tenant whose stored
 * hour or zone does not decode is skipped and reported; the others go on.
 *
 * `dailySummaryAt(now)` is the run at a given time (tests name the hour);
 * `dailySummaryRun` runs it at the clock's time.
 */
import { Clock, Effect, Option, Schema } from "effect"
import { causeSummary } from "../logging.ts"
import { dueSummaryPeriod, queueDailySummary } from "../shop/daily-summary.ts"
import { ConfigDefaults, ConfigSchemas } from "../tenants/configurations.ts"
import type { JobRun } from "./scheduled-job.ts"
import { fleetDailySummaryTenants } from "./sql/fleet-daily-summary-tenants.ts"
import type { DailySummaryTenant } from "./sql/fleet-daily-summary-tenants.ts"

const decodeHour = Schema.decodeUnknownOption(ConfigSchemas.DAILY_SUMMARY_HOUR)
const decodeZone = Schema.decodeUnknownOption(ConfigSchemas.TIME_ZONE)

const parse = (json: string): unknown => {
  try {
    return JSON.parse(json)
  } catch {
    return undefined
  }
}

/** The tenant's hour and zone, or why they cannot be used. */
const scheduleOf = (t: DailySummaryTenant) => {
  const hour = decodeHour(parse(t.hourJson))
  const zone = t.timeZoneJson === null ? Option.some(ConfigDefaults.TIME_ZONE) : decodeZone(parse(t.timeZoneJson))
  return Option.isSome(hour) && Option.isSome(zone) ? { hour: hour.value, timeZone: zone.value } : undefined
}

export const dailySummaryAt = (now: Date) =>
  Effect.gen(function* () {
    const tenants = yield* fleetDailySummaryTenants()
    let items = 0
    let failures = 0
    for (const tenant of tenants) {
      const schedule = scheduleOf(tenant)
      if (schedule === undefined) {
        failures++
        yield* Effect.logWarning("daily summary skipped: DAILY_SUMMARY_HOUR or TIME_ZONE does not decode").pipe(
          Effect.annotateLogs({ bot_id: tenant.botId })
        )
        continue
      }
      const period = dueSummaryPeriod(now, schedule.timeZone, schedule.hour)
      if (period === undefined || period.date === tenant.lastDate) continue
      yield* queueDailySummary(tenant.botId, period).pipe(
        Effect.tap((queued) =>
          Effect.sync(() => {
            if (queued) items++
          })
        ),
        Effect.catchCause((cause) =>
          Effect.sync(() => failures++).pipe(
            Effect.andThen(Effect.logWarning(`daily summary of bot ${tenant.botId}: ${causeSummary(cause)}`))
          )
        )
      )
    }
    return { items, failures } satisfies JobRun
  })

export const dailySummaryRun = Effect.flatMap(Clock.currentTimeMillis, (ms) => dailySummaryAt(new Date(ms)))
