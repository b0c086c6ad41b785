// Starting an emulator: its HTTP server (server.ts) with the control API
// (control.ts) wired to the emulator object (emulator.ts). Kept apart from
// emulator.ts so that control.ts, which drives a TelegramEmulator, and the
// emulator do not import each other.
import { handleControl } from "./control.ts"
import { TelegramEmulator } from "./emulator.ts"
import type { TelegramEmulatorOptions } from "./emulator.ts"
import { pumpWebhook } from "./webhook.ts"
import { createEmulatorServer } from "./server.ts"
import { EmulatorState } from "./state.ts"

/** Emulators running in this process (a test's seeding code may need the one that serves a token). */
const running = new Set<TelegramEmulator>()

/** The running in-process emulator that knows this token, if any. */
export const emulatorServing = (token: string): TelegramEmulator | undefined =>
  [...running].find((e) => e.state.bots.has(token))

export async function startTelegramEmulator(options: TelegramEmulatorOptions = {}): Promise<TelegramEmulator> {
  const host = options.host ?? "127.0.0.1"
  const state = new EmulatorState(options.rules)
  state.onEnqueue = (bot) => pumpWebhook(state, bot)
  let emulator: TelegramEmulator | undefined
  const server = createEmulatorServer(state, (req, res, url) => handleControl(emulator!, req, res, url))
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    // A deep backlog so a benchmark's 10k bots connecting at once are not refused.
    server.listen({ port: options.port ?? 0, host, backlog: 16_384 }, () => {
      server.off("error", reject)
      resolve()
    })
  })
  emulator = new TelegramEmulator(state, server, host)
  running.add(emulator)
  server.once("close", () => running.delete(emulator!))
  return emulator
}
