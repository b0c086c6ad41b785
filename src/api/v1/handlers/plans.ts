/** Subscription plans, with reorder. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { checkSquadsOnPanel } from "../../../tenants/squads.ts"
import { Plans } from "../../../tenants/plans.ts"
import { RemnawaveClient } from "../../../vpn/remnawave-client.ts"
import { TenantApi } from "../api.ts"
import { fromDomain } from "../errors.ts"
import { TargetBot } from "../middleware.ts"

export const PlansHandlers = HttpApiBuilder.group(
  TenantApi,
  "plans",
  Effect.fn(function* (handlers) {
    const plans = yield* Plans
    const remnawave = yield* RemnawaveClient
    /** Squads the panel does not have are refused before anything is stored. */
    const squadsKnown = (squads: ReadonlyArray<string> | undefined) =>
      squads === undefined
        ? Effect.void
        : fromDomain(
            checkSquadsOnPanel("activeInternalSquads", squads).pipe(Effect.provideService(RemnawaveClient, remnawave))
          )
    return handlers.handleAll({
      listPlans: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return { items: yield* fromDomain(plans.list(botId)) }
        }),
      createPlan: ({ payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          yield* squadsKnown(payload.activeInternalSquads)
          return yield* fromDomain(plans.create(botId, payload))
        }),
      reorderPlans: ({ payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return { items: yield* fromDomain(plans.reorder(botId, payload.ids)) }
        }),
      getPlan: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return yield* fromDomain(plans.get(botId, params.id))
        }),
      updatePlan: ({ params, payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          yield* squadsKnown(payload.activeInternalSquads)
          return yield* fromDomain(plans.update(botId, params.id, payload))
        }),
      deletePlan: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          yield* fromDomain(plans.delete(botId, params.id))
        })
    })
  })
)
