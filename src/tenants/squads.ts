/**
 * Remnawave internal squads of a tenant's subscriptions (DESIGN.md §4): a plan's
 * own `active_internal_squads`, else the tenant's `DEFAULT_SQUADS`; a trial has
 * `TRIAL_SQUADS` (else `DEFAULT_SQUADS`). Resolved inside the transaction that
 * sells (or grants) the period and stored on the subscription, so the
 * provisioning task writes one absolute set on create and on every renewal.
 *
 * `checkSquadsOnPanel` is what the API runs before storing squads: every uuid
 * must be one of the panel's internal squads (a user given an unknown one
 * would make the panel's user update fail with a 500, and a squad deleted on
 * the panel leaves the plan's users without those nodes).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { InvalidInput } from "./errors.ts"
import { RemnawaveClient } from "../vpn/remnawave-client.ts"

/** The squads a buyer of `planId` gets: the plan's, else the tenant's DEFAULT_SQUADS, else none. */
export const planSquads = Effect.fn("planSquads")(function* (botId: number, planId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ squads: ReadonlyArray<string> }>`
    SELECT COALESCE(
             (SELECT NULLIF(active_internal_squads, '{}') FROM bot_plans WHERE bot_id = ${botId} AND id = ${planId}),
             ${configuredSquads(sql, botId, "DEFAULT_SQUADS")},
             '{}'::text[]) AS squads`
  return row?.squads ?? []
})

/** The squads a trial gets: TRIAL_SQUADS, else DEFAULT_SQUADS, else none. */
export const trialSquads = Effect.fn("trialSquads")(function* (botId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ squads: ReadonlyArray<string> }>`
    SELECT COALESCE(${configuredSquads(sql, botId, "TRIAL_SQUADS")}, ${configuredSquads(sql, botId, "DEFAULT_SQUADS")},
                    '{}'::text[]) AS squads`
  return row?.squads ?? []
})

const configuredSquads = (sql: SqlClient.SqlClient, botId: number, key: string) => sql`
  (SELECT NULLIF(ARRAY(SELECT lower(jsonb_array_elements_text(config_value))), '{}')
   FROM bot_configurations
   WHERE bot_id = ${botId} AND config_key = ${key} AND jsonb_typeof(config_value) = 'array')`

/** Refuses (InvalidInput on `field`) any uuid that is not one of the panel's internal squads. */
export const checkSquadsOnPanel = Effect.fn("checkSquadsOnPanel")(function* (
  field: string,
  uuids: ReadonlyArray<string>
) {
  if (uuids.length === 0) return
  const remnawave = yield* RemnawaveClient
  const known = new Set((yield* remnawave.listInternalSquads()).map((s) => s.uuid))
  const unknown = uuids.filter((uuid) => !known.has(uuid.toLowerCase()))
  if (unknown.length > 0) {
    return yield* new InvalidInput({
      field,
      reason: `not an internal squad of the Remnawave panel: ${unknown.join(", ")}`
    })
  }
})
