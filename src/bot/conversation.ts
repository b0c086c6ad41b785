/**
 * Where a (chat, user) is in a multi-step flow, kept in PostgreSQL
 * (`conversation_states`, tenant-scoped by row-level security) so it survives a
 * restart or a move to another replica. Read and written inside the update's
 * transaction, so a state change commits with the rest of the update.
 */
import { Effect, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { Language } from "../tenants/tenant-cache.ts"
import { TEXT_KINDS } from "../tenants/tenant-texts.ts"
import { BroadcastContentSchema } from "../shop/broadcasts.ts"
import { Segment } from "../tenants/broadcasts.ts"

const Id = Schema.Int.check(Schema.isGreaterThan(0))

export const ConversationState = Schema.Union([
  /** The user owes a receipt for this card payment. */
  Schema.Struct({ step: Schema.Literal("receipt"), paymentId: Id }),
  /** The user is typing a top-up amount. */
  Schema.Struct({ step: Schema.Literal("topup_amount") }),
  /** The user is typing a message to support. */
  Schema.Struct({ step: Schema.Literal("ticket") }),
  /** An admin is typing why they reject this payment. */
  Schema.Struct({ step: Schema.Literal("reject_reason"), paymentId: Id }),
  /** An admin is typing a customer's Telegram id or @username. */
  Schema.Struct({ step: Schema.Literal("customer_search") }),
  /** An admin is typing a wallet adjustment (signed amount and reason) for this customer. */
  Schema.Struct({ step: Schema.Literal("customer_wallet"), userId: Id }),
  /** An admin is typing days to add or take from this customer's subscription. */
  Schema.Struct({ step: Schema.Literal("customer_days"), userId: Id }),
  /** The customer is typing a promo code. */
  Schema.Struct({ step: Schema.Literal("promo_code") }),
  /** An admin is typing a new promo code's terms. */
  Schema.Struct({ step: Schema.Literal("promo_new") }),
  /** An admin is typing the shop's own text (issue 19); with `html`, it waits for Save after the preview. */
  Schema.Struct({
    step: Schema.Literal("tenant_text"),
    kind: Schema.Literals(TEXT_KINDS),
    language: Language,
    html: Schema.optional(Schema.String)
  }),
  /** An admin is composing a broadcast (src/bot/shop/broadcast.ts): its message, */
  Schema.Struct({ step: Schema.Literal("broadcast_content") }),
  /** whether it gets a button, */
  Schema.Struct({ step: Schema.Literal("broadcast_button"), draft: BroadcastContentSchema }),
  /** the link button's label and URL, */
  Schema.Struct({ step: Schema.Literal("broadcast_url"), draft: BroadcastContentSchema }),
  /** who gets it, */
  Schema.Struct({ step: Schema.Literal("broadcast_segment"), draft: BroadcastContentSchema }),
  /** and the confirmation after the preview. */
  Schema.Struct({ step: Schema.Literal("broadcast_confirm"), draft: BroadcastContentSchema, segment: Segment })
])
export type ConversationState = typeof ConversationState.Type

const decodeState = Schema.decodeUnknownOption(Schema.fromJsonString(ConversationState))

export interface ConversationKey {
  readonly botId: number
  readonly chatId: number
  readonly userId: number
}

/** The current state; a stored value this version cannot read counts as none. */
export const getConversation = Effect.fn("getConversation")(function* (key: ConversationKey) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ json: string }>`
    SELECT state::text AS json FROM conversation_states
    WHERE bot_id = ${key.botId} AND chat_id = ${key.chatId} AND user_id = ${key.userId}`
  return row ? decodeState(row.json) : Option.none<ConversationState>()
})

export const setConversation = Effect.fn("setConversation")(function* (key: ConversationKey, state: ConversationState) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    INSERT INTO conversation_states (bot_id, chat_id, user_id, state)
    VALUES (${key.botId}, ${key.chatId}, ${key.userId}, ${JSON.stringify(state)}::jsonb)
    ON CONFLICT (bot_id, chat_id, user_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`
})

export const clearConversation = Effect.fn("clearConversation")(function* (key: ConversationKey) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    DELETE FROM conversation_states
    WHERE bot_id = ${key.botId} AND chat_id = ${key.chatId} AND user_id = ${key.userId}`
})
