/**
 * `botfleet_payments_total{bot_id,method,status}`: one increment per payment
 * status change, counted after the change's transaction has done its work.
 */
import { payments } from "../metrics/registry.ts"

export type CountedMethod = "card_to_card" | "zarinpal" | "wallet"
export type CountedStatus =
  | "pending"
  | "approved"
  | "rejected"
  | "cancelled"
  | "expired"
  | "paid"
  | "failed"
  | "refused"

export const countPayment = (botId: number, method: CountedMethod, status: CountedStatus): void => {
  payments.inc({ bot_id: String(botId), method, status })
}
