/**
 * Sends that Telegram refuses for good. A user who blocked the bot gets 403
 * "Forbidden: bot was blocked by the user" on every send until they write again;
 * a deleted account, a chat the bot was removed from or never saw answers 403 or
 * 400 "chat not found" likewise, and a callback query answered too late 400 "query
 * is too old". Retrying such a call cannot help, and the work
 * around it (the update's database effects, the notice's bookkeeping) must not be
 * undone because of it: the caller records the refusal and carries on.
 */
import { GrammyError } from "grammy"

export type SendRefusal = "blocked" | "forbidden" | "chat_not_found" | "query_too_old"

export interface RefusedSend {
  readonly reason: SendRefusal
  /** The chat the refused call was for, when the call named one by number. */
  readonly chatId: number | undefined
  readonly description: string
}

/** The refusal behind `error`, if it is one that no retry can turn around. */
export const refusedForGood = (error: unknown): RefusedSend | undefined => {
  if (!(error instanceof GrammyError)) return undefined
  const description = error.description
  let reason: SendRefusal | undefined
  if (error.error_code === 403) reason = /blocked by the user/i.test(description) ? "blocked" : "forbidden"
  else if (error.error_code === 400 && /chat not found/i.test(description)) reason = "chat_not_found"
  // A button pressed long ago (or answered twice): the answer can never be shown.
  else if (error.error_code === 400 && /query is too old/i.test(description)) reason = "query_too_old"
  if (reason === undefined) return undefined
  const chatId = (error.payload as { chat_id?: unknown } | undefined)?.chat_id
  return { reason, chatId: typeof chatId === "number" ? chatId : undefined, description }
}
