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
 * the panel leaves the plan's users without those nodes). The bot's admin
 * panel cannot call the panel inside an update, so it offers the squads the
 * panel_sync job last read (`panel_squads`) and toggles only those.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { InvalidInput } from "./errors.ts"
import { MAX_SQUADS } from "./limits.ts"
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

/** The panel's internal squads as the panel_sync job read them: the whole list replaces the last one. */
export const recordPanelSquads = Effect.fn("recordPanelSquads")(function* (
  squads: ReadonlyArray<{ readonly uuid: string; readonly name: string }>
) {
  const sql = yield* SqlClient.SqlClient
  const json = JSON.stringify(squads.map((s) => ({ uuid: s.uuid.toLowerCase(), name: s.name })))
  yield* sql`
    WITH panel AS (SELECT * FROM jsonb_to_recordset(${json}::jsonb) AS p(uuid text, name text)),
    gone AS (DELETE FROM panel_squads WHERE uuid NOT IN (SELECT uuid FROM panel))
    INSERT INTO panel_squads (uuid, name, seen_at) SELECT uuid, name, now() FROM panel
    ON CONFLICT (uuid) DO UPDATE SET name = EXCLUDED.name, seen_at = EXCLUDED.seen_at`
})

export interface KnownSquad {
  readonly uuid: string
  readonly name: string
}

/** The squads an admin may pick from, by name. */
export const knownSquads = Effect.fn("knownSquads")(function* () {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<KnownSquad>`SELECT uuid, name FROM panel_squads ORDER BY name, uuid`
})

export type SquadToggle =
  | { readonly _tag: "Toggled"; readonly squads: ReadonlyArray<string> }
  | { readonly _tag: "UnknownPlan" }
  | { readonly _tag: "UnknownSquad" }
  | { readonly _tag: "TooMany" }

/**
 * Adds the squad to the plan's squads, or removes it when it is there — only a
 * squad the panel listed at the last sync is added (one statement: the check
 * and the write see the same rows).
 */
export const togglePlanSquad = Effect.fn("togglePlanSquad")(function* (botId: number, planId: number, uuid: string) {
  const sql = yield* SqlClient.SqlClient
  const squad = uuid.toLowerCase()
  const [row] = yield* sql<{ found: boolean; known: boolean; squads: ReadonlyArray<string> | null }>`
    WITH plan AS (SELECT id, active_internal_squads AS squads FROM bot_plans WHERE bot_id = ${botId} AND id = ${planId}),
    known AS (SELECT EXISTS (SELECT 1 FROM panel_squads WHERE uuid = ${squad}) AS known),
    updated AS (
      UPDATE bot_plans b
      SET active_internal_squads = CASE WHEN ${squad} = ANY (p.squads) THEN array_remove(p.squads, ${squad})
                                        ELSE array_append(p.squads, ${squad}) END
      FROM plan p, known k
      WHERE b.bot_id = ${botId} AND b.id = p.id
        AND (${squad} = ANY (p.squads) OR (k.known AND cardinality(p.squads) < ${MAX_SQUADS}))
      RETURNING b.active_internal_squads AS squads
    )
    SELECT EXISTS (SELECT 1 FROM plan) AS found, (SELECT known FROM known) AS known,
           (SELECT squads FROM updated) AS squads`
  if (!row?.found) return { _tag: "UnknownPlan" } satisfies SquadToggle
  if (row.squads !== null) return { _tag: "Toggled", squads: row.squads } satisfies SquadToggle
  return (row.known ? { _tag: "TooMany" } : { _tag: "UnknownSquad" }) satisfies SquadToggle
})
