/**
 * Secrets of a tenant: its Telegram token (validated, never logged) and its API
 * token (32 random bytes, URL-safe, shown once; only the SHA-256 hash is kept).
 */
import { createHash, randomBytes } from "node:crypto"

const TELEGRAM_TOKEN = /^(\d{3,15}):[A-Za-z0-9_-]{35}$/

/** The bot's Telegram id (the digits before the colon), or undefined when malformed. */
export const telegramBotIdOf = (token: string): number | undefined => {
  const match = TELEGRAM_TOKEN.exec(token)
  return match ? Number(match[1]) : undefined
}

export const generateApiToken = (): string => randomBytes(32).toString("base64url")

export const sha256Hex = (value: string): string => createHash("sha256").update(value).digest("hex")

export const hashApiToken = sha256Hex

/** `123456:AB…yz` → `123456:***` for anything shown to people. */
export const maskTelegramToken = (token: string): string => `${token.split(":")[0] ?? ""}:***`
