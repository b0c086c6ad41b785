/**
 * Every bound on a tenant-supplied value, in one place (README "Limits" lists
 * them). Each is chosen so that whatever is derived from it fits its column and
 * JavaScript's safe integers (2^53 − 1):
 *
 * - traffic: a plan sells at most MAX_PLAN_TRAFFIC_GB (10,000 GiB ≈ 1.1e13
 *   bytes per sale); the per-bot byte counters saturate at 2^53 − 1 (SQL
 *   `LEAST`, migrations/009 adds CHECKs), so no number of sales can make a
 *   row undecodable;
 * - money: a price, a payment amount or a top-up is at most MAX_MONEY (10^12,
 *   a trillion units); a sale's platform charge is at most
 *   MAX_PLAN_TRAFFIC_GB × MAX_TRAFFIC_RATE_PER_GB = 10^13; sums shown by the
 *   API saturate at 2^53 − 1;
 * - time: a plan is at most MAX_PLAN_DAYS (3,650) days, payment TTLs at most a
 *   week (card) or a day (ZarinPal), so `now() + interval` never leaves the
 *   timestamp range and a purchase never fails later in SQL;
 * - JSON: a configuration value is at most CONFIG_VALUE_MAX_BYTES once
 *   serialised and CONFIG_VALUE_MAX_DEPTH deep, a tenant has at most
 *   CONFIG_MAX_KEYS keys; a request body at most REQUEST_JSON_MAX_DEPTH deep;
 * - text: names are at most 255 characters (a plan's MAX_PLAN_NAME_LENGTH)
 *   and never contain control characters (they reach terminals and chats).
 */

/** Number.MAX_SAFE_INTEGER, spelled for SQL literals. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER
export const INT4_MAX = 2_147_483_647

/** Prices, payment amounts, top-ups, thresholds: in the tenant's currency unit. */
export const MAX_MONEY = 1_000_000_000_000
/** What the operator may charge a tenant per GB sold. */
export const MAX_TRAFFIC_RATE_PER_GB = 1_000_000_000
/** Traffic a plan sells (GiB); 0 means unlimited. */
export const MAX_PLAN_TRAFFIC_GB = 10_000
/** A plan's period. */
export const MAX_PLAN_DAYS = 3650
export const MAX_DEVICE_LIMIT = 1000
/** Remnawave internal squads a plan (or the tenant default, or the trial) gives its users. */
export const MAX_SQUADS = 20
/** A free trial's length. */
export const MAX_TRIAL_DAYS = 30
export const MAX_PLAN_NAME_LENGTH = 100
export const MAX_DESCRIPTION_LENGTH = 2000
export const MAX_NAME_LENGTH = 255
export const MAX_CARD_TTL_MINUTES = 7 * 24 * 60
export const MAX_ZARINPAL_TTL_MINUTES = 24 * 60
export const MAX_ROTATION_INTERVAL_MINUTES = 365 * 24 * 60
export const MAX_CARD_WEIGHT = 1000
export const MAX_ADMIN_IDS = 50
/**
 * Why an admin adjusted a customer's wallet (kept on the ledger entry and in the
 * audit); the amount is bounded by MAX_MONEY either way, a subscription days
 * change by MAX_PLAN_DAYS either way.
 */
export const MAX_ADJUSTMENT_REASON_LENGTH = 200
/**
 * A broadcast's pace (BROADCAST_MESSAGES_PER_SECOND). Telegram lets a bot send
 * about 30 messages a second (1,000 is its ceiling for paid broadcasts, which are
 * not used); more is for a Bot API server that admits it, e.g. the emulator.
 */
export const MAX_BROADCAST_MESSAGES_PER_SECOND = 1000

/** A configuration value, serialised as JSON (UTF-8 bytes). */
export const CONFIG_VALUE_MAX_BYTES = 4096
/** Nesting of a configuration value or a feature flag's settings. */
export const CONFIG_VALUE_MAX_DEPTH = 8
/** Keys a tenant may store. */
export const CONFIG_MAX_KEYS = 100
/** Nesting of any JSON request body. */
export const REQUEST_JSON_MAX_DEPTH = 32
/** An API request body. */
export const REQUEST_BODY_MAX_BYTES = 64 * 1024
/** Oldest and latest dates a query may name (PostgreSQL's timestamptz goes further, JavaScript's Date less). */
export const MIN_QUERY_DATE = Date.UTC(1970, 0, 1)
export const MAX_QUERY_DATE = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/**
 * How deep `value` nests (a scalar is 0, `[]` is 1), counted without recursion
 * so a hostile 100,000-deep array cannot overflow the stack; stops counting
 * past `stopAt`.
 */
export const jsonDepth = (value: unknown, stopAt = Number.POSITIVE_INFINITY): number => {
  let max = 0
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (typeof v !== "object" || v === null) continue
    const d = depth + 1
    if (d > max) max = d
    if (max > stopAt) return max
    const children = Array.isArray(v) ? v : Object.values(v)
    for (const child of children) if (typeof child === "object" && child !== null) stack.push([child, d])
  }
  return max
}

/**
 * How deep JSON text nests, read from the text itself (brackets outside
 * strings) before anything parses it: a body can be refused without building
 * it. Stops counting past `stopAt`.
 */
export const jsonTextDepth = (text: string, stopAt = Number.POSITIVE_INFINITY): number => {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      depth++
      if (depth > max) {
        max = depth
        if (max > stopAt) return max
      }
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--
  }
  return max
}

/** UTF-8 bytes of the value's JSON. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8")

/**
 * Why a JSON value is too big for a configuration value or a flag's settings
 * (CONFIG_VALUE_MAX_DEPTH levels, `maxBytes` of JSON — CONFIG_VALUE_MAX_BYTES unless the key
 * says otherwise), or undefined.
 */
export const jsonShapeProblem = (value: unknown, maxBytes: number = CONFIG_VALUE_MAX_BYTES): string | undefined => {
  if (jsonDepth(value, CONFIG_VALUE_MAX_DEPTH) > CONFIG_VALUE_MAX_DEPTH) {
    return `must nest at most ${CONFIG_VALUE_MAX_DEPTH} levels deep`
  }
  let bytes: number
  try {
    bytes = jsonBytes(value)
  } catch {
    return "must be a JSON value"
  }
  return bytes > maxBytes ? `must be at most ${maxBytes} bytes of JSON (is ${bytes})` : undefined
}

/** C0 and C1 control characters, DEL, and the bidi embedding/override/isolate controls that can disguise text
 * (ZWNJ and the LRM/RLM marks that Persian text uses stay allowed). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

export const hasControlCharacters = (text: string): boolean => CONTROL.test(text)

const CONTROL_GLOBAL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** `text` safe to print on a terminal or a one-line log: every control character becomes `?`. */
export const stripControlCharacters = (text: string): string => text.replace(CONTROL_GLOBAL, "?")

/** Checks a name: trimmed, 1 to `max` characters, no control characters. The reason, or undefined when fine. */
export const nameProblem = (name: unknown, max = MAX_NAME_LENGTH): string | undefined => {
  if (typeof name !== "string") return "must be a string"
  const trimmed = name.trim()
  if (trimmed.length === 0 || trimmed.length > max) return `must be 1 to ${max} characters`
  if (hasControlCharacters(trimmed)) return "must not contain control characters (newlines, escapes)"
  return undefined
}
