/**
 * What every job gets from scheduled-job.ts: a database outage is retried with
 * backoff inside the tick (then given up, for the next tick), anything else
 * fails at once, and each run is measured and counted under its job name.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { jobDuration, jobItemFailures, jobItems } from "../../src/metrics/job-metrics.ts"
import { instrumented } from "../../src/jobs/scheduled-job.ts"

/** What the SQL client fails with when PostgreSQL is away (as src/db/transient.ts recognises it). */
const connectionLost = { _tag: "SqlError", reason: { _tag: "ConnectionError" }, message: "Connection terminated" }
const constraint = { _tag: "SqlError", reason: { _tag: "ConstraintError" }, message: "violates check constraint" }

const counter = async (metric: typeof jobItems, job: string) =>
  (await metric.get()).values.find((v) => v.labels.job === job)?.value ?? 0
const observations = async (job: string) =>
  (await jobDuration.get()).values.find(
    (v) => v.labels.job === job && v.metricName === "botfleet_job_duration_seconds_count"
  )?.value ?? 0

describe("scheduled job runs", () => {
  it.live("a database outage is retried with backoff; the run then succeeds and is counted", () =>
    Effect.gen(function* () {
      const items = yield* Effect.promise(() => counter(jobItems, "card_rotation"))
      const failures = yield* Effect.promise(() => counter(jobItemFailures, "card_rotation"))
      const runs = yield* Effect.promise(() => observations("card_rotation"))
      let attempts = 0
      const started = Date.now()
      const result = yield* instrumented(
        "card_rotation",
        Effect.suspend(() =>
          ++attempts <= 2 ? Effect.fail(connectionLost) : Effect.succeed({ items: 3, failures: 1 })
        )
      )
      assert.deepStrictEqual(result, { items: 3, failures: 1 })
      assert.strictEqual(attempts, 3)
      assert.isAtLeast(Date.now() - started, 700, "0.25 s, then 0.5 s between attempts")
      assert.strictEqual(yield* Effect.promise(() => counter(jobItems, "card_rotation")), items + 3)
      assert.strictEqual(yield* Effect.promise(() => counter(jobItemFailures, "card_rotation")), failures + 1)
      assert.strictEqual(yield* Effect.promise(() => observations("card_rotation")), runs + 1)
    })
  )

  it.live("any other failure is not retried, and the run is still measured", () =>
    Effect.gen(function* () {
      const runs = yield* Effect.promise(() => observations("zarinpal_reconcile"))
      let attempts = 0
      const exit = yield* Effect.exit(
        instrumented(
          "zarinpal_reconcile",
          Effect.suspend(() => {
            attempts++
            return Effect.fail(constraint)
          })
        )
      )
      assert.deepStrictEqual(exit, Exit.fail(constraint)) // the job's own failure, passed through unchanged
      assert.strictEqual(attempts, 1)
      assert.strictEqual(yield* Effect.promise(() => observations("zarinpal_reconcile")), runs + 1)
    })
  )
})
