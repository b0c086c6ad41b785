/**
 * Cluster-wide scheduled work: each tick of a schedule runs once across all
 * runners, through effect/cluster's ClusterCron (no lock of our own). A tick is
 * a persisted cluster message keyed by its scheduled time, delivered to the
 * schedule's one executor entity, so two runners scheduling the same tick
 * produce one message and one execution; when the runner holding the executor
 * stops or dies, the executor moves like any entity and carries on from the
 * stored ticks. Ticks are UTC wall-clock times: `every: "30 seconds"` runs at
 * :00 and :30 of each minute, not 30 s after some start.
 *
 * Guarantees and limits (ClusterCron with `calculateNextRunFromPrevious`):
 * - every tick runs once, in order, one at a time (a tick never overlaps the
 *   previous one, even when a run outlasts the interval); a tick that was due
 *   while its runner failed over runs late, as soon as the schedule has moved,
 *   and the ones after it follow in order;
 * - a runner killed in the middle of a tick's execution leaves the tick
 *   unfinished, and the schedule's next owner runs it again: jobs must be
 *   idempotent (every job here is an atomic status change or an upsert);
 * - a tick later than `skipIfOlderThan` (default: ten intervals, at least a
 *   minute, at most a day) is skipped, so an outage is not replayed tick by tick;
 * - a tick starts up to MESSAGE_POLL (1 s) after its time when all is well.
 *
 * A failing execution is logged on one line and counted out of
 * `botfleet_job_last_success_timestamp_seconds{job}` (which then goes stale);
 * the next tick runs as usual.
 *
 * Usage (a jobs module), provided with the application's `Sharding`:
 *   clusterSchedule({ name: "payment-expiry", schedule: { every: "5 seconds" }, execute: expirePayments })
 */
import { Cause, Cron, Duration, Effect } from "effect"
import type { Layer } from "effect"
import { ClusterCron } from "effect/cluster"
import type { Sharding } from "effect/cluster"
import { causeSummary } from "../logging.ts"
import { jobLastSuccess } from "../metrics/registry.ts"

/** The scheduled time of the tick being executed (`yield* CurrentScheduledTime` inside `execute`). */
export const CurrentScheduledTime = ClusterCron.CurrentScheduledTime

export type ScheduleSpec =
  /** A cron expression: five fields, or six with seconds first; UTC unless `tz` is given. */
  | { readonly cron: string; readonly tz?: string }
  /** An interval that divides a minute, an hour or a day (e.g. "5 seconds", "15 minutes", "6 hours"). */
  | { readonly every: Duration.Input }

export interface ClusterScheduleOptions<E, R> {
  /** Unique across the application; also the `job` label of the last-success metric. */
  readonly name: string
  readonly schedule: ScheduleSpec
  readonly execute: Effect.Effect<void, E, R>
  /** A tick delivered later than this after its time is skipped (default: ten intervals, 1 minute to 1 day). */
  readonly skipIfOlderThan?: Duration.Input
}

/** The cron expression of an interval aligned to the UTC clock. */
export const cronForInterval = (every: Duration.Input): string => {
  const ms = Duration.toMillis(Duration.fromInputUnsafe(every))
  const seconds = ms / 1000
  const fail = () => {
    throw new Error(
      `schedule interval ${ms} ms does not divide a minute, an hour or a day; give a cron expression instead`
    )
  }
  if (!Number.isInteger(seconds) || seconds <= 0) return fail()
  if (seconds < 60) return 60 % seconds === 0 ? `*/${seconds} * * * * *` : fail()
  const minutes = seconds / 60
  if (minutes < 60) return Number.isInteger(minutes) && 60 % minutes === 0 ? `0 */${minutes} * * * *` : fail()
  const hours = minutes / 60
  if (hours <= 24) return Number.isInteger(hours) && 24 % hours === 0 ? `0 0 */${hours} * * *` : fail()
  return fail()
}

const cronOf = (spec: ScheduleSpec): Cron.Cron =>
  "cron" in spec ? Cron.parseUnsafe(spec.cron, spec.tz ?? "UTC") : Cron.parseUnsafe(cronForInterval(spec.every), "UTC")

const MIN_SKIP_MS = 60_000
const MAX_SKIP_MS = 86_400_000

/** Ten of the schedule's intervals (measured between its next two ticks), within a minute and a day. */
const defaultSkip = (cron: Cron.Cron): Duration.Duration => {
  const next = Cron.next(cron, new Date())
  const after = Cron.next(cron, next)
  return Duration.millis(Math.min(MAX_SKIP_MS, Math.max(MIN_SKIP_MS, 10 * (after.getTime() - next.getTime()))))
}

export const clusterSchedule = <E, R>(
  options: ClusterScheduleOptions<E, R>
): Layer.Layer<never, never, Sharding.Sharding | Exclude<R, ClusterCron.CurrentScheduledTime>> => {
  const job = options.name
  const execute = options.execute.pipe(
    Effect.tap(() => Effect.sync(() => jobLastSuccess.set({ job }, Date.now() / 1000))),
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause)
        : Effect.logWarning(`job ${job} failed: ${causeSummary(cause)}`)
    ),
    Effect.annotateLogs({ job })
  )
  const cron = cronOf(options.schedule)
  return ClusterCron.make({
    name: job,
    cron,
    execute,
    // One executor entity runs every tick in order: no tick skipped because the previous one ran late.
    calculateNextRunFromPrevious: true,
    skipIfOlderThan: options.skipIfOlderThan ?? defaultSkip(cron)
  })
}
