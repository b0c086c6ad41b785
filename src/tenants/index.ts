/**
 * The tenant repositories: the bots registry and each bot's flags,
 * configuration, payment cards and plans. `TenantsLive` needs a `SqlClient`.
 */
import { Layer } from "effect"
import { Bots } from "./bots.ts"
import { Configurations } from "./configurations.ts"
import { FeatureFlags } from "./feature-flags.ts"
import { PaymentCards } from "./payment-cards.ts"
import { Plans } from "./plans.ts"

export * from "./bots.ts"
export * from "./configurations.ts"
export * from "./errors.ts"
export * from "./feature-flags.ts"
export * from "./payment-cards.ts"
export * from "./plans.ts"

export const TenantsLive = Layer.mergeAll(
  Bots.layer,
  FeatureFlags.layer,
  Configurations.layer,
  PaymentCards.layer,
  Plans.layer
)
