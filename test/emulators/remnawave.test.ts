/**
 * The Remnawave panel emulator over real HTTP: Bearer auth, the user API with
 * the panel's error shapes and codes, derived statuses, the subscription
 * endpoint, and the control API (users, faults, reset).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { startRemnawaveEmulator } from "../../src/emulators/remnawave/index.ts"
import type { RemnawaveEmulator } from "../../src/emulators/remnawave/index.ts"

let panel: RemnawaveEmulator

const DAY = 24 * 60 * 60 * 1000
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString()

const api = async (method: string, path: string, body?: unknown, token: string | null = panel.token) => {
  const headers: Record<string, string> = { accept: "application/json" }
  if (token !== null) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers["content-type"] = "application/json"
  const response = await fetch(`${panel.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  return { status: response.status, json: (await response.json()) as any }
}

const createUser = (overrides: Record<string, unknown> = {}) =>
  api("POST", "/api/users", {
    username: "b7_u1001",
    expireAt: inDays(30),
    trafficLimitBytes: 50 * 1024 ** 3,
    trafficLimitStrategy: "NO_RESET",
    hwidDeviceLimit: 2,
    description: "bot 7",
    ...overrides
  })

beforeAll(async () => {
  panel = await startRemnawaveEmulator({ port: 0, token: "test-token" })
})
afterAll(() => panel.close())
beforeEach(() => panel.reset())

describe("auth", () => {
  it("answers 401 without the Bearer token; the subscription link is public", async () => {
    expect(await api("GET", "/api/users", undefined, null)).toEqual({
      status: 401,
      json: { message: "Unauthorized", statusCode: 401 }
    })
    expect((await api("GET", "/api/users", undefined, "wrong")).status).toBe(401)
    expect((await api("POST", "/api/users", {}, "wrong")).status).toBe(401)
    expect(panel.users()).toHaveLength(0)
    const { json } = await createUser()
    const sub = await fetch(json.response.subscriptionUrl)
    expect(sub.status).toBe(200)
  })
})

describe("users", () => {
  it("creates a user with the panel's fields and a working subscription URL", async () => {
    const expireAt = inDays(30)
    const squad = panel.addSquad("Germany")
    const { status, json } = await createUser({ expireAt, activeInternalSquads: [squad.uuid] })
    expect(status).toBe(201)
    const user = json.response
    expect(user).toMatchObject({
      username: "b7_u1001",
      status: "ACTIVE",
      expireAt,
      trafficLimitBytes: 50 * 1024 ** 3,
      trafficLimitStrategy: "NO_RESET",
      hwidDeviceLimit: 2,
      description: "bot 7",
      usedTrafficBytes: 0,
      userTraffic: { usedTrafficBytes: 0 },
      activeInternalSquads: [{ uuid: squad.uuid, name: "Germany" }]
    })
    expect(user.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(user.subscriptionUrl).toBe(`${panel.url}/api/sub/${user.shortUuid}`)

    const sub = await fetch(user.subscriptionUrl, { headers: { "user-agent": "v2rayNG/1.9" } })
    expect(sub.headers.get("subscription-userinfo")).toContain(`total=${50 * 1024 ** 3}`)
    expect(Buffer.from(await sub.text(), "base64").toString()).toContain("vless://")
    expect(panel.user("b7_u1001")!.subLastUserAgent).toBe("v2rayNG/1.9")
    expect((await fetch(`${panel.url}/api/sub/nope`)).status).toBe(404)
  })

  it("models internal squads: listed, set on create and update, unknown ones refused as the panel does", async () => {
    const de = panel.addSquad("Germany")
    const nl = panel.addSquad("Netherlands")
    const listed = await api("GET", "/api/internal-squads")
    expect(listed.status).toBe(200)
    expect(listed.json.response.total).toBe(2)
    expect(listed.json.response.internalSquads.map((s: any) => s.name)).toEqual(["Germany", "Netherlands"])

    // No squad: the user exists but its subscription reaches no node.
    const bare = (await createUser()).json.response
    expect(bare.activeInternalSquads).toEqual([])
    expect(Buffer.from(await (await fetch(bare.subscriptionUrl)).text(), "base64").toString()).toBe("")

    // A well-formed uuid of no squad breaks the panel's foreign key: its catch-all 500, nothing created.
    const ghost = "0b7a3c1e-0000-4000-8000-000000000000"
    const refused = await createUser({ username: "b7_u1002", activeInternalSquads: [ghost] })
    expect(refused.status).toBe(500)
    expect(refused.json).toMatchObject({ errorCode: "A018" })
    expect(panel.user("b7_u1002")).toBeUndefined()
    expect((await createUser({ username: "b7_u1003", activeInternalSquads: ["not-a-uuid"] })).status).toBe(400)

    const updated = await api("PATCH", "/api/users", { uuid: bare.uuid, activeInternalSquads: [de.uuid, nl.uuid] })
    expect(updated.json.response.activeInternalSquads.map((s: any) => s.name)).toEqual(["Germany", "Netherlands"])
    const links = Buffer.from(await (await fetch(bare.subscriptionUrl)).text(), "base64").toString()
    expect(links).toContain("germany.vpn.emulator.local")
    expect(links).toContain("netherlands.vpn.emulator.local")
    // Without the field the set is kept; an unknown squad changes nothing (500 A039).
    await api("PATCH", "/api/users", { uuid: bare.uuid, hwidDeviceLimit: 5 })
    expect(panel.user("b7_u1001")!.activeInternalSquads).toHaveLength(2)
    const bad = await api("PATCH", "/api/users", { uuid: bare.uuid, activeInternalSquads: [ghost], hwidDeviceLimit: 9 })
    expect(bad.status).toBe(500)
    expect(bad.json).toMatchObject({ errorCode: "A039" })
    expect(panel.user("b7_u1001")).toMatchObject({ hwidDeviceLimit: 5 })
  })

  it("registers HWID devices up to the limit, lists and deletes them; an update keeps them", async () => {
    const user = (await createUser({ hwidDeviceLimit: 2 })).json.response
    for (const hwid of ["phone", "laptop", "tablet"]) {
      await fetch(user.subscriptionUrl, { headers: { "x-hwid": hwid } })
    }
    const listed = await api("GET", `/api/hwid/devices/${user.id}`)
    expect(listed.json.response.devices.map((d: any) => d.hwid)).toEqual(["phone", "laptop"])
    await api("PATCH", "/api/users", { uuid: user.uuid, expireAt: inDays(60), hwidDeviceLimit: 3 })
    expect(panel.devices("b7_u1001")).toEqual(["phone", "laptop"])
    const cleared = await api("POST", "/api/hwid/devices/delete-all", { userId: user.id })
    expect(cleared.json.response.total).toBe(0)
    expect(panel.devices("b7_u1001")).toEqual([])
  })

  it("refuses a taken username with 400 A019", async () => {
    await createUser()
    const { status, json } = await createUser()
    expect(status).toBe(400)
    expect(json).toMatchObject({ message: "User username already exists", errorCode: "A019", path: "/api/users" })
    expect(panel.users()).toHaveLength(1)
  })

  it("validates usernames and dates like the panel's contract", async () => {
    const long = await createUser({ username: "u".repeat(37) })
    expect(long.status).toBe(400)
    expect(long.json).toMatchObject({ statusCode: 400, message: "Validation failed" })
    expect(long.json.errors[0].path).toEqual(["username"])
    expect((await createUser({ username: "u".repeat(36) })).status).toBe(201)
    expect((await createUser({ username: "ab" })).status).toBe(400)
    expect((await createUser({ username: "bad name!" })).status).toBe(400)
    expect((await createUser({ username: "no_date", expireAt: undefined })).status).toBe(400)
    expect((await createUser({ username: "bad_date", expireAt: "tomorrow" })).status).toBe(400)
    expect((await createUser({ username: "bad_limit", trafficLimitBytes: -1 })).status).toBe(400)
    expect((await createUser({ username: "bad_strategy", trafficLimitStrategy: "YEAR" })).status).toBe(400)
  })

  it("looks users up by username (404 A063) and by uuid (404 A025)", async () => {
    const created = (await createUser()).json.response
    const byName = await api("GET", "/api/users/by-username/b7_u1001")
    expect(byName.json.response.uuid).toBe(created.uuid)
    const missingName = await api("GET", "/api/users/by-username/b7_u9999")
    expect(missingName.status).toBe(404)
    expect(missingName.json).toMatchObject({ errorCode: "A063", message: "User with specified params not found" })

    expect((await api("GET", `/api/users/${created.uuid}`)).json.response.username).toBe("b7_u1001")
    const missingUuid = await api("GET", "/api/users/00000000-0000-4000-8000-000000000000")
    expect(missingUuid).toMatchObject({ status: 404, json: { errorCode: "A025", message: "User not found" } })

    const list = await api("GET", "/api/users?start=0&size=10")
    expect(list.json.response.total).toBe(1)
    expect(list.json.response.users[0].uuid).toBe(created.uuid)
  })

  it("updates by uuid; refuses past expiry dates, LIMITED/EXPIRED statuses and unknown users", async () => {
    const created = (await createUser()).json.response
    const expireAt = inDays(60)
    const updated = await api("PATCH", "/api/users", {
      uuid: created.uuid,
      expireAt,
      trafficLimitBytes: 100,
      hwidDeviceLimit: 5,
      status: "DISABLED"
    })
    expect(updated.status).toBe(200)
    expect(updated.json.response).toMatchObject({
      expireAt,
      trafficLimitBytes: 100,
      hwidDeviceLimit: 5,
      status: "DISABLED"
    })

    const past = await api("PATCH", "/api/users", { uuid: created.uuid, expireAt: inDays(-1) })
    expect(past.status).toBe(400)
    expect(past.json.errors[0].message).toBe("Expiration date cannot be in the past")
    expect((await api("PATCH", "/api/users", { uuid: created.uuid, status: "EXPIRED" })).status).toBe(400)
    expect((await api("PATCH", "/api/users", { expireAt })).status).toBe(400)
    const unknown = await api("PATCH", "/api/users", { uuid: "00000000-0000-4000-8000-000000000000", expireAt })
    expect(unknown).toMatchObject({ status: 404, json: { errorCode: "A025" } })
    expect((await api("DELETE", `/api/users/${created.uuid}`)).json).toEqual({ response: { isDeleted: true } })
    expect(panel.users()).toHaveLength(0)
  })

  it("derives EXPIRED and LIMITED, and an extended expired user is ACTIVE again", async () => {
    const created = (await createUser({ trafficLimitBytes: 1000 })).json.response
    panel.patchUser("b7_u1001", { expireAt: new Date(Date.now() - DAY) })
    expect((await api("GET", "/api/users/by-username/b7_u1001")).json.response.status).toBe("EXPIRED")
    const extended = await api("PATCH", "/api/users", { uuid: created.uuid, expireAt: inDays(30) })
    expect(extended.json.response.status).toBe("ACTIVE")
    panel.patchUser("b7_u1001", { usedTrafficBytes: 1000 })
    const limited = (await api("GET", `/api/users/${created.uuid}`)).json.response
    expect(limited).toMatchObject({ status: "LIMITED", userTraffic: { usedTrafficBytes: 1000 } })
  })
})

describe("control API and faults", () => {
  it("fails the next calls, delays answers, and exposes users, requests and reset over HTTP", async () => {
    panel.failNext(1, { status: 503 })
    panel.failNext(1, { disconnect: true })
    expect((await createUser()).status).toBe(503)
    await expect(createUser()).rejects.toThrow(/^fetch failed$/) // a network error, not an answer
    expect((await createUser()).status).toBe(201)
    expect(panel.requests().map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", "/api/users", 503],
      ["POST", "/api/users", 0],
      ["POST", "/api/users", 201]
    ])

    panel.setLatency(120)
    const started = Date.now()
    await api("GET", "/api/users/by-username/b7_u1001")
    expect(Date.now() - started).toBeGreaterThanOrEqual(110)

    const users = (await (await fetch(`${panel.url}/control/users`)).json()) as any
    expect(users.users.map((u: any) => u.username)).toEqual(["b7_u1001"])
    const patched = await fetch(`${panel.url}/control/users/b7_u1001`, {
      method: "PATCH",
      body: JSON.stringify({ expireAt: new Date(Date.now() - DAY).toISOString() })
    })
    expect(((await patched.json()) as any).status).toBe("EXPIRED")
    const faults = await fetch(`${panel.url}/control/faults`, {
      method: "POST",
      body: JSON.stringify({ failNext: 1, latencyMs: 0 })
    })
    expect(await faults.json()).toEqual({ pendingFaults: 1, latencyMs: 0 })
    expect((await api("GET", "/api/users")).status).toBe(500)
    const requests = (await (await fetch(`${panel.url}/control/requests`)).json()) as any
    expect(requests.requests.length).toBe(5)

    expect((await fetch(`${panel.url}/control/reset`, { method: "POST" })).status).toBe(200)
    expect(panel.users()).toHaveLength(0)
    expect((await fetch(`${panel.url}/control/users/b7_u1001`)).status).toBe(404)
  })
})
