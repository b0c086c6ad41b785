/** Broadcasts: the audience of a segment, start, list, read, cancel (src/shop/broadcasts.ts). */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { isSqlError } from "effect/sql/SqlError"
import type { SqlError } from "effect/sql/SqlError"
import { HttpApiBuilder } from "effect/http-api"
import { withTenant } from "../../../db/tenant.ts"
import { broadcastAudience, contentProblem, startBroadcast } from "../../../shop/broadcasts.ts"
import type { BroadcastContent } from "../../../tenants/broadcasts.ts"
import { broadcastSummary, cancelBroadcast, listBroadcasts } from "../../../tenants/broadcasts.ts"
import { TenantApi } from "../api.ts"
import { Conflict, NotFound, ValidationFailed } from "../errors.ts"
import { TargetBot } from "../middleware.ts"

export const BroadcastsHandlers = HttpApiBuilder.group(
  TenantApi,
  "broadcasts",
  Effect.fn(function* (handlers) {
    const sql = yield* SqlClient.SqlClient
    /** In the database; its failure is a defect (the JSON 500 of ErrorResponses), like fromDomain's. */
    const db = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
      effect.pipe(
        Effect.catchIf(isSqlError, Effect.die),
        Effect.provideService(SqlClient.SqlClient, sql)
      ) as Effect.Effect<A, Exclude<E, SqlError>>
    const summaryOf = (botId: number, id: number) =>
      Effect.flatMap(db(withTenant(botId, broadcastSummary(botId, id))), (summary) =>
        summary === undefined ? Effect.fail(NotFound.of(`broadcast ${id} does not exist`)) : Effect.succeed(summary)
      )
    return handlers.handleAll({
      broadcastAudience: ({ query }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return { segment: query.segment, ...(yield* db(broadcastAudience(botId, query.segment))) }
        }),
      listBroadcasts: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return { items: yield* db(withTenant(botId, listBroadcasts(botId, 50))) }
        }),
      createBroadcast: ({ payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const content: BroadcastContent = {
            text: payload.text,
            entities: null,
            photo: payload.photo ?? null,
            button: payload.button ?? null
          }
          const problem = contentProblem(content)
          if (problem !== undefined) {
            return yield* ValidationFailed.of([{ in: "body", path: problem.field, message: problem.reason }])
          }
          const id = yield* db(startBroadcast(botId, { content, segment: payload.segment, createdBy: "api" })).pipe(
            Effect.catchTags({
              BroadcastInProgress: (e) =>
                Effect.fail(new Conflict({ code: "broadcast_in_progress", message: e.message })),
              EmptySegment: (e) =>
                Effect.fail(ValidationFailed.of([{ in: "body", path: "segment", message: e.message }]))
            })
          )
          return yield* summaryOf(botId, id)
        }),
      getBroadcast: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return yield* summaryOf(botId, params.id)
        }),
      cancelBroadcast: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const cancelled = yield* db(withTenant(botId, cancelBroadcast(botId, params.id)))
          const summary = yield* summaryOf(botId, params.id)
          if (!cancelled) {
            return yield* new Conflict({
              code: "broadcast_not_running",
              message: `broadcast ${params.id} is not being sent (it is ${summary.state})`
            })
          }
          return summary
        })
    })
  })
)
