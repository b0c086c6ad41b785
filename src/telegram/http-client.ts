/**
 * One HTTP client for every bot of the process (issue 17): grammY's `client.fetch`
 * backed by ONE shared undici dispatcher per setting, instead of node-fetch with a
 * socket per long poll.
 *
 * - HTTP/1.1 (TELEGRAM_HTTP2=off, a plain-HTTP root, or a server that does not offer h2
 *   by ALPN — tdlib/telegram-bot-api): one keep-alive pool per origin shared by all bots;
 *   a long poll holds a socket while it waits, and a socket freed by any bot's call is
 *   reused by the next.
 * - HTTP/2 (TELEGRAM_HTTP2=auto, the default, against a server that offers it —
 *   api.telegram.org): long polls and sends multiplexed as streams, at most
 *   TELEGRAM_HTTP2_MAX_STREAMS per connection (the server's SETTINGS can lower it),
 *   new connections opened as the ones there fill up. A dropped connection fails only
 *   the requests on it; their bots retry by the runner's policy. Aborting a request
 *   (a runner's stop) resets only its stream.
 *
 * The fetch handed to grammY is a thin adapter over the dispatcher's `request()`:
 * grammY's client only ever calls `fetch(url, { method, headers, body, signal })`
 * and then `response.json()` (grammy/out/core/client.js), and undici's WHATWG
 * `fetch` (Streams, Headers, Response objects) does about a third of `request()`'s
 * requests per second in undici's own benchmark (its README, HTTP/1.1 table) — CPU
 * that every bot start and every long poll pays.
 */
import { readFileSync } from "node:fs"
import { createSecureContext, rootCertificates } from "node:tls"
import { Agent, buildConnector } from "undici"
import type { Dispatcher } from "undici"

export interface TelegramHttpSettings {
  /** PEM file with extra CA certificates trusted besides Node's bundled roots (TELEGRAM_CA_FILE). */
  readonly caFile: string | undefined
  /** `auto`: HTTP/2 where the server offers it by ALPN; `off`: HTTP/1.1 only (TELEGRAM_HTTP2). */
  readonly http2: "auto" | "off"
  /** Streams per HTTP/2 connection (TELEGRAM_HTTP2_MAX_STREAMS). */
  readonly maxStreams: number
}

/**
 * undici's connector with TLS session resumption that survives garbage collection.
 * undici caches each server's newest TLS session (a ticket) for the next connection
 * — but through a WeakRef, and nothing else holds the session, so any collection
 * drops it and the connections after it make a full handshake: the certificate
 * verified and signed again on both sides. A start burst of thousands of HTTP/1.1
 * long polls (a socket each) collects all the time, so how many handshakes it
 * resumed was a matter of luck: measured at 10,000 bots over TLS/HTTP/1.1, all
 * polling after 16 s in one run and after 40–52 s in others. Holding each server's
 * newest session here keeps the cached one alive (a few hundred bytes per server).
 */
const resumingConnector = (options: buildConnector.BuildOptions): buildConnector.connector => {
  const connect = buildConnector(options)
  const newest = new Map<string, Buffer>()
  return (target, callback) =>
    connect(target, (...connected) => {
      // TLS 1.3 sends its tickets after the handshake, that is after this callback.
      connected[1]?.on("session", (session: Buffer) => newest.set(target.servername || target.hostname, session))
      callback(...connected)
    })
}

export const makeTelegramDispatcher = (settings: TelegramHttpSettings): Agent => {
  const allowH2 = settings.http2 === "auto"
  // One secure context for every connection. A `ca` option instead makes Node build a new
  // context per connection — parsing ~150 root certificates each time: measured ≈ 0.8 MiB of
  // RSS and ≈ 7 ms of CPU per HTTP/1.1 long poll (1,000 bots over TLS: 1,097 MiB).
  const secureContext =
    settings.caFile === undefined
      ? undefined
      : createSecureContext({ ca: [...rootCertificates, readFileSync(settings.caFile, "utf8")] })
  return new Agent({
    allowH2,
    h2Options: { maxConcurrentStreams: settings.maxStreams },
    // grammY puts its own deadline on every call (timeoutSeconds) and a long poll waits
    // up to TELEGRAM_POLL_TIMEOUT_SECONDS for its headers: no second clock here.
    headersTimeout: 0,
    bodyTimeout: 0,
    // Idle sockets are shared by all bots, so a short idle life only costs reconnects;
    // a server's keep-alive hint (Keep-Alive: timeout=N) overrides it.
    keepAliveTimeout: 30_000,
    // undici's defaults otherwise: 10-s connect timeout, 100 cached sessions.
    connect: resumingConnector({ allowH2, ...(secureContext === undefined ? {} : { secureContext }) })
  })
}

type FetchInit = {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string | NodeJS.ReadableStream | null
  readonly signal?: AbortSignal | null
}

/** A `fetch` as much as grammY's client uses of one: status, `json()` and `text()` of the answer. */
export const fetchOver = (dispatcher: Dispatcher): typeof fetch => {
  const call = async (input: string | URL, init: FetchInit = {}) => {
    const url = typeof input === "string" ? new URL(input) : input
    const res = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: (init.method ?? "GET") as Dispatcher.HttpMethod,
      headers: init.headers ?? {},
      body: (init.body ?? null) as Dispatcher.DispatchOptions["body"],
      signal: init.signal ?? undefined
    })
    const { statusCode, body } = res
    return {
      ok: statusCode >= 200 && statusCode < 300,
      status: statusCode,
      json: () => body.json(),
      text: () => body.text()
    }
  }
  // Only the parts of Response above exist; grammY reads no others.
  return call as unknown as typeof fetch
}

export interface SharedTelegramClient {
  readonly dispatcher: Dispatcher
  /** A `fetch` over `dispatcher`, for grammY's clients. */
  readonly fetch: typeof fetch
}

const shared = new Map<string, SharedTelegramClient>()

/**
 * The process's one client for these settings (created on first use, kept for the process's life):
 * the dispatcher, which the long polls use directly (src/ingest/long-poll-call.ts), and the `fetch`
 * over it that grammY's clients use.
 */
export const sharedTelegramClient = (settings: TelegramHttpSettings): SharedTelegramClient => {
  const key = `${settings.caFile ?? ""}\n${settings.http2}\n${settings.maxStreams}`
  let client = shared.get(key)
  if (client === undefined) {
    const dispatcher = makeTelegramDispatcher(settings)
    client = { dispatcher, fetch: fetchOver(dispatcher) }
    shared.set(key, client)
  }
  return client
}
