/**
 * The context every tenant handler sees: grammY's, plus the tenant it runs for,
 * the user row, and `run` — which executes an Effect inside this update's
 * tenant transaction (the one that also records the update as processed).
 */
import type { I18nFlavor } from "@grammyjs/i18n"
import type { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import type { Context } from "grammy"
import type { Tenant } from "../tenants/tenant-cache.ts"
import type { TenantUser } from "../tenants/users.ts"

/** Services an update's effects may use (the transaction is already open). */
export type UpdateServices = SqlClient.SqlClient

export interface BotFlavor {
  readonly tenant: Tenant
  user: TenantUser | undefined
  readonly run: <A, E>(effect: Effect.Effect<A, E, UpdateServices>) => Promise<A>
}

export type BotContext = Context & I18nFlavor & BotFlavor
