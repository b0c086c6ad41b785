/**
 * A person in Telegram, simulated on the Telegram emulator: they read what the
 * bot sent them (text, the reply keyboard, inline buttons) and act on it —
 * typing a menu button's label, pressing an inline button with the callback
 * data the bot put on it, sending a photo — exactly what a Telegram client
 * would send. Nothing here knows the bot's code; it only knows what is on the
 * screen.
 */
import type { InjectResult, SentMessage, TelegramEmulator, UserInput } from "../emulators/telegram/index.ts"

export interface Button {
  readonly text: string
  readonly callbackData?: string
  readonly url?: string
}

type RawButton = { text?: string; callback_data?: string; url?: string } | string

/** The inline buttons under a message, row by row flattened. */
export const inlineButtons = (message: SentMessage): ReadonlyArray<Button> => {
  const markup = message.replyMarkup as { inline_keyboard?: ReadonlyArray<ReadonlyArray<RawButton>> } | undefined
  return (markup?.inline_keyboard ?? []).flat().map((b) =>
    typeof b === "string"
      ? { text: b }
      : {
          text: b.text ?? "",
          ...(b.callback_data !== undefined ? { callbackData: b.callback_data } : {}),
          ...(b.url !== undefined ? { url: b.url } : {})
        }
  )
}

/** The reply keyboard (the menu under the input field) a message brought, as rows of labels. */
export const replyKeyboard = (message: SentMessage): ReadonlyArray<ReadonlyArray<string>> | undefined => {
  const markup = message.replyMarkup as { keyboard?: ReadonlyArray<ReadonlyArray<RawButton>> } | undefined
  return markup?.keyboard?.map((row) => row.map((b) => (typeof b === "string" ? b : (b.text ?? ""))))
}

export const textOf = (message: SentMessage): string => message.text ?? message.caption ?? ""

/** The first inline button whose callback data starts with `prefix`. */
export const buttonWith = (message: SentMessage, prefix: string): Button | undefined =>
  inlineButtons(message).find((b) => b.callbackData?.startsWith(prefix))

export const buttonsWith = (message: SentMessage, prefix: string): ReadonlyArray<Button> =>
  inlineButtons(message).filter((b) => b.callbackData?.startsWith(prefix))

export const urlButton = (message: SentMessage, prefix = ""): Button | undefined =>
  inlineButtons(message).find((b) => b.url?.startsWith(prefix))

export class Stopped extends Error {
  constructor() {
    super("stopped")
  }
}

export class Timeout extends Error {
  readonly step: string
  constructor(step: string, timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms while ${step}`)
    this.step = step
  }
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Stopped())
    const onAbort = () => {
      clearTimeout(timer)
      reject(new Stopped())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort)
      resolve()
    }, ms)
    signal?.addEventListener("abort", onAbort, { once: true })
  })

/**
 * Waits for `check` to return something, looking every `pollMs` (40 ms); gives up at the
 * timeout (Timeout) or when the simulation stops (Stopped). Polling keeps no
 * listener on the emulator and no timer past a stop.
 */
export const waitFor = async <A>(
  check: () => A | undefined,
  options: {
    readonly step: string
    readonly timeoutMs: number
    readonly signal?: AbortSignal
    readonly pollMs?: number
  }
): Promise<A> => {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Timeout(options.step, options.timeoutMs)
    await sleep(options.pollMs ?? 40, options.signal)
  }
}

export interface TelegramUserOptions {
  readonly telegram: TelegramEmulator
  readonly token: string
  readonly user: UserInput & { readonly id: number }
  /** The chat they act in: their private chat with the bot unless given (an admin group). */
  readonly chatId?: number
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
  /** How often a wait looks at the chat again (40 ms; admins with long chats look less often). */
  readonly pollMs?: number
}

/** One person talking to one bot in one chat. */
export class TelegramUser {
  readonly id: number
  readonly chatId: number
  private readonly telegram: TelegramEmulator
  private readonly token: string
  private readonly user: UserInput & { readonly id: number }
  private readonly signal: AbortSignal | undefined
  private readonly timeoutMs: number
  private readonly pollMs: number

  constructor(options: TelegramUserOptions) {
    this.telegram = options.telegram
    this.token = options.token
    this.user = options.user
    this.id = options.user.id
    this.chatId = options.chatId ?? options.user.id
    this.signal = options.signal
    this.timeoutMs = options.timeoutMs ?? 20_000
    this.pollMs = options.pollMs ?? 40
  }

  /** Everything the bot has sent to this chat, oldest first. */
  messages(): ReadonlyArray<SentMessage> {
    return this.telegram.sentMessages(this.token, this.chatId)
  }

  /** The id of the newest message in the chat: later ones are "new". */
  mark(): number {
    return this.messages().at(-1)?.messageId ?? 0
  }

  /** The first message the bot sent after `since` that satisfies `match`. */
  next(
    since: number,
    match: (m: SentMessage) => boolean,
    step: string,
    timeoutMs = this.timeoutMs
  ): Promise<SentMessage> {
    return waitFor(() => this.messages().find((m) => m.messageId > since && match(m)), {
      step,
      timeoutMs,
      pollMs: this.pollMs,
      ...(this.signal !== undefined ? { signal: this.signal } : {})
    })
  }

  say(text: string): InjectResult {
    return this.telegram.injectMessage(this.token, { text, from: this.user, chatId: this.chatId })
  }

  sendPhoto(caption?: string): InjectResult {
    return this.telegram.injectPhoto(this.token, {
      from: this.user,
      chatId: this.chatId,
      ...(caption !== undefined ? { caption } : {})
    })
  }

  /** Presses an inline button of a message the bot sent in this chat. */
  press(message: SentMessage, button: Button): InjectResult {
    if (button.callbackData === undefined) throw new Error(`button "${button.text}" has no callback data`)
    return this.telegram.injectCallbackQuery(this.token, {
      from: this.user,
      chatId: message.chatId,
      messageId: message.messageId,
      data: button.callbackData
    })
  }

  /** Does something and waits for the bot's next message that satisfies `match`. */
  async act(
    action: () => unknown,
    match: (m: SentMessage) => boolean,
    step: string,
    timeoutMs?: number
  ): Promise<SentMessage> {
    const since = this.mark()
    action()
    return this.next(since, match, step, timeoutMs)
  }
}
