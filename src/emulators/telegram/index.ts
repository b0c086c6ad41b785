export { ALL_BOTS, TelegramEmulator } from "./emulator.ts"
export { emulatorServing, startTelegramEmulator } from "./start.ts"
export type { MemberStatus, TelegramEmulatorOptions } from "./emulator.ts"
export { CONTROL_OPERATIONS } from "./control.ts"
export { ApiError, ControlError } from "./errors.ts"
export type { FaultInput } from "./faults.ts"
export { TINY_PNG } from "./files.ts"
export type { FileKind } from "./files.ts"
export type {
  AddToChatInput,
  InjectCallbackInput,
  InjectDocumentInput,
  InjectPhotoInput,
  InjectResult,
  InjectStickerInput,
  InjectTarget,
  InjectTextInput
} from "./inject.ts"
export { DEFAULT_FLOOD_LIMITS, DEFAULT_RULES } from "./rules.ts"
export type { EmulatorRules, FloodLimits, RulesInput } from "./rules.ts"
export { DEFAULT_USER } from "./state.ts"
export type {
  BotCommand,
  BotInfo,
  CallbackAnswer,
  ChatActionRecord,
  CreateBotInput,
  SentEdit,
  SentMessage
} from "./state.ts"
export type { BotStats, FleetSummary } from "./stats.ts"
export type { Chat, Message, MessageEntity, Update, User, UserInput } from "./types.ts"
