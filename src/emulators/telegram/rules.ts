// The emulator's fidelity rules: how strictly it behaves like the real Telegram
// (the official Bot API server, github.com/tdlib/telegram-bot-api, plus the
// limits Telegram's own servers enforce behind it). Every rule is ON by default,
// in tests, the demo and the benchmarks; a caller may switch one off only by
// name (fleet-wide through the options or the control API, or for one token),
// so a relaxation is always explicit and visible where it is made.
import { ControlError } from "./errors.ts"

/**
 * Telegram's flood limits (Bots FAQ, "My bot is hitting limits"): about one
 * message per second in a chat, with short bursts allowed; at most 20 messages
 * per minute to one group; about 30 messages per second from one bot overall.
 * Past them Telegram answers 429 "Too Many Requests: retry after N".
 */
export interface FloodLimits {
  /**
   * Per chat (any type): a token bucket of `burst` messages refilled at
   * `perSecond`. The FAQ gives the rate (1/s) and says "short bursts" pass
   * without a number; 5 is this emulator's assumption.
   */
  readonly perChat: { readonly burst: number; readonly perSecond: number }
  /** Per group or supergroup: at most `count` messages in any `windowMs`. */
  readonly perGroup: { readonly count: number; readonly windowMs: number }
  /** Per bot, all chats together: at most `count` messages in any `windowMs`. */
  readonly perBot: { readonly count: number; readonly windowMs: number }
}

export const DEFAULT_FLOOD_LIMITS: FloodLimits = {
  perChat: { burst: 5, perSecond: 1 },
  perGroup: { count: 20, windowMs: 60_000 },
  perBot: { count: 30, windowMs: 1_000 }
}

export interface EmulatorRules {
  /**
   * process_get_updates_query: a getUpdates with the same offset as the previous
   * one within 0.5 s gets limit 1; within 3 s a timeout below 3 is raised to 3.
   */
  readonly sameOffsetThrottle: boolean
  /**
   * fail_query_conflict: a 409 goes out at once if no other 409 went out at once
   * in the last 3 s, otherwise 3 s late.
   */
  readonly conflictDelay: boolean
  /** Telegram's flood control on sending methods (see FloodLimits). */
  readonly floodControl: boolean
  readonly floodLimits: FloodLimits
  /**
   * check_chat: 400 "chat not found" for a chat the bot has never seen (a user who
   * never wrote to it, a group it is not in); 403 "bot can't initiate conversation
   * with a user" for a user it knows only from a group.
   */
  readonly knownChats: boolean
  /** check_message_topic: 400 "message thread not found" for an unknown topic. */
  readonly forumTopics: boolean
  /**
   * answerCallbackQuery past this age answers 400 "query is too old and response
   * timeout expired or query ID is invalid"; 0 switches the age check off (an
   * unknown or already answered id still fails). The Bot API server only
   * forwards the call (process_answer_callback_query_query); the limit is
   * Telegram's and is not documented: about 15 s was measured
   * (gist.github.com/d-Rickyy-b/f789c75228bf00f572eec4450ed0d7c9).
   */
  readonly callbackQueryTtlMs: number
  /** get_text_entity / TDLib's fix_formatted_text: supplied entities are checked. */
  readonly entityValidation: boolean
  /**
   * The real server accepts only https webhooks on ports 443, 80, 88 or 8443
   * whose IPv4 address is public (WebhookActor::start_up, check_ip_address).
   * OFF by default — the one documented exception — so that tests can receive
   * webhooks on http://127.0.0.1:<port>.
   */
  readonly webhookPublicUrl: boolean
  /**
   * How long a webhook request may take before Telegram gives up ("Read timeout
   * expired") and sends the update again: the idle timeout of the webhook's
   * HttpOutboundConnection, 60 s. Lower only to make a test quick (that is
   * stricter, never more lenient).
   */
  readonly webhookTimeoutMs: number
}

export const DEFAULT_RULES: EmulatorRules = {
  sameOffsetThrottle: true,
  conflictDelay: true,
  floodControl: true,
  floodLimits: DEFAULT_FLOOD_LIMITS,
  knownChats: true,
  forumTopics: true,
  callbackQueryTtlMs: 15_000,
  entityValidation: true,
  webhookPublicUrl: false,
  webhookTimeoutMs: 60_000
}

export type RulesInput = Partial<Omit<EmulatorRules, "floodLimits">> & {
  readonly floodLimits?: {
    readonly perChat?: Partial<FloodLimits["perChat"]>
    readonly perGroup?: Partial<FloodLimits["perGroup"]>
    readonly perBot?: Partial<FloodLimits["perBot"]>
  }
}

const BOOLEAN_RULES = [
  "sameOffsetThrottle",
  "conflictDelay",
  "floodControl",
  "knownChats",
  "forumTopics",
  "entityValidation",
  "webhookPublicUrl"
] as const
const NUMBER_RULES = ["callbackQueryTtlMs", "webhookTimeoutMs"] as const

const positive = (v: unknown, name: string): number => {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new ControlError(400, `${name} must be > 0`)
  return v
}

/** `base` with `input` applied; unknown names and wrong types are refused, so a misspelt relaxation fails loudly. */
export function mergeRules(base: EmulatorRules, input: RulesInput | undefined): EmulatorRules {
  if (input === undefined) return base
  const known = new Set<string>([...BOOLEAN_RULES, ...NUMBER_RULES, "floodLimits"])
  for (const k of Object.keys(input)) if (!known.has(k)) throw new ControlError(400, `unknown rule ${k}`)
  const out: Record<string, unknown> = { ...base }
  for (const k of BOOLEAN_RULES) {
    const v = input[k]
    if (v === undefined) continue
    if (typeof v !== "boolean") throw new ControlError(400, `rule ${k} must be true or false`)
    out[k] = v
  }
  for (const k of NUMBER_RULES) {
    const v = input[k]
    if (v === undefined) continue
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ControlError(400, `rule ${k} must be >= 0`)
    out[k] = v
  }
  if (out.webhookTimeoutMs === 0) throw new ControlError(400, "rule webhookTimeoutMs must be > 0")
  const f = input.floodLimits
  if (f !== undefined) {
    const b = base.floodLimits
    out.floodLimits = {
      perChat: {
        burst: f.perChat?.burst === undefined ? b.perChat.burst : positive(f.perChat.burst, "perChat.burst"),
        perSecond:
          f.perChat?.perSecond === undefined ? b.perChat.perSecond : positive(f.perChat.perSecond, "perChat.perSecond")
      },
      perGroup: {
        count: f.perGroup?.count === undefined ? b.perGroup.count : positive(f.perGroup.count, "perGroup.count"),
        windowMs:
          f.perGroup?.windowMs === undefined ? b.perGroup.windowMs : positive(f.perGroup.windowMs, "perGroup.windowMs")
      },
      perBot: {
        count: f.perBot?.count === undefined ? b.perBot.count : positive(f.perBot.count, "perBot.count"),
        windowMs: f.perBot?.windowMs === undefined ? b.perBot.windowMs : positive(f.perBot.windowMs, "perBot.windowMs")
      }
    } satisfies FloodLimits
  }
  return out as unknown as EmulatorRules
}
