// Wire shapes of the Bot API objects the emulator produces, kept loose on
// purpose: the emulator only needs the fields it fills in, and its own tests
// check the shapes against grammY's client.

export interface User {
  id: number
  is_bot: boolean
  first_name: string
  last_name?: string
  username?: string
  language_code?: string
  is_premium?: boolean
}

export interface Chat {
  id: number
  type: "private" | "group" | "supergroup" | "channel"
  title?: string
  username?: string
  first_name?: string
  last_name?: string
  is_forum?: boolean
}

export interface MessageEntity {
  type: string
  offset: number
  length: number
  url?: string
  user?: User
  language?: string
  custom_emoji_id?: string
}

export interface PhotoSize {
  file_id: string
  file_unique_id: string
  width: number
  height: number
  file_size?: number
}

export interface Message {
  message_id: number
  message_thread_id?: number
  is_topic_message?: boolean
  from?: User
  date: number
  edit_date?: number
  chat: Chat
  reply_to_message?: Message
  text?: string
  entities?: MessageEntity[]
  caption?: string
  caption_entities?: MessageEntity[]
  photo?: PhotoSize[]
  document?: Record<string, unknown>
  sticker?: Record<string, unknown>
  reply_markup?: unknown
  [extra: string]: unknown
}

export interface Update {
  update_id: number
  [kind: string]: unknown
}

/** Telegram user as given by a test; only `id` is required. */
export interface UserInput {
  id: number
  first_name?: string
  last_name?: string
  username?: string
  language_code?: string
  is_premium?: boolean
}
