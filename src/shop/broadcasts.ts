/**
 * Broadcasts (DESIGN.md §4 "Growth"): what a tenant's admin may send its
 * customers and how one is started — from the bot's admin panel
 * (src/bot/shop/broadcast.ts), the REST API and the demo alike. Starting writes
 * the broadcast and its recipients in one transaction; the broadcast worker
 * (src/outbox/broadcast-worker.ts) sends it at the tenant's pace once it commits.
 */
import { Effect, Schema } from "effect"
import { withTenant } from "../db/tenant.ts"
import { insertBroadcast, segmentSize } from "../tenants/broadcasts.ts"
import type { BroadcastContent, Segment } from "../tenants/broadcasts.ts"
import type { Language } from "../tenants/tenant-cache.ts"

/** Telegram's limits: a text, a photo's caption, an inline button's label. */
export const BROADCAST_TEXT_MAX = 4096
export const BROADCAST_CAPTION_MAX = 1024
export const BUTTON_TEXT_MAX = 64
export const BUTTON_URL_MAX = 2048

export class BroadcastInProgress extends Schema.TaggedError<BroadcastInProgress>()("BroadcastInProgress", {
  botId: Schema.Number
}) {
  readonly code = "broadcast_in_progress"
  override get message() {
    return "a broadcast of this bot is still being sent: wait for it to finish or cancel it"
  }
}

export class EmptySegment extends Schema.TaggedError<EmptySegment>()("EmptySegment", {
  segment: Schema.String
}) {
  readonly code = "empty_segment"
  override get message() {
    return `no customer of segment ${this.segment} can be reached`
  }
}

/** A broadcast's content as JSON (a draft kept between the admin's steps, src/bot/conversation.ts). */
export const BroadcastContentSchema = Schema.Struct({
  text: Schema.String,
  entities: Schema.NullOr(Schema.Array(Schema.Record(Schema.String, Schema.Unknown))),
  photo: Schema.NullOr(Schema.String),
  button: Schema.NullOr(
    Schema.Union([
      Schema.Struct({ kind: Schema.Literal("url"), text: Schema.String, url: Schema.String }),
      Schema.Struct({ kind: Schema.Literal("menu") })
    ])
  )
})

/** What is wrong with a broadcast's content, if anything (the API and the bot refuse it before anything is stored). */
export const contentProblem = (content: BroadcastContent): { field: string; reason: string } | undefined => {
  const max = content.photo === null ? BROADCAST_TEXT_MAX : BROADCAST_CAPTION_MAX
  if (content.photo === null && content.text.trim().length === 0) return { field: "text", reason: "must not be empty" }
  if (content.text.length > max) {
    return { field: "text", reason: `at most ${max} characters${content.photo === null ? "" : " under a photo"}` }
  }
  if (content.photo !== null && !/^(https:\/\/\S{1,2040}|[A-Za-z0-9_-]{10,200})$/.test(content.photo)) {
    return { field: "photo", reason: "a Telegram file_id or an https URL" }
  }
  const button = content.button
  if (button?.kind === "url") {
    if (button.text.trim().length === 0 || button.text.length > BUTTON_TEXT_MAX) {
      return { field: "button.text", reason: `1 to ${BUTTON_TEXT_MAX} characters` }
    }
    if (button.url.length > BUTTON_URL_MAX || !/^(https?|tg):\/\/\S+$/.test(button.url)) {
      return { field: "button.url", reason: "an http(s) or tg:// link" }
    }
  }
  return undefined
}

/** The segment's size as the admin sees it before confirming. */
export const broadcastAudience = (botId: number, segment: Segment) =>
  withTenant(
    botId,
    Effect.map(segmentSize(botId, segment), (size) => ({ reachable: size.total - size.blocked, blocked: size.blocked }))
  )

/**
 * Starts a broadcast: the id, or BroadcastInProgress (one at a time per bot) or
 * EmptySegment. Runs in the caller's tenant transaction when there is one (an
 * update's), else in its own. `progress`: the message to edit in place with the
 * progress and the final report, in the admin's language.
 */
export const startBroadcast = (
  botId: number,
  input: {
    readonly content: BroadcastContent
    readonly segment: Segment
    /** 'admin:<telegram id>' or 'api' (kept for operators). */
    readonly createdBy: string
    readonly progress?: { readonly chatId: number; readonly messageId: number; readonly language: Language }
  }
) =>
  withTenant(
    botId,
    Effect.gen(function* () {
      const size = yield* segmentSize(botId, input.segment)
      if (size.total - size.blocked === 0) return yield* new EmptySegment({ segment: input.segment })
      const id = yield* insertBroadcast(botId, {
        content: input.content,
        segment: input.segment,
        createdBy: input.createdBy,
        progressChatId: input.progress?.chatId ?? null,
        progressMessageId: input.progress?.messageId ?? null,
        progressLanguage: input.progress?.language ?? null
      })
      if (id === undefined) return yield* new BroadcastInProgress({ botId })
      return id
    })
  )
