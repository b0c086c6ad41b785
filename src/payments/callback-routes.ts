/** Payment provider callbacks (`/payments/zarinpal/callback/:botId`), mounted on the HTTP server. */
import { Layer } from "effect"

export const PaymentCallbackRoutes = Layer.empty
