import { randomBytes } from "node:crypto"

const TOKEN_RE = /^(\d{1,20}):([A-Za-z0-9_-]{35})$/
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

/** Bot id encoded in a well-formed token, or undefined when malformed. */
export function botIdOfToken(token: string): number | undefined {
  const m = TOKEN_RE.exec(token)
  return m ? Number(m[1]) : undefined
}

export function makeToken(botId: number): string {
  const bytes = randomBytes(35)
  let secret = ""
  for (const b of bytes) secret += ALPHABET[b & 63]
  return `${botId}:${secret}`
}
