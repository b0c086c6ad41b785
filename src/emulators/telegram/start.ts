import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
// Starting an emulator: its HTTP server (server.ts) with the control API
// (control.ts) wired to the emulator object (emulator.ts). Kept apart from
// emulator.ts so that control.ts, which drives a TelegramEmulator, and the
// emulator do not import each other.
import { handleControl } from "./control.ts"
import { TelegramEmulator } from "./emulator.ts"
import type { TelegramEmulatorOptions } from "./emulator.ts"
import { pumpWebhook } from "./webhook.ts"
import { createEmulatorServer, emulatorHandler } from "./server.ts"
import { createTlsServer, generateEmulatorTls } from "./tls.ts"
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
  const control = (req: Parameters<typeof handleControl>[1], res: Parameters<typeof handleControl>[2], url: URL) =>
    handleControl(emulator!, req, res, url)
  const tls = options.tls === undefined ? undefined : generateEmulatorTls(host)
  const server =
    tls === undefined
      ? createEmulatorServer(state, control)
      : createTlsServer(tls, options.tls === "h2", emulatorHandler(state, control))
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    // A deep backlog so a benchmark's 10k bots connecting at once are not refused.
    server.listen({ port: options.port ?? 0, host, backlog: 16_384 }, () => {
      server.off("error", reject)
      resolve()
    })
  })
  let caFile: string | undefined
  if (tls !== undefined) {
    caFile = join(mkdtempSync(join(tmpdir(), "telegram-emulator-ca-")), "ca.pem")
    writeFileSync(caFile, tls.caPem)
  }
  emulator = new TelegramEmulator(state, server, host, caFile === undefined ? undefined : { caFile })
  running.add(emulator)
  server.once("close", () => running.delete(emulator!))
  return emulator
}
