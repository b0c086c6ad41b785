/**
 * "Reset devices": the customer's panel user forgets its HWID devices, so they
 * can connect new ones within their device limit. Queued as an outbox task in
 * the update's transaction (the panel is called after commit,
 * src/outbox/reset-devices.ts); false when there is no provisioned subscription.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { enqueueTask } from "../payments/outbox.ts"

export const requestDeviceReset = Effect.fn("requestDeviceReset")(function* (botId: number, userId: number) {
  const sql = yield* SqlClient.SqlClient
  const [sub] = yield* sql<{ id: number }>`
    SELECT id FROM subscriptions WHERE bot_id = ${botId} AND user_id = ${userId} AND panel_uuid IS NOT NULL`
  if (!sub) return false
  yield* enqueueTask(botId, "reset_devices", sub.id)
  return true
})
