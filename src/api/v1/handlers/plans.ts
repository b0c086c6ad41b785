/** Subscription plans, with reorder. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Plans } from "../../../tenants/plans.ts"
import { TenantApi } from "../api.ts"
import { fromDomain } from "../errors.ts"
import { TargetBot } from "../middleware.ts"

export const PlansHandlers = HttpApiBuilder.group(
  TenantApi,
  "plans",
  Effect.fn(function* (handlers) {
    const plans = yield* Plans
    return handlers.handleAll({
      listPlans: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return { items: yield* fromDomain(plans.list(botId)) }
        }),
      createPlan: ({ payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
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
