/**
 * A tenant's subscription plans. Prices are integers in the tenant's currency
 * unit (bots.currency). Lists are ordered by sort_order, then id. Every query
 * runs inside `withTenant`: the `Plans` service opens it (the API, the CLI), and
 * the shop's reads (`activePlans`, `activePlan`) run in the transaction their
 * caller has open (an update's `ctx.run`, or `withTenant`).
 */
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { Statement } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { InvalidInput } from "./errors.ts"
import type { BotNotFound, RecordNotFound } from "./errors.ts"
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_DEVICE_LIMIT,
  MAX_MONEY,
  MAX_PLAN_DAYS,
  MAX_PLAN_NAME_LENGTH,
  MAX_PLAN_TRAFFIC_GB,
  MAX_SQUADS
} from "./limits.ts"
import {
  checkBoolean,
  checkInt,
  checkName,
  found,
  INT4_MAX,
  INT4_MIN,
  invalid,
  missingBot,
  tenantScope
} from "./repository.ts"

export interface Plan {
  readonly id: number
  readonly name: string
  readonly description: string | null
  readonly periodDays: number
  /** In the tenant's currency unit. */
  readonly price: number
  /** 0 means unlimited. */
  readonly trafficLimitGb: number | null
  readonly deviceLimit: number | null
  /** Remnawave internal squad uuids its buyers get; empty = the tenant's DEFAULT_SQUADS. */
  readonly activeInternalSquads: ReadonlyArray<string>
  readonly isActive: boolean
  readonly sortOrder: number
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface CreatePlan {
  readonly name: string
  readonly periodDays: number
  readonly price: number
  /** 0 (the default) means unlimited. */
  readonly trafficLimitGb?: number | undefined
  readonly deviceLimit?: number | undefined
  readonly description?: string | null | undefined
  /** Remnawave internal squad uuids (checked against the panel by the caller); empty = DEFAULT_SQUADS. */
  readonly activeInternalSquads?: ReadonlyArray<string> | undefined
  /** Defaults to after the bot's last plan. */
  readonly sortOrder?: number | undefined
}

export interface UpdatePlan {
  readonly name?: string | undefined
  readonly periodDays?: number | undefined
  readonly price?: number | undefined
  readonly trafficLimitGb?: number | undefined
  readonly deviceLimit?: number | undefined
  /** null clears it. */
  readonly description?: string | null | undefined
  readonly sortOrder?: number | undefined
  readonly isActive?: boolean | undefined
  readonly activeInternalSquads?: ReadonlyArray<string> | undefined
}

type Failure = InvalidInput | SqlError

export class Plans extends Context.Service<
  Plans,
  {
    create(botId: number, input: CreatePlan): Effect.Effect<Plan, Failure | BotNotFound>
    /** Active plans, by sort order then id: what the shop shows. */
    listActive(botId: number): Effect.Effect<ReadonlyArray<Plan>, Failure>
    /** All plans, active or not, by sort order then id. */
    list(botId: number): Effect.Effect<ReadonlyArray<Plan>, Failure>
    get(botId: number, id: number): Effect.Effect<Plan, RecordNotFound | Failure>
    update(botId: number, id: number, patch: UpdatePlan): Effect.Effect<Plan, RecordNotFound | Failure>
    /**
     * Gives the listed plans sort orders 0, 1, 2, … by position and puts the bot's
     * other plans after them in their previous order, in one statement. An id that
     * is not this bot's plan (or repeated) → InvalidInput, nothing changed.
     * Returns every plan in the new order.
     */
    reorder(botId: number, ids: ReadonlyArray<number>): Effect.Effect<ReadonlyArray<Plan>, Failure>
    activate(botId: number, id: number): Effect.Effect<Plan, RecordNotFound | Failure>
    deactivate(botId: number, id: number): Effect.Effect<Plan, RecordNotFound | Failure>
    delete(botId: number, id: number): Effect.Effect<void, RecordNotFound | Failure>
  }
>()("botfleet/tenants/Plans") {
  static readonly layer = Layer.effect(
    Plans,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const cols = sql.unsafe(COLUMNS)

      const tenant = tenantScope(sql)

      const listAll = (botId: number) =>
        sql<Plan>`SELECT ${cols} FROM bot_plans WHERE bot_id = ${botId} ORDER BY sort_order, id`

      const get = Effect.fn("Plans.get")(function* (botId: number, id: number) {
        yield* checkId("id", id)
        const rows = yield* tenant(
          botId,
          sql<Plan>`SELECT ${cols} FROM bot_plans WHERE bot_id = ${botId} AND id = ${id}`
        )
        return yield* found("plan", id)(rows)
      })

      const setActive = (name: string, active: boolean) =>
        Effect.fn(name)(function* (botId: number, id: number) {
          yield* checkId("id", id)
          const rows = yield* tenant(
            botId,
            sql<Plan>`UPDATE bot_plans SET is_active = ${active} WHERE bot_id = ${botId} AND id = ${id} RETURNING ${cols}`
          )
          return yield* found("plan", id)(rows)
        })

      return Plans.of({
        create: Effect.fn("Plans.create")(function* (botId: number, input: CreatePlan) {
          const name = yield* checkName("name", input.name, MAX_PLAN_NAME_LENGTH)
          const periodDays = yield* checkInt("periodDays", input.periodDays, 1, MAX_PLAN_DAYS)
          const price = yield* checkInt("price", input.price, 0, MAX_MONEY)
          const trafficLimitGb = yield* checkInt("trafficLimitGb", input.trafficLimitGb ?? 0, 0, MAX_PLAN_TRAFFIC_GB)
          const deviceLimit = yield* checkInt("deviceLimit", input.deviceLimit ?? 1, 1, MAX_DEVICE_LIMIT)
          const description = yield* checkDescription(input.description)
          const squads = JSON.stringify(
            yield* checkSquadUuids("activeInternalSquads", input.activeInternalSquads ?? [])
          )
          const sortOrder =
            input.sortOrder === undefined ? null : yield* checkInt("sortOrder", input.sortOrder, INT4_MIN, INT4_MAX)
          const rows = yield* tenant(
            botId,
            sql<Plan>`
              INSERT INTO bot_plans (bot_id, name, description, period_days, price, traffic_limit_gb, device_limit,
                                     active_internal_squads, sort_order)
              VALUES (${botId}, ${name}, ${description}, ${periodDays}, ${price}, ${trafficLimitGb}, ${deviceLimit},
                      ARRAY(SELECT jsonb_array_elements_text(${squads}::jsonb)),
                      COALESCE(${sortOrder}::integer,
                               (SELECT COALESCE(max(sort_order) + 1, 0) FROM bot_plans WHERE bot_id = ${botId})))
              RETURNING ${cols}`.pipe(Effect.catchTag("SqlError", missingBot("bot_plans_bot_id_fkey", botId)))
          )
          return rows[0]!
        }),
        listActive: Effect.fn("Plans.listActive")(function* (botId: number) {
          return yield* tenant(botId, activePlansOf<Plan>(sql, botId, cols))
        }),
        list: Effect.fn("Plans.list")(function* (botId: number) {
          return yield* tenant(botId, listAll(botId))
        }),
        get,
        update: Effect.fn("Plans.update")(function* (botId: number, id: number, patch: UpdatePlan) {
          yield* checkId("id", id)
          const set: Record<string, unknown> = {}
          if (patch.name !== undefined) set.name = yield* checkName("name", patch.name, MAX_PLAN_NAME_LENGTH)
          if (patch.periodDays !== undefined)
            set.periodDays = yield* checkInt("periodDays", patch.periodDays, 1, MAX_PLAN_DAYS)
          if (patch.price !== undefined) set.price = yield* checkInt("price", patch.price, 0, MAX_MONEY)
          if (patch.trafficLimitGb !== undefined) {
            set.trafficLimitGb = yield* checkInt("trafficLimitGb", patch.trafficLimitGb, 0, MAX_PLAN_TRAFFIC_GB)
          }
          if (patch.deviceLimit !== undefined)
            set.deviceLimit = yield* checkInt("deviceLimit", patch.deviceLimit, 1, MAX_DEVICE_LIMIT)
          if (patch.description !== undefined) set.description = yield* checkDescription(patch.description)
          if (patch.sortOrder !== undefined)
            set.sortOrder = yield* checkInt("sortOrder", patch.sortOrder, INT4_MIN, INT4_MAX)
          if (patch.isActive !== undefined) set.isActive = yield* checkBoolean("isActive", patch.isActive)
          const squads =
            patch.activeInternalSquads === undefined
              ? null
              : JSON.stringify(yield* checkSquadUuids("activeInternalSquads", patch.activeInternalSquads))
          if (Object.keys(set).length === 0 && squads === null) return yield* get(botId, id)
          const setSquads = sql`active_internal_squads = CASE WHEN ${squads}::jsonb IS NULL THEN active_internal_squads
                                  ELSE ARRAY(SELECT jsonb_array_elements_text(${squads}::jsonb)) END`
          const rows = yield* tenant(
            botId,
            Object.keys(set).length === 0
              ? sql<Plan>`UPDATE bot_plans SET ${setSquads} WHERE bot_id = ${botId} AND id = ${id} RETURNING ${cols}`
              : sql<Plan>`UPDATE bot_plans SET ${sql.update(set)}, ${setSquads}
                          WHERE bot_id = ${botId} AND id = ${id} RETURNING ${cols}`
          )
          return yield* found("plan", id)(rows)
        }),
        reorder: Effect.fn("Plans.reorder")(function* (botId: number, ids: ReadonlyArray<number>) {
          if (!Array.isArray(ids))
            return yield* new InvalidInput({ field: "ids", reason: "must be an array of plan ids" })
          for (const id of ids) yield* checkId("ids", id)
          if (new Set(ids).size !== ids.length) {
            return yield* new InvalidInput({ field: "ids", reason: "must not repeat a plan" })
          }
          const idsJson = JSON.stringify(ids)
          return yield* tenant(
            botId,
            Effect.gen(function* () {
              const owned = yield* sql<{ count: number }>`
                SELECT count(*)::integer AS count FROM bot_plans
                WHERE bot_id = ${botId}
                  AND id IN (SELECT value::bigint FROM jsonb_array_elements_text(${idsJson}::jsonb))`
              if (owned[0]!.count !== ids.length) {
                return yield* new InvalidInput({ field: "ids", reason: "every id must be a plan of this bot" })
              }
              yield* sql`
                WITH wanted AS (
                  SELECT value::bigint AS id, ordinality AS position
                  FROM jsonb_array_elements_text(${idsJson}::jsonb) WITH ORDINALITY
                ), ranked AS (
                  SELECT p.id, (row_number() OVER (ORDER BY w.position NULLS LAST, p.sort_order, p.id) - 1)::integer AS position
                  FROM bot_plans p LEFT JOIN wanted w ON w.id = p.id
                  WHERE p.bot_id = ${botId}
                )
                UPDATE bot_plans p SET sort_order = r.position
                FROM ranked r
                WHERE p.bot_id = ${botId} AND p.id = r.id AND p.sort_order IS DISTINCT FROM r.position`
              return yield* listAll(botId)
            })
          )
        }),
        activate: setActive("Plans.activate", true),
        deactivate: setActive("Plans.deactivate", false),
        delete: Effect.fn("Plans.delete")(function* (botId: number, id: number) {
          yield* checkId("id", id)
          const rows = yield* tenant(
            botId,
            sql<{ id: number }>`DELETE FROM bot_plans WHERE bot_id = ${botId} AND id = ${id} RETURNING id`
          )
          yield* found("plan", id)(rows)
        })
      })
    })
  )
}

/** The tenant's active plans, in its order (what the shop shows), with the given columns. */
const activePlansOf = <A extends object>(sql: SqlClient.SqlClient, botId: number, columns: Statement.Fragment) =>
  sql<A>`SELECT ${columns} FROM bot_plans WHERE bot_id = ${botId} AND is_active ORDER BY sort_order, id`

/** A plan as the shop sells it: the limits with their defaults (traffic 0 = unlimited, one device). */
export interface PlanForSale {
  readonly id: number
  readonly name: string
  readonly description: string | null
  readonly periodDays: number
  readonly price: number
  /** 0 = unlimited. */
  readonly trafficLimitGb: number
  readonly deviceLimit: number
}

const FOR_SALE = `id, name, description, period_days, price, COALESCE(traffic_limit_gb, 0) AS traffic_limit_gb,
  COALESCE(device_limit, 1) AS device_limit`

/** The tenant's active plans, in its order: what the shop shows. Runs in the caller's tenant transaction. */
export const activePlans = Effect.fn("activePlans")(function* (botId: number) {
  const sql = yield* SqlClient.SqlClient
  return yield* activePlansOf<PlanForSale>(sql, botId, sql.unsafe(FOR_SALE))
})

/**
 * The plan with the limits it is sold with, on sale or not (a payment started
 * before the plan went off sale still completes with it), if it is this tenant's.
 */
export const planAsSold = Effect.fn("planAsSold")(function* (botId: number, planId: number) {
  const sql = yield* SqlClient.SqlClient
  const [plan] = yield* sql<PlanForSale>`
    SELECT ${sql.unsafe(FOR_SALE)} FROM bot_plans WHERE bot_id = ${botId} AND id = ${planId}`
  return plan
})

/** The plan as it is sold, if it is this tenant's and active. Runs in the caller's tenant transaction. */
export const activePlan = Effect.fn("activePlan")(function* (botId: number, planId: number) {
  const sql = yield* SqlClient.SqlClient
  const [plan] = yield* sql<PlanForSale>`
    SELECT ${sql.unsafe(FOR_SALE)} FROM bot_plans WHERE bot_id = ${botId} AND id = ${planId} AND is_active`
  return plan
})

/** Every plan of the tenant, on sale or not, in its order: the admin panel's list. */
export const plansOf = Effect.fn("plansOf")(function* (botId: number) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<Plan>`SELECT ${sql.unsafe(COLUMNS)} FROM bot_plans WHERE bot_id = ${botId} ORDER BY sort_order, id`
})

/** Puts the plan on sale or takes it off; the plan after the change, or undefined when it is not this tenant's. */
export const togglePlanOnSale = Effect.fn("togglePlanOnSale")(function* (botId: number, planId: number) {
  const sql = yield* SqlClient.SqlClient
  const [plan] = yield* sql<Plan>`
    UPDATE bot_plans SET is_active = NOT is_active WHERE bot_id = ${botId} AND id = ${planId}
    RETURNING ${sql.unsafe(COLUMNS)}`
  return plan
})

const COLUMNS = `id, name, description, period_days, price, traffic_limit_gb, device_limit, active_internal_squads,
  is_active, sort_order, created_at, updated_at`

const SQUAD_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Well-formed, distinct squad uuids (lower case), at most MAX_SQUADS; whether the panel knows them is the caller's check. */
export const checkSquadUuids = (field: string, uuids: ReadonlyArray<string>) => {
  if (!Array.isArray(uuids)) return invalid(field, "must be an array of internal squad uuids")
  if (uuids.length > MAX_SQUADS) return invalid(field, `must list at most ${MAX_SQUADS} squads`)
  for (const uuid of uuids) {
    if (typeof uuid !== "string" || !SQUAD_UUID.test(uuid)) return invalid(field, `${String(uuid)} is not a uuid`)
  }
  return Effect.succeed([...new Set(uuids.map((u) => u.toLowerCase()))])
}

const checkId = (field: string, id: number) =>
  Number.isSafeInteger(id) && id > 0 ? Effect.succeed(id) : invalid(field, "must be a positive integer plan id")

const checkDescription = (description: string | null | undefined) => {
  if (description === undefined || description === null) return Effect.succeed(null)
  if (typeof description !== "string") return invalid("description", "must be a string")
  const trimmed = description.trim()
  if (trimmed.length > MAX_DESCRIPTION_LENGTH) {
    return invalid("description", `must be at most ${MAX_DESCRIPTION_LENGTH} characters`)
  }
  return Effect.succeed(trimmed.length === 0 ? null : trimmed)
}
