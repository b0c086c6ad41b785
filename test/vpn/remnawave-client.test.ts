/**
 * RemnawaveClient against the Remnawave emulator over real HTTP: the user
 * calls with their typed outcomes, `provision` (create, extend, expired,
 * concurrent), the token kept out of errors, timeouts and the retry policy.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Option, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { startRemnawaveEmulator } from "../../src/emulators/remnawave/index.ts"
import type { RemnawaveEmulator } from "../../src/emulators/remnawave/index.ts"
import { panelUsername, RemnawaveClient } from "../../src/vpn/remnawave-client.ts"
import type { RemnawaveClientOptions } from "../../src/vpn/remnawave-client.ts"

const TOKEN = "panel-secret-token-123"
const DAY = 24 * 60 * 60 * 1000
const GIB = 1024 ** 3

let panel: RemnawaveEmulator

beforeAll(async () => {
  panel = await startRemnawaveEmulator({ port: 0, token: TOKEN })
})
afterAll(() => panel.close())
beforeEach(() => panel.reset())

const withClient = <A, E>(
  effect: Effect.Effect<A, E, RemnawaveClient>,
  options: Partial<RemnawaveClientOptions> = {}
) =>
  effect.pipe(
    Effect.provide(
      RemnawaveClient.layerWith({
        apiUrl: panel.url,
        apiToken: Redacted.make(TOKEN),
        retryBaseDelay: "10 millis",
        ...options
      })
    )
  )

/** Asserts two instants are within two seconds of each other. */
const near = (actual: DateTime.DateTime, expectedMillis: number) =>
  assert.isBelow(Math.abs(DateTime.toEpochMillis(actual) - expectedMillis), 2_000)

const provision = (
  overrides: Partial<{
    botId: number
    telegramId: number
    days: number
    trafficLimitGb: number
    deviceLimit: number
  }> = {}
) =>
  Effect.gen(function* () {
    const remnawave = yield* RemnawaveClient
    return yield* remnawave.provision({
      botId: 7,
      telegramId: 123456789,
      days: 30,
      trafficLimitGb: 50,
      deviceLimit: 2,
      ...overrides
    })
  })

describe("RemnawaveClient users", () => {
  it.live("creates, finds, updates; a taken username is RemnawaveUserExists", () =>
    withClient(
      Effect.gen(function* () {
        const remnawave = yield* RemnawaveClient
        assert.isTrue(Option.isNone(yield* remnawave.getUserByUsername("b1_u1")))
        const expireAt = DateTime.makeUnsafe(Date.now() + 10 * DAY)
        const user = yield* remnawave.createUser({
          username: "b1_u1",
          expireAt,
          trafficLimitBytes: GIB,
          hwidDeviceLimit: 3
        })
        assert.deepInclude(user, {
          username: "b1_u1",
          status: "ACTIVE",
          trafficLimitBytes: GIB,
          hwidDeviceLimit: 3,
          usedTrafficBytes: 0
        })
        assert.strictEqual(DateTime.toEpochMillis(user.expireAt), DateTime.toEpochMillis(expireAt))

        const found = yield* remnawave.getUserByUsername("b1_u1")
        assert.strictEqual(Option.getOrThrow(found).uuid, user.uuid)
        assert.strictEqual(Option.getOrThrow(yield* remnawave.getUserByUuid(user.uuid)).username, "b1_u1")

        const duplicate = yield* Effect.flip(
          remnawave.createUser({ username: "b1_u1", expireAt, trafficLimitBytes: 0 })
        )
        assert.strictEqual(duplicate._tag, "RemnawaveUserExists")

        const updated = yield* remnawave.updateUser({ uuid: user.uuid, trafficLimitBytes: 2 * GIB, status: "DISABLED" })
        assert.deepInclude(updated, { trafficLimitBytes: 2 * GIB, status: "DISABLED" })
        const missing = yield* Effect.flip(
          remnawave.updateUser({ uuid: "00000000-0000-4000-8000-000000000000", trafficLimitBytes: 1 })
        )
        assert.strictEqual(missing._tag, "RemnawaveUserNotFound")
      })
    )
  )

  it.live("reports the panel's refusals with status and errorCode, and never the token", () =>
    Effect.gen(function* () {
      const unauthorized = yield* Effect.flip(
        withClient(
          Effect.flatMap(RemnawaveClient, (r) => r.getUserByUsername("b1_u1")),
          { apiToken: Redacted.make("wrong-token-456") }
        )
      )
      assert.strictEqual(unauthorized._tag, "RemnawaveApiError")
      if (unauthorized._tag === "RemnawaveApiError") assert.strictEqual(unauthorized.status, 401)
      assert.notInclude(JSON.stringify(unauthorized) + String(unauthorized), "wrong-token-456")

      const invalid = yield* Effect.flip(
        withClient(
          Effect.flatMap(RemnawaveClient, (r) =>
            r.createUser({ username: "x", expireAt: DateTime.makeUnsafe(Date.now() + DAY), trafficLimitBytes: 0 })
          )
        )
      )
      assert.strictEqual(invalid._tag, "RemnawaveApiError")
      if (invalid._tag === "RemnawaveApiError") {
        assert.strictEqual(invalid.status, 400)
        assert.strictEqual(invalid.detail, "Validation failed")
      }
      assert.notInclude(JSON.stringify(invalid) + String(invalid), TOKEN)
    })
  )
})

describe("RemnawaveClient.provision", () => {
  it.live("creates a new user named after the tenant with the plan's limits", () =>
    withClient(
      Effect.gen(function* () {
        const result = yield* provision()
        assert.strictEqual(result.username, "b7_u123456789")
        assert.strictEqual(result.username, panelUsername(7, 123456789))
        assert.isTrue(result.created)
        near(result.expireAt, Date.now() + 30 * DAY)
        const stored = panel.user("b7_u123456789")!
        assert.deepInclude(stored, {
          uuid: result.uuid,
          trafficLimitBytes: 50 * GIB,
          hwidDeviceLimit: 2,
          trafficLimitStrategy: "NO_RESET"
        })
        assert.strictEqual(result.subscriptionUrl, stored.subscriptionUrl)
        const sub = yield* Effect.promise(() => fetch(result.subscriptionUrl))
        assert.strictEqual(sub.status, 200)
      })
    )
  )

  it.live("extends an active user from its current expiry and replaces the limits", () =>
    withClient(
      Effect.gen(function* () {
        const first = yield* provision()
        const second = yield* provision({ days: 10, trafficLimitGb: 0, deviceLimit: 5 })
        assert.isFalse(second.created)
        assert.strictEqual(second.uuid, first.uuid)
        assert.strictEqual(DateTime.toEpochMillis(second.expireAt), DateTime.toEpochMillis(first.expireAt) + 10 * DAY)
        assert.deepInclude(panel.user(first.username)!, { trafficLimitBytes: 0, hwidDeviceLimit: 5, status: "ACTIVE" })
        assert.strictEqual(panel.users().length, 1)
      })
    )
  )

  it.live("extends an expired user from now, which makes it active again", () =>
    withClient(
      Effect.gen(function* () {
        const first = yield* provision()
        panel.patchUser(first.username, { expireAt: new Date(Date.now() - 5 * DAY) })
        assert.strictEqual(panel.user(first.username)!.status, "EXPIRED")
        const renewed = yield* provision({ days: 30 })
        near(renewed.expireAt, Date.now() + 30 * DAY)
        assert.strictEqual(panel.user(first.username)!.status, "ACTIVE")
      })
    )
  )

  it.live("two concurrent purchases end with one user holding both periods", () =>
    withClient(
      Effect.gen(function* () {
        const results = yield* Effect.all([provision({ days: 30 }), provision({ days: 30 })], { concurrency: 2 })
        assert.deepStrictEqual(results.map((r) => r.created).sort(), [false, true])
        assert.strictEqual(panel.users().length, 1)
        near(DateTime.makeUnsafe(panel.user("b7_u123456789")!.expireAt), Date.now() + 60 * DAY)
      })
    )
  )

  it.live("refuses what the panel cannot hold", () =>
    withClient(
      Effect.gen(function* () {
        const long = yield* Effect.flip(provision({ botId: 123456789012, telegramId: 1.2345678901234568e21 }))
        assert.strictEqual(long._tag, "InvalidProvisionRequest")
        assert.strictEqual((yield* Effect.flip(provision({ days: 0 })))._tag, "InvalidProvisionRequest")
        assert.strictEqual(panel.requests().length, 0)
      })
    )
  )
})

describe("RemnawaveClient transport", () => {
  it.live("retries look-ups and updates on 5xx and dropped connections, never create", () =>
    withClient(
      Effect.gen(function* () {
        panel.failNext(1, { status: 502 })
        panel.failNext(1, { disconnect: true })
        const created = yield* provision()
        assert.isTrue(created.created)
        panel.failNext(2, { status: 503 })
        yield* provision({ days: 1 })
        assert.deepStrictEqual(
          panel.requests().map((r) => [r.method, r.status]),
          [
            ["GET", 502],
            ["GET", 0],
            ["GET", 404],
            ["POST", 201],
            ["GET", 503],
            ["GET", 503],
            ["GET", 200],
            ["PATCH", 200]
          ]
        )

        panel.reset()
        panel.failNext(1, { status: 500, method: "POST" })
        const failed = yield* Effect.flip(provision())
        assert.strictEqual(failed._tag, "RemnawaveUnavailable")
        assert.deepStrictEqual(
          panel.requests().map((r) => [r.method, r.status]),
          [
            ["GET", 404],
            ["POST", 500]
          ]
        )
      })
    )
  )

  it.live("times out slow answers and gives up after the configured retries", () =>
    withClient(
      Effect.gen(function* () {
        const remnawave = yield* RemnawaveClient
        panel.setLatency(300)
        const error = yield* Effect.flip(remnawave.getUserByUsername("b1_u1"))
        assert.strictEqual(error._tag, "RemnawaveUnavailable")
        if (error._tag === "RemnawaveUnavailable") assert.strictEqual(error.reason, "timed out")
        assert.strictEqual(panel.requests().length, 2)
      }),
      { timeout: "80 millis", retries: 1 }
    )
  )
})

describe("lifecycle calls", () => {
  it.effect("lists squads and users in pages, sets squads, and deletes a user's devices", () =>
    withClient(
      Effect.gen(function* () {
        const remnawave = yield* RemnawaveClient
        const squad = panel.addSquad("Germany")
        assert.deepStrictEqual(yield* remnawave.listInternalSquads(), [{ uuid: squad.uuid, name: "Germany" }])
        for (let i = 0; i < 3; i++) {
          yield* remnawave.createUser({
            username: `b7_u${i}`,
            expireAt: DateTime.fromDateUnsafe(new Date(Date.now() + DAY)),
            trafficLimitBytes: GIB,
            hwidDeviceLimit: 2,
            ...(i === 0 ? { activeInternalSquads: [squad.uuid] } : {})
          })
        }
        const first = yield* remnawave.listUsers(0, 2)
        const second = yield* remnawave.listUsers(2, 2)
        assert.strictEqual(first.total, 3)
        assert.deepStrictEqual(
          [...first.users, ...second.users].map((u) => u.username),
          ["b7_u0", "b7_u1", "b7_u2"]
        )
        assert.deepStrictEqual(first.users[0]!.activeInternalSquads, [squad.uuid])
        assert.isTrue(panel.addDevice("b7_u0", "phone"))
        assert.strictEqual(yield* remnawave.deleteAllDevices(first.users[0]!.id!), 0)
        assert.deepStrictEqual(panel.devices("b7_u0"), [])
      })
    )
  )
})
