/**
 * The wake-up loop of a table-backed queue (the payment outbox, the job
 * notices): `drain` runs when the table's insert trigger NOTIFYs `channel`
 * (delivered at commit, so the rows are visible), every `sweepSeconds` for
 * retries, expired leases and anything missed while unsubscribed, and once at
 * start — never two drains at once, and a burst of notifications during a drain
 * makes one more drain, not one per row. A lost LISTEN connection is logged
 * and re-subscribed (with a drain right after, for what it missed).
 *
 * PostgreSQL's LISTEN/NOTIFY rather than polling: an idle fleet costs one
 * query per sweep per process.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Queue, Schedule } from "effect"
import type { Scope } from "effect"
import { causeSummary } from "../logging.ts"

export const drainOnNotify = <E, R>(options: {
  readonly channel: string
  readonly sweepSeconds: number
  /** names the queue in log lines */
  readonly what: string
  readonly drain: Effect.Effect<void, E, R>
}): Effect.Effect<void, never, PgClient.PgClient | Scope.Scope | R> =>
  Effect.gen(function* () {
    const pg = yield* PgClient.PgClient
    const kicks = yield* Queue.sliding<void>(1)
    const listen = Effect.gen(function* () {
      const notifications = yield* pg.listen(options.channel)
      yield* Queue.offer(kicks, undefined)
      for (;;) {
        yield* Queue.takeAll(notifications)
        yield* Queue.offer(kicks, undefined)
      }
    }).pipe(
      Effect.scoped,
      Effect.tapCause((cause) =>
        Effect.logWarning(`${options.what} listener lost (${causeSummary(cause)}); re-subscribing`)
      ),
      Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("5 seconds")]))
    )
    yield* Effect.forkScoped(listen)
    yield* Effect.forkScoped(
      Queue.offer(kicks, undefined).pipe(Effect.repeat(Schedule.spaced(`${options.sweepSeconds} seconds`)))
    )
    yield* Effect.forkScoped(
      Effect.forever(
        Queue.take(kicks).pipe(
          Effect.andThen(options.drain),
          Effect.catchCause((cause) => Effect.logWarning(`${options.what} drain failed: ${causeSummary(cause)}`))
        )
      )
    )
  })
