/**
 * What some notices carry for the notice worker to render (the kinds themselves:
 * src/tenants/notices.ts).
 */
import type { CompletedPurchase } from "../messages/payment-messages.ts"

/** What the user is told after a job credited their ZarinPal payment (stored as JSON with the notice). */
export interface ZarinpalPaidPayload {
  readonly amount: number
  readonly balanceAfterDeposit: number
  readonly purchase: CompletedPurchase | null
}
