/**
 * card_rotation: advances the current card of every tenant that uses the
 * `time_based` strategy (DESIGN.md §4). Card selection itself
 * (src/payments/card-rotation.ts) only reads `is_current`; this job moves it.
 *
 * Per tenant, in its own transaction with its cards locked (lockTenantCards, src/tenants/payment-cards.ts):
 * - fewer than two active cards: left alone (nothing to rotate to);
 * - no active current card (never rotated, or the current one was switched
 *   off): the next active card after the old current one in id order (the first
 *   active card when there was none) becomes current, its turn starting now;
 * - the current card has no `last_rotated_at` yet: its turn is stamped as
 *   starting now, nothing moves;
 * - the current card's `rotation_interval_minutes` (default 60) have passed:
 *   the next active card in id order, wrapping, becomes current; inactive
 *   cards are skipped.
 * Whenever the current card changes, usage counters restart (makeCardCurrent, src/tenants/payment-cards.ts).
 *
 * A rotation that is late (the job was down) advances one step, not one per
 * missed interval: the new card gets a full turn from now. Idempotent: a
 * repeated run finds the new card's turn just started and does nothing.
 */
import { Clock, Effect } from "effect"
import { withTenant } from "../db/tenant.ts"
import { isTransientDatabaseError } from "../db/transient.ts"
import { fleetDueRotations } from "./sql/fleet-due-rotations.ts"
import { lockTenantCards, makeCardCurrent, stampCardTurn } from "../tenants/payment-cards.ts"
import type { RotationCard } from "../tenants/payment-cards.ts"
import type { JobRun } from "./scheduled-job.ts"
import { reportSkippedTenant } from "./skip-tenant.ts"

export const DEFAULT_ROTATION_INTERVAL_MINUTES = 60

export type RotationPlan =
  | { readonly _tag: "LeaveAlone" }
  | { readonly _tag: "Stamp"; readonly cardId: number }
  | { readonly _tag: "Advance"; readonly from: number | null; readonly to: number }

const leaveAlone: RotationPlan = { _tag: "LeaveAlone" }

/** The first active card after `id` in id order, wrapping to the first. */
const nextAfter = (active: ReadonlyArray<RotationCard>, id: number): RotationCard =>
  active.find((c) => c.id > id) ?? active[0]!

/** What the job does for one tenant's cards (all of them, any order) at `now`. */
export const planRotation = (cards: ReadonlyArray<RotationCard>, now: Date): RotationPlan => {
  const sorted = [...cards].sort((a, b) => a.id - b.id)
  const active = sorted.filter((c) => c.isActive)
  if (active.length < 2 || active[0]!.rotationStrategy !== "time_based") return leaveAlone
  const current = active.find((c) => c.isCurrent)
  if (current === undefined) {
    const switchedOff = sorted.find((c) => c.isCurrent && !c.isActive)
    return {
      _tag: "Advance",
      from: switchedOff?.id ?? null,
      to: (switchedOff ? nextAfter(active, switchedOff.id) : active[0]!).id
    }
  }
  if (current.lastRotatedAt === null) return { _tag: "Stamp", cardId: current.id }
  const turnMs = (current.rotationIntervalMinutes ?? DEFAULT_ROTATION_INTERVAL_MINUTES) * 60_000
  if (current.lastRotatedAt.getTime() + turnMs > now.getTime()) return leaveAlone
  return { _tag: "Advance", from: current.id, to: nextAfter(active, current.id).id }
}

/** One tenant's rotation, in its transaction; the plan it carried out. */
export const rotateTenantCards = Effect.fn("rotateTenantCards")(function* (botId: number, now: Date) {
  return yield* withTenant(
    botId,
    Effect.gen(function* () {
      const plan = planRotation(yield* lockTenantCards(botId), now)
      if (plan._tag === "Stamp") yield* stampCardTurn(botId, plan.cardId, now)
      if (plan._tag === "Advance") yield* makeCardCurrent(botId, plan.to, now)
      return plan
    })
  )
})

/**
 * Every due tenant at `now`; items = cards advanced. One tenant's failure is
 * logged and retried next tick without holding up the others; a database
 * outage fails the run (the caller retries it).
 */
export const rotateDueCards = Effect.fn("rotateDueCards")(function* (now: Date) {
  const due = yield* fleetDueRotations(now)
  let advanced = 0
  let failures = 0
  for (const botId of due) {
    const plan = yield* rotateTenantCards(botId, now).pipe(
      Effect.catchIf(
        (e) => !isTransientDatabaseError(e),
        (e) => Effect.as(reportSkippedTenant("card_rotation", botId, `card rotation failed: ${e.message}`), undefined)
      )
    )
    if (plan === undefined) failures++
    else if (plan._tag === "Advance") {
      advanced++
      yield* Effect.logInfo(`card rotation: bot ${botId} card ${plan.from ?? "-"} → ${plan.to}`)
    }
  }
  return { items: advanced, failures } satisfies JobRun
})

/** The job's run: now from Effect's clock (a TestClock in tests). */
export const cardRotationRun = Effect.flatMap(Clock.currentTimeMillis, (ms) => rotateDueCards(new Date(ms)))
