/** The bot's end users: list and search (read only). */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { TenantApi } from "../api.ts"
import { fromDomain, NotFound } from "../errors.ts"
import { TargetBot } from "../middleware.ts"
import { TenantReads } from "../tenant-reads.ts"

export const UsersHandlers = HttpApiBuilder.group(
  TenantApi,
  "users",
  Effect.fn(function* (handlers) {
    const reads = yield* TenantReads
    return handlers.handleAll({
      listUsers: ({ query }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const page = { limit: query.limit ?? 50, offset: query.offset ?? 0 }
          const { items, total } = yield* fromDomain(reads.listUsers(botId, query.search, page))
          return { items, total, ...page }
        }),
      getUser: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const user = yield* fromDomain(reads.getUser(botId, params.id))
          if (user === undefined) return yield* NotFound.of(`user ${params.id} does not exist`)
          return user
        })
    })
  })
)
