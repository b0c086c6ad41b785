/**
 * One HTTP client for every bot of the process (issue 17): grammY's `client.fetch`
 * backed by ONE shared undici dispatcher per setting, instead of node-fetch with a
 * socket per long poll.
 *
 * - HTTP/1.1 (TELEGRAM_HTTP2=off, a plain-HTTP root, or a server that does not offer h2
 *   by ALPN — tdlib/telegram-bot-api): keep-alive pools, each shared by the bots whose
 *   token picks it (HTTP1_LANES of them); a long poll holds a socket while it waits, and a
 *   socket freed by a bot's call is reused by the next call in its pool.
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
import type { Socket } from "node:net"
import { createSecureContext, rootCertificates } from "node:tls"
import type { TLSSocket } from "node:tls"
import { Agent, buildConnector, Dispatcher } from "undici"

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
 * polling after 16 s in one run and after 40–52 s in others (part of that swing
 * was the event loop falling behind: src/supervisor/start-limiter.ts). Holding each server's
 * newest session here keeps the cached one alive (a few hundred bytes per server).
 */
const resumingConnector = (
  options: buildConnector.BuildOptions,
  onConnected: (target: buildConnector.Options, socket: Socket) => void
): buildConnector.connector => {
  const connect = buildConnector(options)
  const newest = new Map<string, Buffer>()
  return (target, callback) =>
    connect(target, (...connected) => {
      const socket = connected[1]
      if (socket) {
        // TLS 1.3 sends its tickets after the handshake, that is after this callback.
        socket.on("session", (session: Buffer) => newest.set(target.servername || target.hostname, session))
        onConnected(target, socket)
      }
      callback(...connected)
    })
}

/**
 * How many keep-alive pools one HTTP/1.1 server's connections are spread over.
 * undici's pool keeps one client per connection, and over HTTP/1.1 every waiting
 * long poll holds one: 10,000 in a single pool, which undici walks in full at each
 * call that finds no free connection and at each connection's close. Stopping
 * 10,000 bots (10,000 closes) took 14-20 s of CPU in that walk, and ran past
 * the bench's 20-s grace into SIGKILL; spread over 64 pools, each walk is 1/64
 * as long and the stop takes 4-6 s (256 pools: a little faster, ≈ 500 more idle
 * sockets). A bot always uses the same pool (its token picks it), so its next
 * long poll finds its own freed connection there.
 */
export const HTTP1_LANES = 64

/** "host:port" of an origin (`https://h:p`) or a connector's target, default ports filled in. */
const serverKey = (protocol: string, hostname: string, port: string) =>
  `${hostname.replace(/^\[|\]$/g, "")}:${port === "" ? (protocol === "https:" ? "443" : "80") : port}`

/** FNV-1a of the request path up to its last "/": `/bot<token>` (after any path of the API root). */
const laneOf = (path: string, lanes: number) => {
  let hash = 0x811c9dc5
  const end = path.lastIndexOf("/")
  for (let i = 0; i < end; i++) hash = Math.imul(hash ^ path.charCodeAt(i), 0x01000193)
  return (hash >>> 0) % lanes
}

/**
 * The process's dispatcher for the Bot API: one undici Agent while a server speaks
 * HTTP/2 (its streams multiplex every bot's calls over a few connections), and,
 * for a server found to speak HTTP/1.1 (by ALPN at the first connection, or plain
 * HTTP), each bot's calls go to one of HTTP1_LANES agents picked by its token.
 * The first calls to a server, before any connection told its protocol, use the
 * shared agent whatever it speaks; its connections there are let go at keep-alive's end.
 */
class TelegramDispatcher extends Dispatcher {
  private readonly shared: Agent
  private readonly lanes: ReadonlyArray<Agent>
  /** Servers ("host:port") that answered in HTTP/1.1. */
  private readonly http1 = new Set<string>()
  private readonly keys = new Map<string, string>()

  constructor(options: Agent.Options, connector: buildConnector.BuildOptions) {
    super()
    const connect = resumingConnector(connector, (target, socket) => {
      // A TLS socket tells what ALPN chose; a plain one (no `alpnProtocol`) is HTTP/1.1.
      if ((socket as Partial<TLSSocket>).alpnProtocol !== "h2") {
        this.http1.add(serverKey(target.protocol, target.hostname, target.port))
      }
    })
    this.shared = new Agent({ ...options, connect })
    this.lanes = Array.from({ length: HTTP1_LANES }, () => new Agent({ ...options, connect }))
  }

  private serverOf(origin: string): string {
    let key = this.keys.get(origin)
    if (key === undefined) {
      const url = new URL(origin)
      key = serverKey(url.protocol, url.hostname, url.port)
      this.keys.set(origin, key)
    }
    return key
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(options.origin)
    const agent =
      this.http1.size > 0 && this.http1.has(this.serverOf(origin))
        ? this.lanes[laneOf(options.path, HTTP1_LANES)]!
        : this.shared
    return agent.dispatch(options, handler)
  }

  private all<A>(each: (agent: Agent) => Promise<A>): Promise<void> {
    return Promise.all([this.shared, ...this.lanes].map(each)).then(() => undefined)
  }

  override close(): Promise<void>
  override close(callback: () => void): void
  override close(callback?: () => void): Promise<void> | undefined {
    const closed = this.all((agent) => agent.close())
    if (callback === undefined) return closed
    void closed.then(callback, callback)
    return undefined
  }

  override destroy(): Promise<void>
  override destroy(err: Error | null): Promise<void>
  override destroy(callback: () => void): void
  override destroy(err: Error | null, callback: () => void): void
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | undefined {
    const err = typeof errOrCallback === "function" ? null : (errOrCallback ?? null)
    const done = typeof errOrCallback === "function" ? errOrCallback : callback
    const destroyed = this.all((agent) => agent.destroy(err))
    if (done === undefined) return destroyed
    void destroyed.then(done, done)
    return undefined
  }
}

export const makeTelegramDispatcher = (settings: TelegramHttpSettings): Dispatcher => {
  const allowH2 = settings.http2 === "auto"
  // One secure context for every connection. A `ca` option instead makes Node build a new
  // context per connection — parsing ~150 root certificates each time: measured ≈ 0.8 MiB of
  // RSS and ≈ 7 ms of CPU per HTTP/1.1 long poll (1,000 bots over TLS: 1,097 MiB).
  const secureContext =
    settings.caFile === undefined
      ? undefined
      : createSecureContext({ ca: [...rootCertificates, readFileSync(settings.caFile, "utf8")] })
  return new TelegramDispatcher(
    {
      allowH2,
      h2Options: { maxConcurrentStreams: settings.maxStreams },
      // grammY puts its own deadline on every call (timeoutSeconds) and a long poll waits
      // up to TELEGRAM_POLL_TIMEOUT_SECONDS for its headers: no second clock here.
      headersTimeout: 0,
      bodyTimeout: 0,
      // Idle sockets are shared by the bots of a pool, so a short idle life only costs reconnects;
      // a server's keep-alive hint (Keep-Alive: timeout=N) overrides it.
      keepAliveTimeout: 30_000
    },
    // undici's defaults otherwise: 10-s connect timeout, 100 cached sessions.
    { allowH2, ...(secureContext === undefined ? {} : { secureContext }) }
  )
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
