/** MASTER_BOT_TOKEN → the master bot row at start-up: create, update, never promote a tenant. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { ensureMasterBot } from "../../src/bot/master/ensure-master.ts"
import { AppConfig } from "../../src/config.ts"
import { Bots } from "../../src/tenants/index.ts"
import { tenantsTestLayer } from "../tenants/support.ts"

const token = (n: number) => `${8_100_000 + n}:${"m".repeat(30)}${String(n).padStart(5, "0")}`

const withMasterToken = (value: string | undefined) =>
  ensureMasterBot.pipe(
    Effect.provide(
      AppConfig.layerWith({
        masterBotToken: value === undefined ? Option.none() : Option.some(Redacted.make(value)),
        masterAdminIds: [1]
      })
    )
  )

const masterToken = Effect.gen(function* () {
  const bots = yield* Bots
  const master = yield* bots.findMaster()
  if (Option.isNone(master)) return undefined
  return Redacted.value((yield* bots.getWithToken(master.value.id)).telegramToken)
})

describe("ensureMasterBot", () => {
  it.layer(tenantsTestLayer().pipe(Layer.fresh))((it) => {
    it.effect(
      "creates the master row, switches its token when the setting changes, and leaves it alone when unset",
      () =>
        Effect.gen(function* () {
          yield* withMasterToken(undefined)
          assert.isUndefined(yield* masterToken)

          yield* withMasterToken(token(1))
          assert.strictEqual(yield* masterToken, token(1))
          const [master] = (yield* (yield* Bots).list()).filter((b) => b.isMaster)
          assert.isTrue(master!.isActive)

          // Restarting with the same setting changes nothing; a new token replaces the old one.
          yield* withMasterToken(token(1))
          yield* withMasterToken(token(2))
          assert.strictEqual(yield* masterToken, token(2))
          assert.lengthOf(
            (yield* (yield* Bots).list()).filter((b) => b.isMaster),
            1
          )

          yield* withMasterToken(undefined)
          assert.strictEqual(yield* masterToken, token(2))
        })
    )

    it.effect("never turns a tenant into the master, and never fails start-up over it", () =>
      Effect.gen(function* () {
        const bots = yield* Bots
        const { bot: tenant } = yield* bots.create({ name: "Tenant", telegramToken: token(3) })
        // The master exists (previous test): switching it to a tenant's token is refused and logged.
        yield* withMasterToken(token(3))
        assert.strictEqual(yield* masterToken, token(2))
        assert.isFalse((yield* bots.getById(tenant.id)).isMaster)
        // A malformed token is logged, not fatal.
        yield* withMasterToken("not-a-token")
        assert.strictEqual(yield* masterToken, token(2))
      })
    )
  })
})
