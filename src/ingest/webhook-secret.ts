/**
 * The secret Telegram sends with every webhook POST of a bot
 * (`X-Telegram-Bot-Api-Secret-Token`, set by setWebhook's `secret_token`).
 *
 * Derived, not stored: HMAC-SHA256 keyed with the bot's token over a fixed
 * label, base64url (43 characters of Telegram's allowed A-Z a-z 0-9 _ -). Every
 * replica computes the same secret with what the watcher already holds, a
 * token change changes it, and it reveals nothing about the token — whoever
 * could compute it holds the token, and with it the power to set the webhook
 * anyway.
 */
import { createHmac, timingSafeEqual } from "node:crypto"

const LABEL = "botfleet webhook secret v1"

export const webhookSecret = (token: string): string => createHmac("sha256", token).update(LABEL).digest("base64url")

/** Whether `presented` (the request's header) is the bot's secret; constant time. */
export const isWebhookSecret = (token: string, presented: string | undefined): boolean => {
  if (presented === undefined) return false
  const expected = Buffer.from(webhookSecret(token))
  const given = Buffer.from(presented)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** Where Telegram delivers a bot's updates: on HTTP_PORT, under PUBLIC_URL. */
export const webhookUrl = (publicUrl: string, botId: number): string =>
  `${publicUrl.replace(/\/+$/, "")}/telegram/webhook/${botId}`
