/**
 * What `POST /telegram/webhook/<bot id>` does with a delivery (any replica can
 * receive it): the bot must be active and in webhook mode here, the secret
 * header must be the bot's, and the body one update; then the update is stored
 * in the inbox — the bucket's owner is told by NOTIFY — and only after the
 * commit does Telegram get its 200. Anything refused stores nothing.
 *
 * A bot that is not (or no longer) a webhook bot gets 503: Telegram keeps the
 * update and retries, and once the webhook is deleted it is there for
 * getUpdates — a mode switch loses nothing.
 */
import { Effect, Redacted, Schema } from "effect"
import type { Update } from "grammy/types"
import { storeUpdates } from "../db/update-bookkeeping.ts"
import { isWebhookSecret } from "./webhook-secret.ts"

/** Telegram's updates are far below this; a larger body is not one of them. */
export const WEBHOOK_BODY_MAX_BYTES = 1024 * 1024

const UpdateShape = Schema.Struct({
  update_id: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(2 ** 31))
})
const isUpdate = Schema.is(UpdateShape)

export type WebhookOutcome =
  | { readonly status: 200; readonly stored: boolean }
  | { readonly status: 400 | 401 | 404 | 503; readonly reason: string }

/** What the receiver needs to know of an active bot (the supervisor's watcher has it). */
export interface ActiveBots {
  readonly get: (
    botId: number
  ) => { readonly token: Redacted.Redacted<string>; readonly ingestMode: "polling" | "webhook" } | undefined
}

export const receiveWebhook = (watcher: ActiveBots, botId: number, secretHeader: string | undefined, body: unknown) =>
  Effect.gen(function* () {
    const bot = watcher.get(botId)
    if (!bot) return { status: 404, reason: "no such active bot" } satisfies WebhookOutcome
    if (!isWebhookSecret(Redacted.value(bot.token), secretHeader)) {
      return { status: 401, reason: "wrong or missing secret token" } satisfies WebhookOutcome
    }
    if (bot.ingestMode !== "webhook") {
      return { status: 503, reason: "the bot takes its updates by long polling now" } satisfies WebhookOutcome
    }
    if (typeof body !== "object" || body === null || !isUpdate(body)) {
      return { status: 400, reason: "the body is not a Telegram update" } satisfies WebhookOutcome
    }
    const stored = yield* storeUpdates(botId, [body as unknown as Update], { wake: true })
    return { status: 200, stored: stored.size > 0 } satisfies WebhookOutcome
  })
