// The HTTP front: /bot<token>/<method>, /file/bot<token>/<path>, /control/*.
import { createServer } from "node:http"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { ApiError, notFound, serverErrorText, tooManyRequests, unauthorized } from "./errors.ts"
import { latencyFor, retryAfterOf, takeFault } from "./faults.ts"
import { METHODS } from "./methods.ts"
import { PollAborted } from "./polling.ts"
import { readParams } from "./request-body.ts"
import type { BotState, EmulatorState } from "./state.ts"
import { botIdOfToken } from "./tokens.ts"

export type ControlHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>

const BOT_PATH = /^\/bot([^/]+)\/(?:test\/)?([^/]*)\/?$/
const FILE_PATH = /^\/file\/bot([^/]+)\/(?:test\/)?(.+)$/

export function sendJson(res: ServerResponse, status: number, body: unknown, retryAfter?: number): void {
  if (res.writableEnded || res.destroyed) return
  const text = JSON.stringify(body)
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text)
  }
  // HttpConnection::send_response adds Retry-After to a 429.
  if (retryAfter !== undefined && retryAfter > 0) headers["retry-after"] = retryAfter
  res.writeHead(status, headers)
  res.end(text)
}

const sendError = (res: ServerResponse, e: ApiError): void => sendJson(res, e.status, e.toJSON(), e.retryAfter)

/** Front-end failures come as nginx HTML, which clients must survive too. */
function sendHtmlError(res: ServerResponse, status: number): void {
  if (res.writableEnded || res.destroyed) return
  const title = `${status} ${serverErrorText(status)}`
  const html = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n`
  res.writeHead(status, { "content-type": "text/html", "content-length": Buffer.byteLength(html) })
  res.end(html)
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener("abort", done)
      resolve()
    }
    signal.addEventListener("abort", done, { once: true })
  })
}

function authorize(state: EmulatorState, rawToken: string): { bot: BotState } | ApiError {
  let token: string
  try {
    token = decodeURIComponent(rawToken)
  } catch {
    return notFound()
  }
  // A malformed token is a wrong URL to Telegram (404); a well-formed unknown one is 401.
  if (botIdOfToken(token) === undefined) return notFound()
  const bot = state.bots.get(token)
  if (!bot || bot.revoked) {
    state.countUnauthorized(bot)
    return unauthorized()
  }
  return { bot }
}

async function handleBotApi(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const m = BOT_PATH.exec(url.pathname)
  if (!m) {
    req.resume()
    return sendError(res, notFound())
  }
  const auth = authorize(state, m[1]!)
  if (auth instanceof ApiError) {
    req.resume()
    return sendError(res, auth)
  }
  const { bot } = auth
  const methodName = m[2]!
  const method = METHODS.get(methodName.toLowerCase())
  state.countCall(bot, method?.name ?? methodName)
  if (!method) {
    req.resume()
    return sendError(res, notFound())
  }
  const key = methodName.toLowerCase()
  let polling = method.name === "getUpdates"
  const poll = { abandoned: false, socket: connectionOf(req) }
  if (polling) state.beginPoll(bot, poll)
  const endPoll = () => {
    if (polling) {
      polling = false
      state.endPoll(bot, poll)
    }
  }
  const abort = new AbortController()
  res.on("close", () => {
    if (!res.writableEnded) {
      poll.abandoned = true
      abort.abort()
    }
    endPoll()
  })
  try {
    const params = await readParams(req, url.searchParams)
    const wait = latencyFor(bot.latency, key) || latencyFor(state.globalLatency, key)
    if (wait > 0) await delay(wait, abort.signal)
    if (abort.signal.aborted) return
    const now = Date.now()
    const fault = takeFault(bot.faults, key, now) ?? takeFault(state.globalFaults, key, now)
    if (fault) {
      bot.counters.faultsServed++
      if (fault.kind === "network") {
        req.socket.destroy()
        return
      }
      if (fault.kind === "rate_limit") return sendError(res, tooManyRequests(retryAfterOf(fault, now)))
      if (fault.html) return sendHtmlError(res, fault.status)
      return sendError(res, new ApiError(fault.status, serverErrorText(fault.status)))
    }
    const clientGone = () => abort.signal.aborted || req.socket.readableEnded || req.socket.destroyed
    const result = await method.handler({ state, bot, params, signal: abort.signal, clientGone })
    sendJson(res, 200, { ok: true, result })
  } catch (e) {
    if (e instanceof PollAborted) return
    if (e instanceof ApiError) return sendError(res, e)
    console.error(`[telegram-emulator] ${method.name} failed:`, e)
    sendError(res, new ApiError(500, "Internal Server Error"))
  } finally {
    endPoll()
  }
}

/**
 * The client's connection. Over HTTP/2 (tls.ts) `req.socket` stands for the request's
 * stream, which closes with every answer; the session is what a keep-alive socket is
 * over HTTP/1.1, so an overlap of two long polls is judged alike over both.
 */
const connectionOf = (req: IncomingMessage): { readonly destroyed: boolean } =>
  (req as { stream?: { session?: { readonly destroyed: boolean } } }).stream?.session ?? req.socket

function handleFile(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL): void {
  req.resume()
  const m = FILE_PATH.exec(url.pathname)
  if (!m) return sendError(res, notFound())
  const auth = authorize(state, m[1]!)
  if (auth instanceof ApiError) return sendError(res, auth)
  let path: string
  try {
    path = decodeURIComponent(m[2]!)
  } catch {
    return sendError(res, notFound())
  }
  const file = state.files.getByPath(path)
  if (!file || file.ownerBotId !== auth.bot.id) return sendError(res, notFound())
  res.writeHead(200, {
    "content-type": file.mimeType ?? "application/octet-stream",
    "content-length": file.bytes.length
  })
  res.end(file.bytes)
}

export function createEmulatorServer(state: EmulatorState, control: ControlHandler): Server {
  // Long keep-alive: grammY reuses sockets, and a server closing idle sockets
  // first races with the client reusing them (spurious ECONNRESET).
  const server = createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, emulatorHandler(state, control))
  server.on("clientError", (_err, socket) => socket.destroy())
  return server
}

/** Every request of the emulator, over any transport (plain HTTP here, TLS and HTTP/2 in tls.ts). */
export function emulatorHandler(
  state: EmulatorState,
  control: ControlHandler
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let url: URL
    try {
      url = new URL(req.url ?? "/", "http://emulator")
    } catch {
      return sendError(res, notFound())
    }
    const path = url.pathname
    let work: Promise<void> | void
    if (path.startsWith("/bot")) work = handleBotApi(state, req, res, url)
    else if (path.startsWith("/file/bot")) work = handleFile(state, req, res, url)
    else if (path === "/control" || path.startsWith("/control/")) work = control(req, res, url)
    else {
      req.resume()
      work = sendError(res, notFound())
    }
    if (work) {
      work.catch((e: unknown) => {
        console.error("[telegram-emulator] request failed:", e)
        if (!res.headersSent) sendError(res, new ApiError(500, "Internal Server Error"))
        else res.destroy()
      })
    }
  }
}
