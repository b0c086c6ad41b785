/** Configuration: one JSON value per upper-snake-case key. */
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Configurations } from "../../../tenants/configurations.ts"
import { TenantApi } from "../api.ts"
import { fromDomain, NotFound } from "../errors.ts"
import { TargetBot } from "../middleware.ts"

const unset = (key: string) => NotFound.of(`configuration key ${key} is not set`)

export const ConfigHandlers = HttpApiBuilder.group(
  TenantApi,
  "config",
  Effect.fn(function* (handlers) {
    const configurations = yield* Configurations
    return handlers.handleAll({
      listConfig: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return { values: yield* fromDomain(configurations.getAll(botId)) }
        }),
      getConfig: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const value = yield* fromDomain(configurations.get(botId, params.key))
          if (Option.isNone(value)) return yield* unset(params.key)
          return { key: params.key, value: value.value }
        }),
      setConfig: ({ params, payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return { key: params.key, value: yield* fromDomain(configurations.set(botId, params.key, payload.value)) }
        }),
      deleteConfig: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          if (!(yield* fromDomain(configurations.delete(botId, params.key)))) return yield* unset(params.key)
        })
    })
  })
)
