/**
 * Makes the panel user of a tenant's user match our subscription row: the
 * expiry, traffic and device limits and the internal squads are written as
 * absolute values (devices the user registered are never touched), so running
 * this twice (a retried task, two replicas, a crash after the panel call) leaves
 * the same result. Our database is the source of truth; a renewal has
 * already moved `subscriptions.expires_at` forward in the purchase transaction.
 */
import { DateTime, Effect, Option } from "effect"
import { panelUsername, RemnawaveApiError, RemnawaveClient } from "./remnawave-client.ts"
import type { PanelUser } from "./remnawave-client.ts"

export interface DesiredPanelUser {
  readonly botId: number
  readonly telegramId: number
  readonly expiresAt: Date
  /** 0 = unlimited. */
  readonly trafficLimitBytes: number
  readonly deviceLimit: number
  /** Remnawave internal squad uuids: the whole set the user must have. */
  readonly internalSquads: ReadonlyArray<string>
}

export const syncPanelUser = Effect.fn("syncPanelUser")(function* (desired: DesiredPanelUser) {
  const remnawave = yield* RemnawaveClient
  const username = panelUsername(desired.botId, desired.telegramId)
  const expireAt = DateTime.fromDateUnsafe(desired.expiresAt)
  const update = (user: PanelUser) =>
    remnawave
      .updateUser({
        uuid: user.uuid,
        expireAt,
        trafficLimitBytes: desired.trafficLimitBytes,
        hwidDeviceLimit: desired.deviceLimit,
        activeInternalSquads: desired.internalSquads,
        status: "ACTIVE"
      })
      .pipe(
        Effect.catchTag("RemnawaveUserNotFound", (e) =>
          Effect.fail(new RemnawaveApiError({ operation: "updateUser", status: 404, detail: e.message }))
        )
      )

  const existing = yield* remnawave.getUserByUsername(username)
  if (Option.isSome(existing)) return yield* update(existing.value)
  const created = yield* remnawave
    .createUser({
      username,
      expireAt,
      trafficLimitBytes: desired.trafficLimitBytes,
      trafficLimitStrategy: "NO_RESET",
      hwidDeviceLimit: desired.deviceLimit,
      activeInternalSquads: desired.internalSquads,
      description: `botfleet bot ${desired.botId}, Telegram user ${desired.telegramId}`
    })
    .pipe(
      Effect.map(Option.some),
      // Created meanwhile (another replica, or our own earlier attempt whose answer was lost).
      Effect.catchTag("RemnawaveUserExists", () => Effect.succeed(Option.none<PanelUser>()))
    )
  if (Option.isSome(created)) return created.value
  const found = yield* remnawave.getUserByUsername(username)
  if (Option.isNone(found)) {
    return yield* new RemnawaveApiError({
      operation: "getUserByUsername",
      status: 404,
      detail: `${username} was reported as existing but cannot be found`
    })
  }
  return yield* update(found.value)
})
