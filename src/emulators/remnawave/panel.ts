/**
 * The Remnawave panel's user API, without HTTP. Follows the panel's contract
 * (remnawave/backend, libs/contract: CreateUserCommand, UpdateUserCommand,
 * errors.ts, users.schema.ts):
 *
 * - Create: username 3–36 characters of [A-Za-z0-9_-], expireAt required (ISO
 *   date-time), trafficLimitBytes ≥ 0 (0 = unlimited), trafficLimitStrategy one
 *   of NO_RESET, DAY, WEEK, MONTH (default NO_RESET), optional hwidDeviceLimit,
 *   description, status, tag, telegramId, email. A taken username is HTTP 400
 *   with errorCode A019 "User username already exists".
 * - Update (PATCH /api/users): by uuid (or username), status only ACTIVE or
 *   DISABLED, expireAt not in the past; unknown user → 404 A025.
 * - Look-ups: by username → 404 A063 "User with specified params not found";
 *   by uuid → 404 A025 "User not found".
 * - Body validation failures look like nestjs-zod's: HTTP 400
 *   `{statusCode, message: "Validation failed", errors: [{code, message, path}]}`;
 *   other errors like the panel's exception filter:
 *   `{timestamp, path, message, errorCode}`.
 * - Status: DISABLED when an admin disabled the user; otherwise EXPIRED once
 *   expireAt has passed, LIMITED once the traffic limit is used up, else ACTIVE.
 *   The panel reaches the same states through its jobs; the emulator derives
 *   them when a user is read, so extending an expired user makes it ACTIVE.
 * - User objects carry the current contract's fields (userTraffic {…},
 *   subscriptionUrl, activeInternalSquads as [{uuid, name}]) and, for clients of
 *   older panel versions, usedTrafficBytes and lifetimeUsedTrafficBytes at the
 *   top level.
 * - Internal squads (Remnawave 2.x): a user reaches nodes only through them.
 *   Create and update take `activeInternalSquads: uuid[]` (zod `z.uuid()`: a
 *   malformed one is a 400 validation failure); update replaces the whole set
 *   when the field is given, keeps it when not. A well-formed uuid of no squad
 *   breaks the panel's foreign key, and the panel answers as its catch-all
 *   does: HTTP 500 A018 "Failed to create user" / A039 "Update user error",
 *   nothing changed. GET /api/internal-squads lists them
 *   (`{response: {total, internalSquads: [{uuid, viewPosition, name, info, inbounds, …}]}}`).
 *   A user without a squad gets a subscription with no hosts in it.
 * - HWID devices: a VPN client that fetches the subscription with an `x-hwid`
 *   header registers that device while the user is under `hwidDeviceLimit`
 *   (null: no limit). GET /api/hwid/devices/:userId lists them and
 *   POST /api/hwid/devices/delete-all {userId} removes them (the numeric id).
 *   Updating the user never touches its devices.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { isRecord } from "../shared/http.ts"

export type UserStatus = "ACTIVE" | "DISABLED" | "LIMITED" | "EXPIRED"
export const RESET_PERIODS = ["NO_RESET", "DAY", "WEEK", "MONTH"] as const
export type ResetPeriod = (typeof RESET_PERIODS)[number]

export interface StoredUser {
  uuid: string
  id: number
  shortUuid: string
  username: string
  disabled: boolean
  expireAt: Date
  trafficLimitBytes: number
  trafficLimitStrategy: ResetPeriod
  usedTrafficBytes: number
  lifetimeUsedTrafficBytes: number
  description: string | null
  tag: string | null
  telegramId: number | null
  email: string | null
  hwidDeviceLimit: number | null
  activeInternalSquads: Array<string>
  devices: Array<{ hwid: string; platform: string | null; userAgent: string | null; createdAt: Date }>
  trojanPassword: string
  vlessUuid: string
  ssPassword: string
  subLastUserAgent: string | null
  subLastOpenedAt: Date | null
  createdAt: Date
  updatedAt: Date
}

/** Stored fields a test may overwrite directly (`patch`). */
export interface UserPatch {
  readonly expireAt?: Date
  readonly usedTrafficBytes?: number
  readonly disabled?: boolean
  readonly trafficLimitBytes?: number
  readonly hwidDeviceLimit?: number | null
}

/** A user as the panel's API returns it (ExtendedUsersSchema). */
export type UserJson = Record<string, unknown> & {
  readonly uuid: string
  readonly shortUuid: string
  readonly username: string
  readonly status: UserStatus
  readonly expireAt: string
  readonly subscriptionUrl: string
}

export interface Reply {
  readonly status: number
  readonly body: unknown
}

interface Issue {
  readonly code: string
  readonly message: string
  readonly path: ReadonlyArray<string>
}

export const ERRORS = {
  USER_USERNAME_ALREADY_EXISTS: { code: "A019", message: "User username already exists", httpCode: 400 },
  USER_NOT_FOUND: { code: "A025", message: "User not found", httpCode: 404 },
  GET_USER_BY_UNIQUE_FIELDS_NOT_FOUND: { code: "A063", message: "User with specified params not found", httpCode: 404 },
  CREATE_USER_ERROR: { code: "A018", message: "Failed to create user", httpCode: 500 },
  UPDATE_USER_ERROR: { code: "A039", message: "Update user error", httpCode: 500 }
} as const

export interface StoredSquad {
  readonly uuid: string
  readonly name: string
  readonly viewPosition: number
  readonly createdAt: Date
}

const USERNAME = /^[a-zA-Z0-9_-]+$/
const TAG = /^[A-Z0-9_]+$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// zod's .datetime({offset: true, local: true}): date, time, optional fraction, optional Z/offset.
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/

const SHORT_UUID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const shortUuid = () => [...randomBytes(16)].map((b) => SHORT_UUID_ALPHABET[b % SHORT_UUID_ALPHABET.length]).join("")
const secret = () => randomBytes(12).toString("base64url").slice(0, 16)

export const panelError = (
  error: { readonly code: string; readonly message: string; readonly httpCode: number },
  path: string
): Reply => ({
  status: error.httpCode,
  body: { timestamp: new Date().toISOString(), path, message: error.message, errorCode: error.code }
})

const validationFailed = (issues: ReadonlyArray<Issue>): Reply => ({
  status: 400,
  body: { statusCode: 400, message: "Validation failed", errors: issues }
})

const parseDate = (u: unknown): Date | undefined => {
  if (typeof u !== "string" || !ISO_DATETIME.test(u)) return undefined
  const d = new Date(u)
  return Number.isNaN(d.getTime()) ? undefined : d
}

const isNonNegativeInt = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0

export const makePanel = (options: { readonly subscriptionBase: () => string }) => {
  const users = new Map<string, StoredUser>() // by uuid
  const squads = new Map<string, StoredSquad>() // by uuid
  let nextId = 1

  const statusOf = (u: StoredUser, now = Date.now()): UserStatus => {
    if (u.disabled) return "DISABLED"
    if (u.expireAt.getTime() <= now) return "EXPIRED"
    if (u.trafficLimitBytes > 0 && u.usedTrafficBytes >= u.trafficLimitBytes) return "LIMITED"
    return "ACTIVE"
  }

  const toJson = (u: StoredUser): UserJson => ({
    uuid: u.uuid,
    id: u.id,
    shortUuid: u.shortUuid,
    username: u.username,
    status: statusOf(u),
    trafficLimitBytes: u.trafficLimitBytes,
    trafficLimitStrategy: u.trafficLimitStrategy,
    expireAt: u.expireAt.toISOString(),
    telegramId: u.telegramId,
    email: u.email,
    description: u.description,
    tag: u.tag,
    hwidDeviceLimit: u.hwidDeviceLimit,
    externalSquadUuid: null,
    trojanPassword: u.trojanPassword,
    vlessUuid: u.vlessUuid,
    ssPassword: u.ssPassword,
    lastTriggeredThreshold: 0,
    subRevokedAt: null,
    subLastUserAgent: u.subLastUserAgent,
    subLastOpenedAt: u.subLastOpenedAt?.toISOString() ?? null,
    lastTrafficResetAt: null,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
    subscriptionUrl: `${options.subscriptionBase()}/${u.shortUuid}`,
    activeInternalSquads: u.activeInternalSquads.flatMap((uuid) => {
      const squad = squads.get(uuid)
      return squad === undefined ? [] : [{ uuid: squad.uuid, name: squad.name }]
    }),
    userTraffic: {
      usedTrafficBytes: u.usedTrafficBytes,
      lifetimeUsedTrafficBytes: u.lifetimeUsedTrafficBytes,
      onlineAt: null,
      firstConnectedAt: null,
      lastConnectedNodeUuid: null
    },
    usedTrafficBytes: u.usedTrafficBytes,
    lifetimeUsedTrafficBytes: u.lifetimeUsedTrafficBytes
  })

  const byUsername = (username: string) => [...users.values()].find((u) => u.username === username)
  const byShortUuid = (short: string) => [...users.values()].find((u) => u.shortUuid === short)

  /** Fields shared by create and update; pushes issues, returns the recognised values. */
  const readCommon = (body: Record<string, unknown>, issues: Array<Issue>) => {
    const out: Partial<StoredUser> = {}
    if (body.trafficLimitBytes !== undefined) {
      if (isNonNegativeInt(body.trafficLimitBytes)) out.trafficLimitBytes = body.trafficLimitBytes
      else
        issues.push({
          code: "invalid_type",
          message: "Traffic limit must be a non-negative integer",
          path: ["trafficLimitBytes"]
        })
    }
    if (body.trafficLimitStrategy !== undefined) {
      if ((RESET_PERIODS as ReadonlyArray<unknown>).includes(body.trafficLimitStrategy)) {
        out.trafficLimitStrategy = body.trafficLimitStrategy as ResetPeriod
      } else {
        issues.push({
          code: "invalid_enum_value",
          message: "Invalid traffic limit strategy",
          path: ["trafficLimitStrategy"]
        })
      }
    }
    if (body.hwidDeviceLimit !== undefined) {
      if (body.hwidDeviceLimit === null || isNonNegativeInt(body.hwidDeviceLimit))
        out.hwidDeviceLimit = body.hwidDeviceLimit
      else
        issues.push({
          code: "invalid_type",
          message: "Device limit must be a non-negative integer",
          path: ["hwidDeviceLimit"]
        })
    }
    if (body.description !== undefined) {
      if (body.description === null || typeof body.description === "string") out.description = body.description
      else issues.push({ code: "invalid_type", message: "Description must be a string", path: ["description"] })
    }
    if (body.tag !== undefined) {
      if (body.tag === null || (typeof body.tag === "string" && TAG.test(body.tag) && body.tag.length <= 16))
        out.tag = body.tag
      else
        issues.push({
          code: "invalid_string",
          message: "Tag can only contain uppercase letters, numbers, underscores",
          path: ["tag"]
        })
    }
    if (body.telegramId !== undefined) {
      if (body.telegramId === null || (typeof body.telegramId === "number" && Number.isSafeInteger(body.telegramId))) {
        out.telegramId = body.telegramId
      } else issues.push({ code: "invalid_type", message: "Telegram ID must be an integer", path: ["telegramId"] })
    }
    if (body.activeInternalSquads !== undefined) {
      const list = body.activeInternalSquads
      if (!Array.isArray(list)) {
        issues.push({ code: "invalid_type", message: "Expected array", path: ["activeInternalSquads"] })
      } else {
        list.forEach((uuid, i) => {
          if (typeof uuid !== "string" || !UUID.test(uuid))
            issues.push({ code: "invalid_format", message: "Invalid UUID", path: ["activeInternalSquads", String(i)] })
        })
        if (list.every((uuid) => typeof uuid === "string"))
          out.activeInternalSquads = [...new Set(list.map((uuid: string) => uuid.toLowerCase()))]
      }
    }
    if (body.email !== undefined) {
      if (body.email === null || (typeof body.email === "string" && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email))) {
        out.email = body.email
      } else issues.push({ code: "invalid_string", message: "Invalid email format", path: ["email"] })
    }
    return out
  }

  /** The panel's foreign key from a user's squads to internal_squads. */
  const unknownSquad = (uuids: ReadonlyArray<string> | undefined) => uuids?.some((uuid) => !squads.has(uuid)) === true

  const create = (body: unknown, path: string): Reply => {
    if (!isRecord(body)) return validationFailed([{ code: "invalid_type", message: "Expected object", path: [] }])
    const issues: Array<Issue> = []
    const username = body.username
    if (typeof username !== "string") {
      issues.push({ code: "invalid_type", message: "Username is required", path: ["username"] })
    } else if (!USERNAME.test(username)) {
      issues.push({
        code: "invalid_string",
        message: "Username can only contain letters, numbers, underscores and dashes",
        path: ["username"]
      })
    } else if (username.length > 36) {
      issues.push({ code: "too_big", message: "Username must be less than 36 characters", path: ["username"] })
    } else if (username.length < 3) {
      issues.push({ code: "too_small", message: "Username must be at least 3 characters", path: ["username"] })
    }
    const expireAt = parseDate(body.expireAt)
    if (expireAt === undefined) {
      issues.push({
        code: body.expireAt === undefined ? "invalid_type" : "invalid_string",
        message: body.expireAt === undefined ? "Expiration date is required" : "Invalid date format",
        path: ["expireAt"]
      })
    }
    const status = body.status ?? "ACTIVE"
    if (!["ACTIVE", "DISABLED", "LIMITED", "EXPIRED"].includes(status as string)) {
      issues.push({ code: "invalid_enum_value", message: "Invalid status", path: ["status"] })
    }
    if (body.uuid !== undefined && (typeof body.uuid !== "string" || !UUID.test(body.uuid))) {
      issues.push({ code: "invalid_string", message: "Invalid uuid", path: ["uuid"] })
    }
    const common = readCommon(body, issues)
    if (issues.length > 0) return validationFailed(issues)
    if (byUsername(username as string) !== undefined) return panelError(ERRORS.USER_USERNAME_ALREADY_EXISTS, path)
    if (unknownSquad(common.activeInternalSquads)) return panelError(ERRORS.CREATE_USER_ERROR, path)
    if (typeof body.shortUuid === "string" && byShortUuid(body.shortUuid) !== undefined) {
      return panelError({ code: "A020", message: "User short UUID already exists", httpCode: 400 }, path)
    }
    const now = new Date()
    const user: StoredUser = {
      uuid: typeof body.uuid === "string" ? body.uuid.toLowerCase() : randomUUID(),
      id: nextId++,
      shortUuid: typeof body.shortUuid === "string" ? body.shortUuid : shortUuid(),
      username: username as string,
      disabled: status === "DISABLED",
      expireAt: expireAt!,
      trafficLimitBytes: 0,
      trafficLimitStrategy: "NO_RESET",
      usedTrafficBytes: 0,
      lifetimeUsedTrafficBytes: 0,
      description: null,
      tag: null,
      telegramId: null,
      email: null,
      hwidDeviceLimit: null,
      activeInternalSquads: [],
      devices: [],
      trojanPassword: secret(),
      vlessUuid: randomUUID(),
      ssPassword: secret(),
      subLastUserAgent: null,
      subLastOpenedAt: null,
      createdAt: now,
      updatedAt: now,
      ...common
    }
    if (users.has(user.uuid)) return panelError({ code: "A018", message: "Failed to create user", httpCode: 500 }, path)
    users.set(user.uuid, user)
    return { status: 201, body: { response: toJson(user) } }
  }

  const update = (body: unknown, path: string): Reply => {
    if (!isRecord(body)) return validationFailed([{ code: "invalid_type", message: "Expected object", path: [] }])
    const issues: Array<Issue> = []
    if (body.uuid !== undefined && (typeof body.uuid !== "string" || !UUID.test(body.uuid))) {
      issues.push({ code: "invalid_string", message: "Invalid uuid", path: ["uuid"] })
    }
    if (body.uuid === undefined && typeof body.username !== "string") {
      issues.push({ code: "custom", message: "Either uuid or username must be provided", path: [] })
    }
    let expireAt: Date | undefined
    if (body.expireAt !== undefined) {
      expireAt = parseDate(body.expireAt)
      if (expireAt === undefined)
        issues.push({ code: "invalid_string", message: "Invalid date format", path: ["expireAt"] })
      else if (expireAt.getTime() <= Date.now()) {
        issues.push({ code: "custom", message: "Expiration date cannot be in the past", path: ["expireAt"] })
      }
    }
    if (body.status !== undefined && body.status !== "ACTIVE" && body.status !== "DISABLED") {
      issues.push({
        code: "invalid_enum_value",
        message: "You can't change status to LIMITED or EXPIRED. These statuses handled by Remnawave.",
        path: ["status"]
      })
    }
    const common = readCommon(body, issues)
    if (issues.length > 0) return validationFailed(issues)
    // UUID has priority over username.
    const user =
      typeof body.uuid === "string" ? users.get(body.uuid.toLowerCase()) : byUsername(body.username as string)
    if (user === undefined) return panelError(ERRORS.USER_NOT_FOUND, path)
    if (unknownSquad(common.activeInternalSquads)) return panelError(ERRORS.UPDATE_USER_ERROR, path)
    Object.assign(user, common)
    if (expireAt !== undefined) user.expireAt = expireAt
    if (body.status !== undefined) user.disabled = body.status === "DISABLED"
    user.updatedAt = new Date()
    return { status: 200, body: { response: toJson(user) } }
  }

  const getByUsername = (username: string, path: string): Reply => {
    const user = byUsername(username)
    return user === undefined
      ? panelError(ERRORS.GET_USER_BY_UNIQUE_FIELDS_NOT_FOUND, path)
      : { status: 200, body: { response: toJson(user) } }
  }

  const getByUuid = (uuid: string, path: string): Reply => {
    if (!UUID.test(uuid)) return validationFailed([{ code: "invalid_string", message: "Invalid uuid", path: ["uuid"] }])
    const user = users.get(uuid.toLowerCase())
    return user === undefined
      ? panelError(ERRORS.USER_NOT_FOUND, path)
      : { status: 200, body: { response: toJson(user) } }
  }

  const list = (start: number, size: number): Reply => {
    const all = [...users.values()].sort((a, b) => a.id - b.id)
    return { status: 200, body: { response: { users: all.slice(start, start + size).map(toJson), total: all.length } } }
  }

  const remove = (uuid: string, path: string): Reply => {
    if (!users.delete(uuid.toLowerCase())) return panelError(ERRORS.USER_NOT_FOUND, path)
    return { status: 200, body: { response: { isDeleted: true } } }
  }

  /** What a VPN client downloads: a base64 list of links, and the usual userinfo headers. */
  const deviceJson = (user: StoredUser) => ({
    total: user.devices.length,
    devices: user.devices.map((d) => ({
      hwid: d.hwid,
      userId: user.id,
      platform: d.platform,
      osVersion: null,
      deviceModel: null,
      userAgent: d.userAgent,
      requestIp: null,
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.createdAt.toISOString()
    }))
  })
  const byId = (id: number) => [...users.values()].find((u) => u.id === id)
  /** Registers a device, as the panel does when a client fetches the subscription with x-hwid; false over the limit. */
  const registerDevice = (user: StoredUser, hwid: string, userAgent: string | null) => {
    if (user.devices.some((d) => d.hwid === hwid)) return true
    if (user.hwidDeviceLimit !== null && user.devices.length >= user.hwidDeviceLimit) return false
    user.devices.push({ hwid, platform: null, userAgent, createdAt: new Date() })
    return true
  }
  const devicesOf = (userId: string, path: string): Reply => {
    const user = /^\d+$/.test(userId) ? byId(Number(userId)) : undefined
    return user === undefined
      ? panelError(ERRORS.USER_NOT_FOUND, path)
      : { status: 200, body: { response: deviceJson(user) } }
  }
  /**
   * GET /api/hwid/devices/top-users?start=&size=: the users that have devices,
   * most devices first (then by id), with how many — as Remnawave 2.x's
   * hwid-user-devices repository answers it (size 1..100, default 5; total =
   * users with at least one device).
   */
  const topUsersByDevices = (start: number, size: number): Reply => {
    if (!Number.isInteger(size) || size < 1 || size > 100)
      return validationFailed([
        {
          code: size < 1 ? "too_small" : "too_big",
          message: size < 1 ? "Size (limit) must be greater than 0" : "Size (limit) must be less than 100",
          path: ["size"]
        }
      ])
    const withDevices = [...users.values()]
      .filter((u) => u.devices.length > 0)
      .sort((a, b) => b.devices.length - a.devices.length || a.id - b.id)
    const page = withDevices.slice(start, start + size)
    return {
      status: 200,
      body: {
        response: {
          users: page.map((u) => ({ id: u.id, username: u.username, devicesCount: u.devices.length })),
          total: withDevices.length
        }
      }
    }
  }
  const deleteAllDevices = (body: unknown, path: string): Reply => {
    if (!isRecord(body) || typeof body.userId !== "number") {
      return validationFailed([{ code: "invalid_type", message: "Expected number", path: ["userId"] }])
    }
    const user = byId(body.userId)
    if (user === undefined) return panelError(ERRORS.USER_NOT_FOUND, path)
    user.devices = []
    return { status: 200, body: { response: deviceJson(user) } }
  }

  const subscription = (short: string, userAgent: string | undefined, hwid?: string) => {
    const user = byShortUuid(short)
    if (user === undefined) return undefined
    if (hwid !== undefined && !registerDevice(user, hwid, userAgent ?? null)) {
      // Over the device limit: the panel hands out no hosts to a new device.
      return { body: "", headers: { "profile-title": `base64:${Buffer.from(user.username).toString("base64")}` } }
    }
    user.subLastOpenedAt = new Date()
    user.subLastUserAgent = userAgent ?? null
    // One host per squad the user is in: no squad, no node, an empty list.
    const links = user.activeInternalSquads
      .flatMap((uuid) => {
        const squad = squads.get(uuid)
        if (squad === undefined) return []
        const host = `${squad.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.vpn.emulator.local`
        return [
          `vless://${user.vlessUuid}@${host}:443?security=reality&type=tcp#${user.username}`,
          `trojan://${user.trojanPassword}@${host}:8443#${user.username}`
        ]
      })
      .join("\n")
    return {
      body: Buffer.from(links).toString("base64"),
      headers: {
        "subscription-userinfo": `upload=0; download=${user.usedTrafficBytes}; total=${user.trafficLimitBytes}; expire=${Math.floor(user.expireAt.getTime() / 1000)}`,
        "profile-title": `base64:${Buffer.from(user.username).toString("base64")}`,
        "profile-update-interval": "12"
      }
    }
  }

  const squadJson = (squad: StoredSquad) => ({
    uuid: squad.uuid,
    viewPosition: squad.viewPosition,
    name: squad.name,
    info: {
      membersCount: [...users.values()].filter((u) => u.activeInternalSquads.includes(squad.uuid)).length,
      inboundsCount: 1
    },
    inbounds: [],
    createdAt: squad.createdAt.toISOString(),
    updatedAt: squad.createdAt.toISOString()
  })

  const listSquads = (): Reply => {
    const all = [...squads.values()].sort((a, b) => a.viewPosition - b.viewPosition)
    return { status: 200, body: { response: { total: all.length, internalSquads: all.map(squadJson) } } }
  }

  /** Control: an internal squad (an admin made it in the panel's UI). */
  const addSquad = (name: string, uuid: string = randomUUID()) => {
    const squad: StoredSquad = { uuid: uuid.toLowerCase(), name, viewPosition: squads.size + 1, createdAt: new Date() }
    squads.set(squad.uuid, squad)
    return squadJson(squad)
  }

  return {
    create,
    update,
    listSquads,
    addSquad,
    devicesOf,
    topUsersByDevices,
    deleteAllDevices,
    addDevice: (username: string, hwid: string) => {
      const u = byUsername(username)
      return u !== undefined && registerDevice(u, hwid, null)
    },
    getByUsername,
    getByUuid,
    list,
    remove,
    subscription,
    all: () => [...users.values()].sort((a, b) => a.id - b.id).map(toJson),
    find: (username: string) => {
      const u = byUsername(username)
      return u === undefined ? undefined : toJson(u)
    },
    /** Test hook: overwrite stored fields directly (e.g. an expiry in the past, used traffic). */
    patch: (username: string, changes: UserPatch) => {
      const u = byUsername(username)
      if (u === undefined) return undefined
      if (changes.expireAt !== undefined) u.expireAt = changes.expireAt
      if (changes.usedTrafficBytes !== undefined) {
        u.lifetimeUsedTrafficBytes += Math.max(0, changes.usedTrafficBytes - u.usedTrafficBytes)
        u.usedTrafficBytes = changes.usedTrafficBytes
      }
      if (changes.disabled !== undefined) u.disabled = changes.disabled
      if (changes.trafficLimitBytes !== undefined) u.trafficLimitBytes = changes.trafficLimitBytes
      if (changes.hwidDeviceLimit !== undefined) u.hwidDeviceLimit = changes.hwidDeviceLimit
      u.updatedAt = new Date()
      return toJson(u)
    },
    reset: () => {
      users.clear()
      squads.clear()
      nextId = 1
    }
  }
}

export type Panel = ReturnType<typeof makePanel>
