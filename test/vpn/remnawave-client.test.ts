/**
 * RemnawaveClient against the Remnawave emulator over real HTTP: the user
 * calls with their typed outcomes, the token kept out of errors, timeouts and
 * the retry policy (provisioning itself: provisioning.test.ts).
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

describe("panelUsername", () => {
  it("names a tenant's user after the bot and the Telegram id, unique across tenants of the shared panel", () => {
    assert.strictEqual(panelUsername(7, 123456789), "b7_u123456789")
  })
})

describe("RemnawaveClient transport", () => {
  it.live("retries look-ups and updates on 5xx and dropped connections, never create", () =>
    withClient(
      Effect.gen(function* () {
        const remnawave = yield* RemnawaveClient
        const expireAt = DateTime.makeUnsafe(Date.now() + 30 * DAY)
        panel.failNext(1, { status: 502 })
        panel.failNext(1, { disconnect: true })
        assert.isTrue(Option.isNone(yield* remnawave.getUserByUsername("b7_u123456789")))
        const created = yield* remnawave.createUser({ username: "b7_u123456789", expireAt, trafficLimitBytes: 0 })
        panel.failNext(2, { status: 503 })
        assert.isTrue(Option.isSome(yield* remnawave.getUserByUsername("b7_u123456789")))
        yield* remnawave.updateUser({ uuid: created.uuid, trafficLimitBytes: GIB })
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
        assert.isTrue(Option.isNone(yield* remnawave.getUserByUsername("b7_u123456789")))
        const failed = yield* Effect.flip(
          remnawave.createUser({ username: "b7_u123456789", expireAt, trafficLimitBytes: 0 })
        )
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
  it.effect("counts devices per user in pages of at most 100, most devices first; a larger page is refused", () =>
    withClient(
      Effect.gen(function* () {
        const remnawave = yield* RemnawaveClient
        for (let i = 0; i < 130; i++) {
          yield* remnawave.createUser({
            username: `b8_u${i}`,
            expireAt: DateTime.fromDateUnsafe(new Date(Date.now() + DAY)),
            trafficLimitBytes: 0,
            hwidDeviceLimit: 3
          })
          // Users 0..119 have one device, every tenth of them two; 120..129 none.
          if (i < 120) assert.isTrue(panel.addDevice(`b8_u${i}`, "phone"))
          if (i < 120 && i % 10 === 0) assert.isTrue(panel.addDevice(`b8_u${i}`, "laptop"))
        }
        const first = yield* remnawave.listDeviceCounts(0, 100)
        const second = yield* remnawave.listDeviceCounts(100, 100)
        assert.strictEqual(first.total, 120)
        assert.strictEqual(first.users.length, 100)
        const all = [...first.users, ...second.users]
        assert.strictEqual(new Set(all.map((u) => u.username)).size, 120)
        assert.deepStrictEqual(
          all.slice(0, 12).map((u) => u.devices),
          [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
        )
        assert.strictEqual(all.find((u) => u.username === "b8_u7")!.devices, 1)
        const tooBig = yield* Effect.flip(remnawave.listDeviceCounts(0, 101))
        assert.include(tooBig.message, "400")
      })
    )
  )
})
