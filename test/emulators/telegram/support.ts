/** What the Telegram emulator's own tests share: one emulator per test file, raw Bot API calls, bots. */
import { Bot } from "grammy"
import { afterAll, beforeAll } from "vitest"
import { startTelegramEmulator } from "../../../src/emulators/telegram/index.ts"
import type { RulesInput, TelegramEmulator } from "../../../src/emulators/telegram/index.ts"

export interface Envelope {
  ok: boolean
  result?: any
  error_code?: number
  description?: string
  parameters?: { retry_after?: number }
}

/** Starts an emulator for the test file (before all its tests) and closes it after; read `.emu` inside tests. */
export const useEmulator = (rules?: RulesInput) => {
  const ref = {} as { emu: TelegramEmulator }
  beforeAll(async () => {
    ref.emu = await startTelegramEmulator(rules === undefined ? {} : { rules })
  })
  afterAll(async () => {
    await ref.emu.close()
  })
  return ref
}

export async function call(
  emu: TelegramEmulator,
  token: string,
  method: string,
  params: Record<string, unknown> = {},
  signal?: AbortSignal
): Promise<{ status: number; body: Envelope; headers: Headers }> {
  const res = await fetch(`${emu.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
    ...(signal ? { signal } : {})
  })
  return { status: res.status, body: (await res.json()) as Envelope, headers: res.headers }
}

export async function control(emu: TelegramEmulator, path: string, body?: unknown) {
  const res = await fetch(
    `${emu.url}/control/${path}`,
    body === undefined ? {} : { method: "POST", body: JSON.stringify(body) }
  )
  return { status: res.status, body: (await res.json()) as { ok: boolean; result?: any; error?: string } }
}

export function newBot(emu: TelegramEmulator, username?: string) {
  const info = emu.createBot(username === undefined ? {} : { username })
  const bot = new Bot(info.token, { client: { apiRoot: emu.url } })
  return { token: info.token, info, bot }
}

export const ids = (r: Envelope) => (r.result as Array<{ update_id: number }>).map((u) => u.update_id)

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Milliseconds a promise took to settle, with its value or error. */
export async function timed<T>(p: Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = Date.now()
  const value = await p
  return { ms: Date.now() - t0, value }
}
