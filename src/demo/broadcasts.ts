/**
 * A few seconds into the demo, each shop's admins tell their active subscribers
 * about the promo code: one broadcast per shop, started as the REST API starts
 * one (src/shop/broadcasts.ts), delivered by the service's broadcast worker at
 * the shop's pace. The summary follows each broadcast's counts live.
 *
 * Active subscribers only: every other customer is still in the middle of a
 * journey, waiting for the bot's next message, and would take the broadcast
 * for it.
 */
import type { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import { startBroadcast } from "../shop/broadcasts.ts"
import { broadcastSummary } from "../tenants/broadcasts.ts"
import type { BroadcastSummary } from "../tenants/broadcasts.ts"
import { withTenant } from "../db/tenant.ts"
import { DEMO_PROMO_CODE } from "./tenants.ts"
import type { DemoTenant, Language } from "./tenants.ts"

type Run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Promise<A>

const ANNOUNCEMENT: Record<Language, string> = {
  fa: `🎉 هدیه ما به مشترکان: با کد ${DEMO_PROMO_CODE} خرید بعدی ۲۰٪ ارزان‌تر است.`,
  en: `🎉 A gift for our subscribers: code ${DEMO_PROMO_CODE} takes 20% off your next plan.`,
  ru: `🎉 Подарок подписчикам: код ${DEMO_PROMO_CODE} даёт скидку 20% на следующий тариф.`
}

export interface DemoBroadcasts {
  /** Each shop's broadcast as the service counts it (undefined before it starts). */
  readonly summaries: () => Promise<ReadonlyArray<BroadcastSummary | undefined>>
  readonly stop: () => void
}

export const startDemoBroadcasts = (run: Run, tenants: ReadonlyArray<DemoTenant>, afterMs: number): DemoBroadcasts => {
  const ids: Array<number | undefined> = tenants.map(() => undefined)
  const timer = setTimeout(() => {
    for (const tenant of tenants) {
      run(
        startBroadcast(tenant.botId, {
          content: { text: ANNOUNCEMENT[tenant.spec.language], entities: null, photo: null, button: { kind: "menu" } },
          segment: "active",
          createdBy: "demo"
        })
      ).then(
        (id) => {
          ids[tenant.index] = id
        },
        (error: unknown) => console.error(`demo: @${tenant.username} could not start its broadcast:`, error)
      )
    }
  }, afterMs)
  return {
    summaries: () =>
      Promise.all(
        tenants.map((tenant) => {
          const id = ids[tenant.index]
          return id === undefined ? undefined : run(withTenant(tenant.botId, broadcastSummary(tenant.botId, id)))
        })
      ),
    stop: () => clearTimeout(timer)
  }
}
