/** Configuration: one JSON value per upper-snake-case key. */
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { checkSquadsOnPanel } from "../../../tenants/squads.ts"
import { Configurations, SQUAD_CONFIG_KEYS } from "../../../tenants/configurations.ts"
import { RemnawaveClient } from "../../../vpn/remnawave-client.ts"
import { TenantApi } from "../api.ts"
import { fromDomain, NotFound } from "../errors.ts"
import { TargetBot } from "../middleware.ts"

const unset = (key: string) => NotFound.of(`configuration key ${key} is not set`)

export const ConfigHandlers = HttpApiBuilder.group(
  TenantApi,
  "config",
  Effect.fn(function* (handlers) {
    const configurations = yield* Configurations
    const remnawave = yield* RemnawaveClient
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
          // Squad lists must name the panel's squads (their shape is checked by the repository first).
          if (SQUAD_CONFIG_KEYS.includes(params.key) && Array.isArray(payload.value)) {
            const uuids = payload.value.filter((v): v is string => typeof v === "string")
            if (uuids.length === payload.value.length && uuids.length <= 20) {
              yield* fromDomain(
                checkSquadsOnPanel(params.key, uuids).pipe(Effect.provideService(RemnawaveClient, remnawave))
              )
            }
          }
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
