// Validation of the `entities` / `caption_entities` a bot supplies, in two steps
// as on the real server: the Bot API server parses each MessageEntity
// (Client::get_text_entity, get_text_entity_type, with td::JsonObject's field
// errors), then TDLib checks their ranges against the text when the message is
// sent (MessageEntity.cpp: fix_formatted_text, clean_input_string_with_entities).
// Offsets and lengths are in UTF-16 code units.
import { badRequest } from "./errors.ts"
import type { ApiError } from "./errors.ts"
import type { MessageEntity } from "./types.ts"

type Obj = Record<string, unknown>

class FieldError extends Error {}

const fieldMissing = (name: string) => new FieldError(`Can't find field "${name}"`)

/** get_required_int_field / get_required_long_field: a Number, or a String holding an integer. */
function requiredInt(o: Obj, name: string, bits: 32 | 64): number {
  if (!(name in o)) throw fieldMissing(name)
  const v = o[name]
  let text: string
  if (typeof v === "number") text = String(v)
  else if (typeof v === "string") text = v
  else throw new FieldError(`Field "${name}" must be a Number`)
  const valid = /^-?\d+$/.test(text)
  const n = valid ? Number(text) : NaN
  const limit = bits === 32 ? 2 ** 31 : 2 ** 63
  if (!valid || n < -limit || n >= limit) throw new FieldError(`Field "${name}" must be a valid Number`)
  return n
}

/** get_required_string_field / get_optional_string_field: a String (a Number is taken as its text). */
function stringField(o: Obj, name: string, required: boolean): string | undefined {
  if (!(name in o)) {
    if (required) throw fieldMissing(name)
    return undefined
  }
  const v = o[name]
  if (typeof v === "string") return v
  if (typeof v === "number") return String(v)
  throw new FieldError(`Field "${name}" must be of type String`)
}

/** Types the Bot API server drops without a look: TDLib finds them in the text itself. */
const DETECTED = new Set([
  "mention",
  "hashtag",
  "cashtag",
  "bot_command",
  "url",
  "email",
  "phone_number",
  "bank_card_number"
])
const PLAIN = new Set([
  "bold",
  "italic",
  "underline",
  "strikethrough",
  "spoiler",
  "code",
  "blockquote",
  "expandable_blockquote"
])

/** One entity as get_text_entity reads it; undefined for the kinds it skips. */
function parseEntity(value: unknown): MessageEntity | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new FieldError("expected an Object")
  const o = value as Obj
  const offset = requiredInt(o, "offset", 32)
  const length = requiredInt(o, "length", 32)
  const type = stringField(o, "type", true)!
  if (type === "") throw new FieldError("Type is not specified")
  const entity: MessageEntity = { type, offset, length }
  if (PLAIN.has(type)) return entity
  if (DETECTED.has(type)) return undefined
  switch (type) {
    case "pre": {
      const language = stringField(o, "language", false)
      if (language) entity.language = language
      return entity
    }
    case "text_link":
      entity.url = stringField(o, "url", true)!
      return entity
    case "text_mention": {
      if (!("user" in o)) throw fieldMissing("user")
      const user = o.user
      if (typeof user !== "object" || user === null || Array.isArray(user))
        throw new FieldError('Field "user" must be of type Object')
      requiredInt(user as Obj, "id", 64)
      entity.user = user as MessageEntity["user"]
      return entity
    }
    case "custom_emoji":
      entity.custom_emoji_id = String(requiredInt(o, "custom_emoji_id", 64))
      return entity
    case "date_time": {
      requiredInt(o, "unix_time", 32)
      const format = stringField(o, "date_time_format", false) ?? ""
      if (format !== "" && format !== "r" && format !== "R" && !/^[tTdDwW]+$/.test(format)) {
        throw new FieldError("Invalid date-time format specified")
      }
      Object.assign(entity, { unix_time: o.unix_time, ...(format === "" ? {} : { date_time_format: format }) })
      return entity
    }
    default:
      throw new FieldError("Unsupported type specified")
  }
}

/**
 * get_formatted_text, when no parse_mode is given: the supplied entities (a
 * JSON array; anything else means none), or 400 "can't parse MessageEntity: …".
 */
export function parseEntities(input: unknown): MessageEntity[] {
  if (!Array.isArray(input)) return []
  const out: MessageEntity[] = []
  for (const value of input) {
    let entity: MessageEntity | undefined
    try {
      entity = parseEntity(value)
    } catch (e) {
      if (e instanceof FieldError) throw badRequest(`can't parse MessageEntity: ${e.message}`)
      throw e
    }
    if (entity) out.push(entity)
  }
  return out
}

/** fail_query_with_error's wording of a TDLib message: first letter lower-cased. */
const tdlibError = (message: string): ApiError => badRequest(message.charAt(0).toLowerCase() + message.slice(1))

/**
 * TDLib's range checks (fix_formatted_text → clean_input_string_with_entities)
 * on the text as sent; returns the entities sorted as TDLib keeps them, without
 * empty ones.
 */
export function checkEntityRanges(text: string, entities: MessageEntity[]): MessageEntity[] {
  for (const e of entities) {
    if (e.offset < 0 || e.offset > 1_000_000) throw tdlibError(`Receive an entity with incorrect offset ${e.offset}`)
    if (e.length < 0 || e.length > 1_000_000) throw tdlibError(`Receive an entity with incorrect length ${e.length}`)
  }
  const sorted = entities.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset || b.length - a.length)
  const stack: MessageEntity[] = []
  let next = 0
  let utf16 = 0
  let bytePos = 0
  const codePoints = [...text]
  for (let i = 0; ; i++) {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      const end = top.offset + top.length
      if (utf16 < end) break
      if (utf16 !== end) {
        throw tdlibError(
          `Entity beginning at UTF-16 offset ${top.offset} ends in a middle of a UTF-16 symbol at byte offset ${bytePos}`
        )
      }
      stack.pop()
    }
    while (next < sorted.length && utf16 >= sorted[next]!.offset) {
      if (utf16 !== sorted[next]!.offset) {
        throw tdlibError(`Entity begins in a middle of a UTF-16 symbol at byte offset ${bytePos}`)
      }
      stack.push(sorted[next++]!)
    }
    if (i === codePoints.length) break
    const cp = codePoints[i]!
    utf16 += cp.length
    bytePos += Buffer.byteLength(cp)
  }
  if (next !== sorted.length) {
    throw tdlibError(`Entity begins after the end of the text at UTF-16 offset ${sorted[next]!.offset}`)
  }
  if (stack.length > 0) {
    const top = stack[stack.length - 1]!
    throw tdlibError(
      `Entity beginning at UTF-16 offset ${top.offset} ends after the end of the text at UTF-16 offset ${top.offset + top.length}`
    )
  }
  return sorted
}
