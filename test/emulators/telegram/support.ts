/**
 * What the Telegram emulator's own tests share: one emulator per test file, raw Bot API calls, bots.
 * EMULATOR_TLS=h2 or http1 runs the same tests over HTTPS (HTTP/2 by ALPN, or HTTP/1.1 only),
 * every call through undici with the emulator's CA: the fidelity rules must hold over each.
 */
import { readFileSync } from "node:fs"
import { Bot } from "grammy"
import { Agent, fetch as undiciFetch } from "undici"
import { afterAll, beforeAll } from "vitest"
import { startTelegramEmulator } from "../../../src/emulators/telegram/index.ts"
import type { RulesInput, TelegramEmulator } from "../../../src/emulators/telegram/index.ts"
import { sharedTelegramClient } from "../../../src/telegram/http-client.ts"

const TLS =
  process.env.EMULATOR_TLS === "h2" || process.env.EMULATOR_TLS === "http1" ? process.env.EMULATOR_TLS : undefined
const agents = new Map<string, Agent>()
/** Node's fetch over plain HTTP; over TLS, undici's with an agent that trusts this emulator's CA. */
const fetchFor = (emu: TelegramEmulator): typeof fetch => {
  if (emu.caFile === undefined) return fetch
  let agent = agents.get(emu.caFile)
  if (agent === undefined) {
    agent = new Agent({ allowH2: true, connect: { ca: readFileSync(emu.caFile, "utf8") } })
    agents.set(emu.caFile, agent)
  }
  const dispatcher = agent
  return ((url: string, init: object = {}) => undiciFetch(url, { ...init, dispatcher })) as unknown as typeof fetch
}

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
    ref.emu = await startTelegramEmulator({
      ...(rules === undefined ? {} : { rules }),
      ...(TLS === undefined ? {} : { tls: TLS })
    })
    if (TLS !== undefined && !ref.emu.url.startsWith("https:"))
      throw new Error(`EMULATOR_TLS=${TLS} but ${ref.emu.url}`)
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
  const res = await fetchFor(emu)(`${emu.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
    ...(signal ? { signal } : {})
  })
  return { status: res.status, body: (await res.json()) as Envelope, headers: res.headers }
}

export async function control(emu: TelegramEmulator, path: string, body?: unknown) {
  const res = await fetchFor(emu)(
    `${emu.url}/control/${path}`,
    body === undefined ? {} : { method: "POST", body: JSON.stringify(body) }
  )
  return { status: res.status, body: (await res.json()) as { ok: boolean; result?: any; error?: string } }
}

export function newBot(emu: TelegramEmulator, username?: string) {
  const info = emu.createBot(username === undefined ? {} : { username })
  const bot = new Bot(info.token, {
    client:
      emu.caFile === undefined
        ? { apiRoot: emu.url }
        : {
            apiRoot: emu.url,
            fetch: sharedTelegramClient({ caFile: emu.caFile, http2: "auto", maxStreams: 128 }).fetch
          }
  })
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
