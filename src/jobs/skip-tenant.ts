/**
 * A fleet-wide reader meets one tenant it cannot read (a bad row, a value that
 * fails to load): it reports that tenant — a warning naming it and
 * `botfleet_tenant_skipped_total{reader,bot_id}` — and goes on with the others,
 * instead of failing for every tenant.
 */
import { Cause, Effect } from "effect"
import { tenantSkips } from "../metrics/registry.ts"

export const reportSkippedTenant = (reader: string, botId: number, error: unknown) =>
  Effect.sync(() => tenantSkips.inc({ reader, bot_id: String(botId) })).pipe(
    Effect.andThen(
      Effect.logWarning(`${reader}: tenant ${botId} skipped: ${error instanceof Error ? error.message : String(error)}`)
    ),
    Effect.annotateLogs({ botId, reader })
  )

/** `effect` for one tenant, or undefined (reported) when it fails. */
export const orSkipTenant =
  (reader: string, botId: number) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A | undefined, never, R> =>
    Effect.catchCause(effect, (cause) => Effect.as(reportSkippedTenant(reader, botId, Cause.squash(cause)), undefined))
