/** Feature flags: a missing row means disabled. */
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { FeatureFlags } from "../../../tenants/feature-flags.ts"
import { TenantApi } from "../api.ts"
import { fromDomain, NotFound } from "../errors.ts"
import { TargetBot } from "../middleware.ts"

const unset = (key: string) => NotFound.of(`feature flag ${key} is not set (it counts as disabled)`)

export const FeaturesHandlers = HttpApiBuilder.group(
  TenantApi,
  "features",
  Effect.fn(function* (handlers) {
    const flags = yield* FeatureFlags
    return handlers.handleAll({
      listFeatures: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return { items: yield* fromDomain(flags.getAll(botId)) }
        }),
      getFeature: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const flag = yield* fromDomain(flags.get(botId, params.key))
          if (Option.isNone(flag)) return yield* unset(params.key)
          return flag.value
        }),
      setFeature: ({ params, payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return yield* fromDomain(flags.set(botId, params.key, payload))
        }),
      deleteFeature: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          if (!(yield* fromDomain(flags.delete(botId, params.key)))) return yield* unset(params.key)
        })
    })
  })
)
