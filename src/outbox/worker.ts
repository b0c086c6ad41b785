/**
 * Runs the payment outbox (migrations/005): every replica runs one worker; a
 * task is claimed with a lease (fleet-queue.ts, src/db/leased-queue.ts), so one worker at a time runs
 * it, outside any tenant transaction — slow calls to Remnawave and ZarinPal
 * never hold a database connection or a row lock.
 *
 * Wake-ups (src/db/drain-on-notify.ts): the insert trigger's NOTIFY for new
 * tasks, and a sweep every OUTBOX_SWEEP_SECONDS for retries and anything missed. A task
 * that keeps failing is retried with exponential backoff (1 s … 5 min) and
 * given up after MAX_ATTEMPTS, when its handler tells whoever must know.
 */
import { Effect, Layer } from "effect"
import { AppConfig } from "../config.ts"
import { drainOnNotify } from "../db/drain-on-notify.ts"
import { retryDelaySeconds } from "../db/leased-queue.ts"
import { causeSummary } from "../logging.ts"
import { provisionGaveUp, provisionSubscription } from "./provision-subscription.ts"
import { outboxQueue } from "./fleet-queue.ts"
import type { ClaimedTask } from "./fleet-queue.ts"
import type { TaskOutcome } from "./task.ts"
import { requestZarinpalPayment, zarinpalRequestGaveUp } from "./request-zarinpal-payment.ts"
import { resetDevices, resetDevicesGaveUp } from "./reset-devices.ts"

export const OUTBOX_CHANNEL = "botfleet_outbox"
export const MAX_ATTEMPTS = 12
const BATCH = 10
const LEASE_SECONDS = 120

type TaskServices =
  | Effect.Services<ReturnType<typeof provisionSubscription>>
  | Effect.Services<ReturnType<typeof requestZarinpalPayment>>
  | Effect.Services<ReturnType<typeof resetDevices>>

interface TaskHandler {
  readonly run: Effect.Effect<TaskOutcome, unknown, TaskServices>
  readonly gaveUp: (reason: string) => Effect.Effect<void, unknown, TaskServices>
}

const handlerOf = (task: ClaimedTask): TaskHandler => {
  switch (task.kind) {
    case "provision_subscription":
      return { run: provisionSubscription(task), gaveUp: (reason: string) => provisionGaveUp(task, reason) }
    case "sync_subscription":
      return {
        run: provisionSubscription(task, { tellCustomer: false }),
        gaveUp: (reason: string) => provisionGaveUp(task, reason)
      }
    case "zarinpal_request":
      return { run: requestZarinpalPayment(task), gaveUp: (reason: string) => zarinpalRequestGaveUp(task, reason) }
    case "reset_devices":
      return { run: resetDevices(task), gaveUp: (reason: string) => resetDevicesGaveUp(task, reason) }
  }
}

const runTask = (task: ClaimedTask) =>
  Effect.gen(function* () {
    const handler = handlerOf(task)
    const outcome = yield* handler.run.pipe(
      Effect.catchCause((cause) => Effect.succeed<TaskOutcome>({ _tag: "Retry", reason: causeSummary(cause) }))
    )
    switch (outcome._tag) {
      case "Done":
        return yield* outboxQueue.complete(task.id)
      case "Failed":
        yield* Effect.logWarning(`outbox task failed: ${outcome.reason}`)
        return yield* outboxQueue.fail(task.id, outcome.reason)
      case "Retry":
        if (task.attempts >= MAX_ATTEMPTS) {
          yield* Effect.logError(`outbox task given up after ${task.attempts} attempts: ${outcome.reason}`)
          yield* outboxQueue.fail(task.id, outcome.reason)
          return yield* handler
            .gaveUp(outcome.reason)
            .pipe(
              Effect.catchCause((cause) => Effect.logWarning(`outbox give-up notice failed: ${causeSummary(cause)}`))
            )
        }
        yield* Effect.logInfo(`outbox task will be retried: ${outcome.reason}`)
        return yield* outboxQueue.retryLater(task.id, retryDelaySeconds(task.attempts), outcome.reason)
    }
  }).pipe(
    // Stopping (a deploy, a scale-down): hand the task back now rather than when the lease runs out.
    Effect.onInterrupt(() => outboxQueue.retryLater(task.id, 0, "interrupted by shutdown").pipe(Effect.ignore)),
    Effect.annotateLogs({ bot_id: task.botId, task_id: task.id, kind: task.kind })
  )

/** Claims and runs due tasks until none is left. */
export const drainOutbox = Effect.gen(function* () {
  for (;;) {
    const tasks = yield* outboxQueue.claim(BATCH, LEASE_SECONDS)
    if (tasks.length === 0) return
    yield* Effect.forEach(tasks, runTask, { concurrency: BATCH, discard: true })
  }
})

export const OutboxWorkerLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const config = yield* AppConfig
    yield* drainOnNotify({
      channel: OUTBOX_CHANNEL,
      sweepSeconds: config.outboxSweepSeconds,
      what: "outbox",
      drain: drainOutbox
    })
  })
)
