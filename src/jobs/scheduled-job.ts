/**
 * One scheduled job = one cluster-wide schedule (src/jobs/cluster-schedule.ts:
 * each tick runs once across all runners and sets
 * `botfleet_job_last_success_timestamp_seconds{job}` when it succeeds) around a
 * `run` that reports what it did, plus what every job needs:
 *
 * - `botfleet_job_duration_seconds{job}` and `botfleet_job_items_total{job}`;
 * - a database outage is retried inside the tick with exponential backoff
 *   (about 15 s in all), then the tick fails — logged, last-success goes stale —
 *   and the next tick starts afresh. Nothing here ever fails the layer, so a job
 *   never takes the process down. The bound keeps a tick short: ticks run one
 *   at a time, and a stopping runner waits for the tick it is running.
 *
 * Every `run` must be idempotent: a runner that dies in the middle of a tick
 * leaves it to the next owner, who runs it again. The jobs achieve that with
 * atomic status changes guarded by the expected old status.
 */
import { Duration, Effect, Schedule } from "effect"
import type { Layer } from "effect"
import type { ClusterCron, Sharding } from "effect/cluster"
import { isTransientDatabaseError } from "../db/transient.ts"
import { clusterSchedule } from "./cluster-schedule.ts"
import { jobDuration, jobItemFailures, jobItems } from "../metrics/job-metrics.ts"
import type { JobName } from "../metrics/job-metrics.ts"

export interface JobRun {
  /** Things acted on: cards rotated, payments expired or settled, reminders queued. */
  readonly items: number
  /** Things that could not be settled now and are left for a later tick. */
  readonly failures?: number
}

/** Backoff for a database that is away: 0.25, 0.5, 1, 2, 4, 4, 4 s (≈ 15 s), then the tick gives up. */
export const transientRetry = Schedule.min([Schedule.exponential("250 millis"), Schedule.spaced("4 seconds")]).pipe(
  Schedule.upTo({ times: 7 })
)

/** The run, measured (successful or not) and counted, with database outages retried (see above). */
export const instrumented = <E, R>(job: JobName, run: Effect.Effect<JobRun, E, R>): Effect.Effect<JobRun, E, R> =>
  Effect.suspend(() => {
    const started = performance.now()
    return run.pipe(
      Effect.tapError((e) =>
        isTransientDatabaseError(e)
          ? Effect.logWarning(`job ${job}: database unavailable (${(e as Error).message}); retrying`)
          : Effect.void
      ),
      Effect.retry({ while: isTransientDatabaseError, schedule: transientRetry }),
      Effect.tap((result) =>
        Effect.sync(() => {
          if (result.items > 0) jobItems.inc({ job }, result.items)
          if ((result.failures ?? 0) > 0) jobItemFailures.inc({ job }, result.failures)
        })
      ),
      Effect.ensuring(Effect.sync(() => jobDuration.observe({ job }, (performance.now() - started) / 1000)))
    )
  })

export interface ScheduledJobOptions<E, R> {
  readonly name: JobName
  readonly everySeconds: number
  readonly run: Effect.Effect<JobRun, E, R>
}

export const scheduledJob = <E, R>(
  options: ScheduledJobOptions<E, R>
): Layer.Layer<never, never, Sharding.Sharding | Exclude<R, ClusterCron.CurrentScheduledTime>> =>
  clusterSchedule({
    name: options.name,
    schedule: { every: Duration.seconds(options.everySeconds) },
    execute: instrumented(options.name, options.run).pipe(
      Effect.tap((result) =>
        result.items > 0 || (result.failures ?? 0) > 0
          ? Effect.logDebug(`job ${options.name}: ${result.items} item(s), ${result.failures ?? 0} left for later`)
          : Effect.void
      ),
      Effect.asVoid
    )
  })
