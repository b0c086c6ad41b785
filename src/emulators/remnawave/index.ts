/**
 * A Remnawave panel emulator over plain node:http, limited to the user API
 * botfleet uses (see panel.ts for the behaviour followed):
 *
 *   POST   /api/users                         create           → 201 {response: user}
 *   GET    /api/users?start=&size=            list             → {response: {users, total}}
 *   GET    /api/users/by-username/:username   look-up          → {response: user} | 404 A063
 *   GET    /api/users/:uuid                   look-up          → {response: user} | 404 A025
 *   PATCH  /api/users                         update by uuid   → {response: user}
 *   DELETE /api/users/:uuid                                    → {response: {isDeleted: true}}
 *   GET    /api/internal-squads               list squads      → {response: {total, internalSquads}}
 *   GET    /api/hwid/devices/top-users?start=&size=  users with devices → {response: {users: [{id, username, devicesCount}], total}}
 *   GET    /api/hwid/devices/:userId          a user's devices → {response: {total, devices}}
 *   POST   /api/hwid/devices/delete-all       {userId}         → {response: {total: 0, devices: []}}
 *   GET    /api/sub/:shortUuid                the subscription (public, no token)
 *
 * Every other /api route needs `Authorization: Bearer <token>` (401 otherwise).
 *
 * Control API (also methods of the returned handle):
 *
 *   GET   /control/users                 every user as the API shows it
 *   GET   /control/users/:username
 *   PATCH /control/users/:username       {expireAt?, usedTrafficBytes?, disabled?, trafficLimitBytes?, hwidDeviceLimit?}
 *   POST  /control/internal-squads       {name, uuid?} → the squad
 *   POST  /control/faults                {failNext?, status?, disconnect?, method?, path?, latencyMs?}
 *   GET   /control/requests              the API calls received, in order
 *   POST  /control/reset
 *
 * Faults and latency apply to /api routes. Latency delays the answer after the
 * request was processed.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { ControlError, readControlBody } from "../shared/control.ts"
import { answerFault, controlFaults, makeFaults } from "../shared/faults.ts"
import type { Fault } from "../shared/faults.ts"
import { BadJson, parseJson, readBody, sendJson, sendText, sleep } from "../shared/http.ts"
import { serve } from "../shared/server.ts"
import { makePanel } from "./panel.ts"
import type { Reply, UserJson, UserPatch } from "./panel.ts"

export type { UserJson, UserPatch, UserStatus } from "./panel.ts"

export const DEFAULT_REMNAWAVE_TOKEN = "remnawave-emulator-token"

export interface RemnawaveEmulatorOptions {
  readonly port?: number
  readonly host?: string
  /** The API token the panel accepts (default `remnawave-emulator-token`). */
  readonly token?: string
}

export interface FaultOptions extends Fault {
  /** Only calls with this HTTP method take the fault (default: any). */
  readonly method?: string
  /** Only calls whose path starts with this take the fault (default: any /api path). */
  readonly path?: string
}

export interface RequestRecord {
  readonly at: string
  readonly method: string
  readonly path: string
  /** HTTP status answered, or 0 when the connection was dropped. */
  readonly status: number
}

export interface RemnawaveEmulator {
  /** Base URL: the panel's REMNAWAVE_API_URL. */
  readonly url: string
  readonly port: number
  readonly token: string
  close(): Promise<void>
  users(): ReadonlyArray<UserJson>
  user(username: string): UserJson | undefined
  /** Overwrite stored fields of a user directly (an expiry in the past, used traffic, …). */
  patchUser(username: string, patch: UserPatch): UserJson
  /** The next `count` API calls (matching `method`/`path` when given) fail: HTTP 5xx, or a dropped connection. */
  failNext(count: number, options?: FaultOptions): void
  /** Delay every API answer by `ms` (0 to stop). */
  setLatency(ms: number): void
  requests(): ReadonlyArray<RequestRecord>
  /** Creates an internal squad (as an admin would in the panel); returns it as the API lists it. */
  addSquad(name: string, uuid?: string): { readonly uuid: string; readonly name: string }
  /** A VPN client of the user registers device `hwid` (false: over the user's device limit). */
  addDevice(username: string, hwid: string): boolean
  /** The hwids of the user's registered devices. */
  devices(username: string): ReadonlyArray<string>
  /** Deletes a user (as an admin would in the panel); false when there was none. */
  deleteUser(username: string): boolean
  reset(): void
}

const readPatch = (body: Record<string, unknown>): UserPatch => {
  const patch: { -readonly [K in keyof UserPatch]: UserPatch[K] } = {}
  if (typeof body.expireAt === "string") {
    const d = new Date(body.expireAt)
    if (Number.isNaN(d.getTime())) throw new ControlError(400, "expireAt must be an ISO date")
    patch.expireAt = d
  }
  if (typeof body.usedTrafficBytes === "number") patch.usedTrafficBytes = body.usedTrafficBytes
  if (typeof body.disabled === "boolean") patch.disabled = body.disabled
  if (typeof body.trafficLimitBytes === "number") patch.trafficLimitBytes = body.trafficLimitBytes
  if (body.hwidDeviceLimit === null || typeof body.hwidDeviceLimit === "number")
    patch.hwidDeviceLimit = body.hwidDeviceLimit
  return patch
}

export const startRemnawaveEmulator = async (options: RemnawaveEmulatorOptions = {}): Promise<RemnawaveEmulator> => {
  const token = options.token ?? DEFAULT_REMNAWAVE_TOKEN
  let baseUrl = ""
  const panel = makePanel({ subscriptionBase: () => `${baseUrl}/api/sub` })
  const faults = makeFaults<FaultOptions>()
  let log: Array<RequestRecord> = []

  const authorized = (req: IncomingMessage) => req.headers.authorization === `Bearer ${token}`

  const apiReply = async (req: IncomingMessage, url: URL): Promise<Reply | "subscription"> => {
    const path = url.pathname
    const method = req.method ?? "GET"
    if (path.startsWith("/api/sub/")) return "subscription"
    if (!authorized(req)) return { status: 401, body: { message: "Unauthorized", statusCode: 401 } }
    const raw = method === "POST" || method === "PATCH" ? await readBody(req) : ""
    const body = parseJson(raw)
    if (body === BadJson) {
      return { status: 400, body: { statusCode: 400, message: "Unexpected token in JSON", error: "Bad Request" } }
    }
    const segments = path
      .split("/")
      .filter((s) => s.length > 0)
      .map(decodeURIComponent) // ["api", "users", ...]
    if (segments[1] === "internal-squads" && segments.length === 2 && method === "GET") return panel.listSquads()
    if (segments[1] === "hwid" && segments[2] === "devices" && segments.length === 4) {
      if (segments[3] === "delete-all" && method === "POST") return panel.deleteAllDevices(body, path)
      if (segments[3] === "top-users" && method === "GET") {
        const start = Math.max(0, Number(url.searchParams.get("start") ?? 0) || 0)
        return panel.topUsersByDevices(start, Number(url.searchParams.get("size") ?? 5))
      }
      if (method === "GET") return panel.devicesOf(segments[3]!, path)
    }
    if (segments[1] === "users") {
      if (segments.length === 2) {
        if (method === "POST") return panel.create(body, path)
        if (method === "PATCH") return panel.update(body, path)
        if (method === "GET") {
          const start = Math.max(0, Number(url.searchParams.get("start") ?? 0) || 0)
          const size = Math.min(1000, Math.max(1, Number(url.searchParams.get("size") ?? 25) || 25))
          return panel.list(start, size)
        }
      }
      if (segments.length === 4 && segments[2] === "by-username" && method === "GET") {
        return panel.getByUsername(segments[3]!, path)
      }
      if (segments.length === 3 && method === "GET") return panel.getByUuid(segments[2]!, path)
      if (segments.length === 3 && method === "DELETE") return panel.remove(segments[2]!, path)
    }
    return { status: 404, body: { message: `Cannot ${method} ${path}`, error: "Not Found", statusCode: 404 } }
  }

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const record = (status: number) =>
      log.push({ at: new Date().toISOString(), method: req.method ?? "GET", path: url.pathname, status })
    const fault = faults.take(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === req.method) &&
        (f.path === undefined || url.pathname.startsWith(f.path))
    )
    if (fault !== undefined) {
      await readBody(req)
      return answerFault(req, fault, record, (status) =>
        sendJson(res, status, {
          timestamp: new Date().toISOString(),
          path: url.pathname,
          message: "Server error",
          errorCode: "A001"
        })
      )
    }
    const reply = await apiReply(req, url)
    if (reply === "subscription") {
      const sub = panel.subscription(
        decodeURIComponent(url.pathname.slice("/api/sub/".length)),
        req.headers["user-agent"],
        typeof req.headers["x-hwid"] === "string" ? req.headers["x-hwid"] : undefined
      )
      record(sub === undefined ? 404 : 200)
      if (faults.latencyMs() > 0) await sleep(faults.latencyMs())
      if (sub === undefined) return sendJson(res, 404, { message: "Not Found", statusCode: 404 })
      res.writeHead(200, { ...sub.headers, "content-type": "text/plain; charset=utf-8" })
      return res.end(sub.body)
    }
    record(reply.status)
    if (faults.latencyMs() > 0) await sleep(faults.latencyMs())
    if (!res.destroyed) sendJson(res, reply.status, reply.body)
  }

  const handleControl = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const parts = path
      .split("/")
      .filter((p) => p.length > 0)
      .slice(1)
      .map(decodeURIComponent)
    const method = req.method ?? "GET"
    if (parts[0] === "users" && parts.length === 1 && method === "GET")
      return sendJson(res, 200, { users: panel.all() })
    if (parts[0] === "users" && parts.length === 2 && method === "GET") {
      const user = panel.find(parts[1]!)
      if (user === undefined) throw new ControlError(404, `no user ${parts[1]}`)
      return sendJson(res, 200, user)
    }
    if (parts[0] === "users" && parts.length === 2 && method === "PATCH") {
      return sendJson(res, 200, handle.patchUser(parts[1]!, readPatch(await readControlBody(req))))
    }
    if (parts[0] === "internal-squads" && parts.length === 1 && method === "POST") {
      const body = await readControlBody(req)
      if (typeof body.name !== "string" || body.name.length === 0) throw new ControlError(400, "name is required")
      return sendJson(res, 200, handle.addSquad(body.name, typeof body.uuid === "string" ? body.uuid : undefined))
    }
    if (parts[0] === "faults" && parts.length === 1 && method === "POST") {
      const answer = controlFaults(faults, await readControlBody(req), (body) => ({
        ...(typeof body.method === "string" ? { method: body.method } : {}),
        ...(typeof body.path === "string" ? { path: body.path } : {})
      }))
      return sendJson(res, 200, answer)
    }
    if (parts[0] === "requests" && parts.length === 1 && method === "GET") return sendJson(res, 200, { requests: log })
    if (parts[0] === "reset" && parts.length === 1 && method === "POST") {
      handle.reset()
      return sendJson(res, 200, { ok: true })
    }
    throw new ControlError(404, `no control route ${method} ${path}`)
  }

  const route = (req: IncomingMessage, res: ServerResponse): Promise<unknown> => {
    const url = new URL(req.url ?? "/", "http://emulator.local")
    return url.pathname === "/control" || url.pathname.startsWith("/control/")
      ? handleControl(req, res, url.pathname)
      : url.pathname.startsWith("/api/")
        ? handleApi(req, res, url)
        : Promise.resolve(sendText(res, 404, "Not Found"))
  }

  const server = await serve(route, {
    port: options.port,
    host: options.host,
    tooLargeBody: (message) => ({ message, statusCode: 413 })
  })
  baseUrl = server.url

  const handle: RemnawaveEmulator = {
    url: server.url,
    port: server.port,
    token,
    close: server.close,
    users: () => panel.all(),
    user: (username) => panel.find(username),
    patchUser: (username, patch) => {
      const user = panel.patch(username, patch)
      if (user === undefined) throw new ControlError(404, `no user ${username}`)
      return user
    },
    failNext: (count, opts = {}) => faults.failNext(count, opts),
    setLatency: faults.setLatency,
    requests: () => [...log],
    addSquad: (name, uuid) => panel.addSquad(name, uuid),
    addDevice: (username, hwid) => panel.addDevice(username, hwid),
    devices: (username) => {
      const user = panel.find(username)
      if (user === undefined) return []
      const reply = panel.devicesOf(String(user.id), "/control")
      return (reply.body as { response: { devices: Array<{ hwid: string }> } }).response.devices.map((d) => d.hwid)
    },
    deleteUser: (username) => {
      const user = panel.find(username)
      return user !== undefined && panel.remove(user.uuid, "/control").status === 200
    },
    reset: () => {
      panel.reset()
      faults.reset()
      log = []
    }
  }
  return handle
}
