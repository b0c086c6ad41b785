/**
 * The one shared HTTP client (src/telegram/http-client.ts) against the emulator over TLS:
 * HTTP/1.1 (a self-hosted Bot API server's protocol) and HTTP/2 by ALPN (api.telegram.org's),
 * through the whole service — real grammY clients, real PostgreSQL, real sockets.
 */
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { Composer } from "grammy"
import { afterEach, describe, expect, it } from "vitest"
import type { BotContext } from "../../src/bot/context.ts"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { fetchOver, makeTelegramDispatcher } from "../../src/telegram/http-client.ts"
import { eventually, startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

const echo = new Composer<BotContext>()
echo.on("message:text", (ctx) => ctx.reply(`echo ${ctx.message.text}`))

let emulator: TelegramEmulator | undefined
let db: TestDatabase | undefined
let app: RunningApp | undefined
afterEach(async () => {
  await app?.stop()
  await emulator?.close()
  await db?.drop()
  app = emulator = db = undefined
})

const seed = (running: RunningApp, tokens: ReadonlyArray<string>) =>
  running.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const hashes = tokens.map(() => randomBytes(32).toString("hex"))
      yield* sql.unsafe(
        `INSERT INTO bots (name, telegram_bot_token, telegram_bot_id, api_token_hash)
         SELECT 'shop ' || i, t, split_part(t, ':', 1)::bigint, h
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(t, h, i)`,
        [tokens, hashes]
      )
    })
  )

const start = async (tls: "h2" | "http1", bots: number) => {
  emulator = await startTelegramEmulator({ tls })
  expect(emulator.url).toMatch(/^https:/)
  db = await createTestDatabase()
  app = await startApp({
    databaseUrl: db.url,
    telegramApiRoot: emulator.url,
    tenantApp: echo,
    // Error: a dropped connection makes every bot on it log its restart.
    config: { telegramCaFile: Option.fromNullishOr(emulator.caFile), telegramHttp2: "auto", logLevel: "Error" }
  })
  const tokens = Array.from({ length: bots }, () => emulator!.createBot().token)
  await seed(app, tokens)
  return { emulator, app, tokens }
}

const setActive = (running: RunningApp, token: string, active: boolean) =>
  running.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE bots SET is_active = ${active} WHERE telegram_bot_token = ${token}`
    })
  )

const restartedBots = (running: RunningApp) =>
  running.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM bot_runtime_status WHERE restart_count > 0`
      return rows[0]!.n
    })
  )

const replies = (emulator: TelegramEmulator, token: string, chatId: number) =>
  emulator
    .sentMessages(token, chatId)
    .map((m) => m.text)
    .sort()

describe("Telegram over TLS", () => {
  it("HTTP/1.1: bots poll and answer over TLS, a stop cancels its long poll at once, an untrusted certificate is refused", async () => {
    const { emulator, app, tokens } = await start("http1", 3)
    for (const token of tokens) await emulator.waitForPoller(token, 10_000)
    // HTTP/1.1 (the server offers nothing else by ALPN): each long poll holds a connection.
    expect(emulator.connectionCount()).toBeGreaterThanOrEqual(3)
    emulator.injectMessage(tokens[0]!, { text: "hi", from: { id: 7001, first_name: "A" } })
    expect((await emulator.waitForSent(tokens[0]!, 7001, () => true, 5_000)).text).toBe("echo hi")

    // The runner's stop aborts the pending long poll: it ends well before its 30 s.
    const stopping = Date.now()
    await setActive(app, tokens[1]!, false)
    await eventually(() => emulator.stats(tokens[1]!).activePollers === 0, 3_000)
    expect(Date.now() - stopping).toBeLessThan(2_000)
    expect(emulator.stats(tokens[2]!).activePollers).toBe(1)

    // Without the emulator's CA the same client refuses the server.
    const untrusted = makeTelegramDispatcher({ caFile: undefined, http2: "auto", maxStreams: 128 })
    await expect(fetchOver(untrusted)(`${emulator.url}/bot${tokens[0]}/getMe`)).rejects.toThrow()
    await untrusted.destroy()
  }, 30_000)

  /**
   * An emulator that speaks HTTP/1.1 only, with `bots` bots, and the shared client's
   * dispatcher against it, told the server's protocol by a first call (getMe).
   */
  const http1Client = async (bots: number) => {
    const server = await startTelegramEmulator({ tls: "http1" })
    emulator = server
    const tokens = Array.from({ length: bots }, () => server.createBot().token)
    const dispatcher = makeTelegramDispatcher({ caFile: server.caFile, http2: "auto", maxStreams: 128 })
    const call = fetchOver(dispatcher)
    await call(`${server.url}/bot${tokens[0]}/getMe`).then((r) => r.json())
    return { server, tokens, dispatcher, call }
  }

  it("HTTP/1.1: a new connection resumes the TLS session after a garbage collection (no full handshake per long poll)", async () => {
    const { server, tokens, dispatcher, call } = await http1Client(4)
    // A long poll each, at once: over HTTP/1.1 every one needs its own socket.
    const pollAll = () =>
      Promise.all(tokens.map((t) => call(`${server.url}/bot${t}/getUpdates?timeout=1`).then((r) => r.json())))
    expect(server.tlsHandshakes()).toEqual({ full: 1, resumed: 0 })
    // The session (a TLS 1.3 ticket) arrives after the handshake; then a full collection,
    // as a start burst of thousands of long polls runs all the time.
    await new Promise((r) => setTimeout(r, 100))
    setFlagsFromString("--expose-gc")
    ;(runInNewContext("gc") as () => void)()
    await pollAll()
    // getMe told the client that the server speaks HTTP/1.1: the four polls go to their
    // bots' own pools (new connections), and each resumes the first session.
    expect(server.tlsHandshakes()).toEqual({ full: 1, resumed: 4 })
    await dispatcher.destroy()
  }, 30_000)

  it("HTTP/1.1: 300 long polls over the bots' pools, cancelled at once: every connection closes, every bot's next call is answered, and the same calls again open no new connection", async () => {
    const { server, tokens, dispatcher, call } = await http1Client(300)
    const pollAll = (timeout: number, signal?: AbortSignal) =>
      Promise.all(
        tokens.map((t) =>
          call(`${server.url}/bot${t}/getUpdates?timeout=${timeout}`, { signal: signal ?? null }).then(
            async (r) => ((await r.json()) as { ok: boolean }).ok,
            () => "cancelled"
          )
        )
      )
    const stop = new AbortController()
    const waiting = pollAll(30, stop.signal)
    await eventually(() => server.summary().activePolls === tokens.length, 10_000)
    expect(server.connectionCount()).toBeGreaterThan(tokens.length)
    stop.abort()
    expect(new Set(await waiting)).toEqual(new Set(["cancelled"]))
    // HTTP/1.1 cancels a request only by closing its connection; getMe's stays, idle.
    await eventually(() => server.connectionCount() === 1, 10_000)
    expect(new Set(await pollAll(0))).toEqual(new Set([true]))
    // A bot always uses the same pool: the same calls again find their sockets free there
    // (once undici has marked the last answered ones free, a turn of the loop later).
    await new Promise((r) => setTimeout(r, 100))
    const handshakes = server.tlsHandshakes()
    expect(new Set(await pollAll(0))).toEqual(new Set([true]))
    expect(server.tlsHandshakes()).toEqual(handshakes)
    await dispatcher.destroy()
  }, 30_000)

  // 1,000 bots polling over a handful of HTTP/2 connections; every connection is dropped at
  // once, with an update just handed to each bot's poll and another queued right after.
  const BOTS = 1_000
  it(`HTTP/2: ${BOTS} long polls multiplexed; all connections dropped → every bot polls again, no update lost`, async () => {
    const { emulator, app, tokens } = await start("h2", BOTS)
    await eventually(() => emulator.summary().activePolls === BOTS, 60_000, 100)
    // 128 streams per connection (the emulator's SETTINGS, the client's default): ⌈1000/128⌉ = 8.
    expect(emulator.connectionCount()).toBeLessThanOrEqual(Math.ceil(BOTS / 128) + 2)

    // One connection dropped: only the bots whose long polls were on it restart (a long poll
    // that merely times out meanwhile is no restart), and they poll again.
    expect(emulator.dropConnections(1)).toBe(1)
    await eventually(() => emulator.summary().activePolls < BOTS, 5_000, 10)
    await eventually(() => emulator.summary().activePolls === BOTS, 30_000, 100)
    const restarted = await restartedBots(app)
    expect(restarted).toBeGreaterThan(0)
    expect(restarted).toBeLessThanOrEqual(128)

    const from = (k: number) => ({ id: 10_000 + k, first_name: `U${k}` })
    const open = emulator.connectionCount()
    for (const [k, token] of tokens.entries()) emulator.injectMessage(token, { text: `before ${k}`, from: from(k) })
    // Same tick: the answers to the pending polls are written but not yet flushed.
    expect(emulator.dropConnections()).toBe(open)
    for (const [k, token] of tokens.entries()) emulator.injectMessage(token, { text: `after ${k}`, from: from(k) })

    await eventually(
      () => tokens.every((token, k) => emulator.sentMessages(token, 10_000 + k).length >= 2),
      60_000,
      100
    )
    for (const [k, token] of tokens.entries()) {
      expect(replies(emulator, token, 10_000 + k)).toEqual([`echo after ${k}`, `echo before ${k}`])
    }
    await eventually(() => emulator.summary().activePolls === BOTS, 30_000, 100)
    expect(emulator.connectionCount()).toBeLessThanOrEqual(Math.ceil(BOTS / 128) + 2)
    // Never two pollers for one token, over the multiplexed connections either.
    expect(Object.values(emulator.statsMany(tokens)).every((s) => s.maxConcurrentPollers === 1)).toBe(true)
  }, 150_000)

  // A bucket handed away while its bots start: 1,000 first long polls cancelled as they go out.
  it("HTTP/2: 1,000 long polls cancelled as they go out leave the process running and the client answering", async () => {
    emulator = await startTelegramEmulator({ tls: "h2" })
    const tokens = Array.from({ length: 1_000 }, () => emulator!.createBot().token)
    const script = fileURLToPath(new URL("./fixtures/cancel-burst.ts", import.meta.url))
    // Its own process: the failure this guards against is a process that never runs JavaScript again.
    const outcome = await new Promise<{ code: number | string | null; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        [script],
        {
          timeout: 30_000,
          killSignal: "SIGKILL",
          env: {
            ...process.env,
            TELEGRAM_API_ROOT: emulator!.url,
            TELEGRAM_CA_FILE: emulator!.caFile!,
            TOKENS: tokens.join(",")
          }
        },
        (error, stdout) => resolve({ code: error ? (error.code ?? error.signal ?? null) : 0, stdout })
      )
    )
    expect(outcome).toEqual({ code: 0, stdout: "ok\n" })
  }, 60_000)
})
