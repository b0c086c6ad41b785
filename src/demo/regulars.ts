/**
 * The regular customers each demo shop opens with, so the customer lifecycle's
 * jobs show in the demo's first minute. Each bought the shop's first plan from
 * their wallet "a month ago" — through the same purchase code as any wallet
 * sale, in one tenant transaction, after which the demo moves the new
 * subscription's period back so that its month is nearly over:
 *
 *  - `renews`: 20 hours left, auto-renewal switched on and the price in the
 *    wallet → the auto_renewal job charges the wallet, extends the subscription
 *    and tells the customer (AUTO_RENEW_HOURS_BEFORE is 24);
 *  - `reminded`: 2½ days left, auto-renewal off → the subscription_expiry job's
 *    "ends in 3 days" reminder (EXPIRY_REMINDER_DAYS 3,1), with a Renew button.
 *
 * Moving dates is the demo's only shortcut; everything after it is the service's.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { withTenant } from "../db/tenant.ts"
import type { TelegramEmulator } from "../emulators/telegram/index.ts"
import { completePurchase } from "../payments/purchase.ts"
import { creditWallet } from "../payments/wallet.ts"
import { setAutoRenew } from "../shop/auto-renewal.ts"
import { upsertUser } from "../tenants/users.ts"
import type { DemoTenant } from "./tenants.ts"

const HOUR = 3_600_000
const DAY = 24 * HOUR

export type RegularKind = "renews" | "reminded"

const REGULARS: ReadonlyArray<{ readonly kind: RegularKind; readonly leftMs: number }> = [
  { kind: "renews", leftMs: 20 * HOUR },
  { kind: "reminded", leftMs: 2.5 * DAY }
]

type Run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Promise<A>

export const seedRegulars = async (run: Run, telegram: TelegramEmulator, tenants: ReadonlyArray<DemoTenant>) => {
  for (const tenant of tenants) {
    const spec = tenant.spec.plans[0]!
    const plan = tenant.plans[0]!
    for (const [i, regular] of REGULARS.entries()) {
      const telegramId = (tenant.index + 1) * 1_000_000 + 900_000 + i
      const user = {
        id: telegramId,
        is_bot: false as const,
        first_name: tenant.spec.customerNames[i]!,
        language_code: tenant.spec.language
      }
      // They started the bot long ago: Telegram lets it write to them.
      telegram.openPrivateChat(tenant.token, { userId: telegramId, user })
      await run(
        withTenant(
          tenant.botId,
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const row = yield* upsertUser(tenant.botId, user)
            // A month's price to buy with, and another for the auto-renewal.
            const deposits = regular.kind === "renews" ? 2 : 1
            yield* creditWallet(tenant.botId, row.id, {
              amount: plan.price * deposits,
              type: "deposit",
              method: "admin",
              reference: `demo-regular-${telegramId}`
            })
            const sale = yield* completePurchase(tenant.botId, {
              userId: row.id,
              telegramId,
              plan: {
                id: plan.id,
                name: plan.name,
                periodDays: spec.periodDays,
                trafficLimitGb: spec.trafficLimitGb ?? 0,
                deviceLimit: spec.deviceLimit ?? 1
              },
              price: plan.price,
              method: "wallet",
              reference: `demo-regular-sale-${telegramId}`
            })
            if (sale._tag !== "Completed") return yield* Effect.die(new Error("the demo shop refused a regular's sale"))
            const expiresAt = new Date(Date.now() + regular.leftMs)
            yield* sql`
              UPDATE subscriptions
              SET expires_at = ${expiresAt}, period_started_at = ${new Date(expiresAt.getTime() - spec.periodDays * DAY)}
              WHERE bot_id = ${tenant.botId} AND id = ${sale.subscriptionId}`
            if (regular.kind === "renews") yield* setAutoRenew(tenant.botId, row.id, true)
          })
        )
      )
    }
  }
}
