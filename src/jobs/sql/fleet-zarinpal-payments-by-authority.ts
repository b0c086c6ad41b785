/**
 * Our payments among the authorities ZarinPal listed as paid but unverified,
 * limited to the tenants that use the merchant asked (merchants can be shared;
 * an authority is unique across tenants). Authorities we do not know belong to
 * other systems on the same merchant and are ignored. A cancelled payment is
 * listed only while recently cancelled (RECENTLY_CANCELLED_HOURS): ZarinPal
 * holding it as paid means the cancel was wrong (a forged Status=NOK).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export interface KnownAuthority {
  readonly id: number
  readonly botId: number
  readonly status: "pending" | "paid" | "failed" | "cancelled" | "expired"
  readonly zarinpalAuthority: string
}

export const RECENTLY_CANCELLED_HOURS = 72

export const fleetZarinpalPaymentsByAuthority = Effect.fn("fleetZarinpalPaymentsByAuthority")(function* (
  authorities: ReadonlyArray<string>,
  botIds: ReadonlyArray<number>
) {
  if (authorities.length === 0 || botIds.length === 0) return []
  const sql = yield* SqlClient.SqlClient
  return yield* sql<KnownAuthority>`
      SELECT id, bot_id, status, zarinpal_authority FROM zarinpal_payments
      WHERE zarinpal_authority = ANY(${authorities}::text[]) AND bot_id = ANY(${botIds}::bigint[])
        AND (status <> 'cancelled' OR updated_at > now() - make_interval(hours => ${RECENTLY_CANCELLED_HOURS}))
      ORDER BY id`
})
