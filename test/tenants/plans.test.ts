import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { InvalidInput, Plans } from "../../src/tenants/index.ts"
import { botFactory, tenantsTestLayer } from "./support.ts"

const newBot = botFactory("plans", 730000, "L")

const basic = (name: string, extra: Partial<{ sortOrder: number; price: number }> = {}) => ({
  name,
  periodDays: 30,
  price: 150_000,
  ...extra
})

describe("Plans", () => {
  it.layer(tenantsTestLayer())((it) => {
    it.effect("create stores the plan with defaults; prices are bigint-safe integers", () =>
      Effect.gen(function* () {
        const plans = yield* Plans
        const botId = yield* newBot
        const plan = yield* plans.create(botId, { name: " 1 Month ", periodDays: 30, price: 150_000 })
        assert.strictEqual(plan.name, "1 Month")
        assert.strictEqual(plan.periodDays, 30)
        assert.strictEqual(plan.price, 150_000)
        assert.strictEqual(plan.trafficLimitGb, 0)
        assert.strictEqual(plan.deviceLimit, 1)
        assert.isNull(plan.description)
        assert.isTrue(plan.isActive)
        assert.strictEqual(plan.sortOrder, 0)

        const big = yield* plans.create(botId, {
          name: "Lifetime",
          periodDays: 3650,
          price: 5_000_000_000,
          trafficLimitGb: 500,
          deviceLimit: 5,
          description: "All you need"
        })
        assert.strictEqual(big.price, 5_000_000_000, "beyond 32 bits")
        assert.strictEqual(big.trafficLimitGb, 500)
        assert.strictEqual(big.deviceLimit, 5)
        assert.strictEqual(big.description, "All you need")
        assert.deepStrictEqual(yield* plans.get(botId, big.id), big)
        assert.strictEqual(yield* plans.create(botId, basic("Free", { price: 0 })).pipe(Effect.map((p) => p.price)), 0)
      })
    )

    it.effect("invalid input is InvalidInput naming the field", () =>
      Effect.gen(function* () {
        const plans = yield* Plans
        const botId = yield* newBot
        const cases: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
          ["price", { price: -1 }],
          ["price", { price: 1.5 }],
          ["price", { price: Number.NaN }],
          ["price", { price: 2 ** 60 }],
          ["periodDays", { periodDays: 0 }],
          ["periodDays", { periodDays: -30 }],
          ["periodDays", { periodDays: 7.5 }],
          ["name", { name: "  " }],
          ["name", { name: "x".repeat(256) }],
          ["trafficLimitGb", { trafficLimitGb: -1 }],
          ["deviceLimit", { deviceLimit: 0 }],
          ["sortOrder", { sortOrder: 0.5 }]
        ]
        for (const [field, patch] of cases) {
          const e = yield* Effect.flip(plans.create(botId, { ...basic("P"), ...patch }))
          assert.instanceOf(e, InvalidInput, JSON.stringify(patch))
          assert.strictEqual((e as InvalidInput).field, field)
        }
        assert.deepStrictEqual(yield* plans.list(botId), [])
      })
    )

    it.effect("new plans go after the last one; lists sort by sort_order then id", () =>
      Effect.gen(function* () {
        const plans = yield* Plans
        const botId = yield* newBot
        const a = yield* plans.create(botId, basic("A"))
        const b = yield* plans.create(botId, basic("B"))
        const c = yield* plans.create(botId, basic("C"))
        assert.deepStrictEqual([a.sortOrder, b.sortOrder, c.sortOrder], [0, 1, 2])
        const top = yield* plans.create(botId, basic("Top", { sortOrder: -1 }))
        const tie = yield* plans.create(botId, basic("Tie with B", { sortOrder: 1 }))
        assert.deepStrictEqual(
          (yield* plans.listActive(botId)).map((p) => p.name),
          ["Top", "A", "B", "Tie with B", "C"]
        )
        assert.isTrue(tie.id > b.id)
        assert.strictEqual(top.sortOrder, -1)
      })
    )

    it.effect("deactivated plans leave listActive but stay in list", () =>
      Effect.gen(function* () {
        const plans = yield* Plans
        const botId = yield* newBot
        const a = yield* plans.create(botId, basic("A"))
        const b = yield* plans.create(botId, basic("B"))
        const off = yield* plans.deactivate(botId, a.id)
        assert.isFalse(off.isActive)
        assert.deepStrictEqual(
          (yield* plans.listActive(botId)).map((p) => p.id),
          [b.id]
        )
        assert.deepStrictEqual(
          (yield* plans.list(botId)).map((p) => p.id),
          [a.id, b.id]
        )
        assert.isTrue((yield* plans.activate(botId, a.id)).isActive)
        assert.strictEqual((yield* plans.listActive(botId)).length, 2)
      })
    )

    it.effect("update changes the given fields only", () =>
      Effect.gen(function* () {
        const plans = yield* Plans
        const botId = yield* newBot
        const plan = yield* plans.create(botId, { ...basic("Monthly"), description: "desc" })
        const updated = yield* plans.update(botId, plan.id, { price: 175_000, description: null, name: "Monthly+" })
        assert.strictEqual(updated.price, 175_000)
        assert.isNull(updated.description)
        assert.strictEqual(updated.name, "Monthly+")
        assert.strictEqual(updated.periodDays, 30)
        assert.strictEqual((yield* Effect.flip(plans.update(botId, plan.id, { price: -5 })))._tag, "InvalidInput")
        assert.strictEqual((yield* Effect.flip(plans.update(botId, plan.id, { periodDays: 0 })))._tag, "InvalidInput")
        assert.strictEqual((yield* plans.get(botId, plan.id)).price, 175_000, "a refused update changed nothing")
        assert.deepStrictEqual(yield* plans.update(botId, plan.id, {}), yield* plans.get(botId, plan.id))
      })
    )

    it.effect("reorder sets sort_order by position, the unlisted plans after", () =>
      Effect.gen(function* () {
        const plans = yield* Plans
        const botId = yield* newBot
        const [a, b, c, d] = yield* Effect.forEach(["A", "B", "C", "D"], (n) => plans.create(botId, basic(n)))
        const reordered = yield* plans.reorder(botId, [c!.id, a!.id, d!.id, b!.id])
        assert.deepStrictEqual(
          reordered.map((p) => p.name),
          ["C", "A", "D", "B"]
        )
        assert.deepStrictEqual(
          reordered.map((p) => p.sortOrder),
          [0, 1, 2, 3]
        )
        assert.deepStrictEqual(
          (yield* plans.listActive(botId)).map((p) => p.name),
          ["C", "A", "D", "B"]
        )

        const partial = yield* plans.reorder(botId, [b!.id])
        assert.deepStrictEqual(
          partial.map((p) => p.name),
          ["B", "C", "A", "D"],
          "unlisted plans keep their order"
        )
        assert.deepStrictEqual(
          partial.map((p) => p.sortOrder),
          [0, 1, 2, 3]
        )
      })
    )

    it.effect("reorder with a foreign, missing or repeated id is refused and changes nothing", () =>
      Effect.gen(function* () {
        const plans = yield* Plans
        const mine = yield* newBot
        const theirs = yield* newBot
        const [a, b, c] = yield* Effect.forEach(["A", "B", "C"], (n) => plans.create(mine, basic(n)))
        const foreign = yield* plans.create(theirs, basic("Theirs"))
        const before = yield* plans.list(mine)
        const theirsBefore = yield* plans.list(theirs)

        for (const ids of [
          [c!.id, foreign.id, a!.id, b!.id],
          [c!.id, 999_999, a!.id],
          [c!.id, c!.id, a!.id],
          [c!.id, -1]
        ]) {
          const e = yield* Effect.flip(plans.reorder(mine, ids))
          assert.instanceOf(e, InvalidInput, JSON.stringify(ids))
          assert.strictEqual((e as InvalidInput).field, "ids")
        }
        assert.deepStrictEqual(yield* plans.list(mine), before, "no sort order or timestamp changed")
        assert.deepStrictEqual(yield* plans.list(theirs), theirsBefore)
      })
    )

    it.effect("get, update, deactivate and delete treat another bot's plan as NotFound", () =>
      Effect.gen(function* () {
        const plans = yield* Plans
        const a = yield* newBot
        const b = yield* newBot
        const plan = yield* plans.create(b, basic("B's plan"))
        for (const attempt of [
          plans.get(a, plan.id),
          plans.update(a, plan.id, { price: 1 }),
          plans.deactivate(a, plan.id),
          plans.delete(a, plan.id)
        ]) {
          assert.strictEqual((yield* Effect.flip(attempt))._tag, "RecordNotFound")
        }
        assert.deepStrictEqual(yield* plans.get(b, plan.id), plan, "untouched")

        yield* plans.delete(b, plan.id)
        assert.strictEqual((yield* Effect.flip(plans.get(b, plan.id)))._tag, "RecordNotFound")
        assert.strictEqual((yield* Effect.flip(plans.delete(b, plan.id)))._tag, "RecordNotFound")
        assert.strictEqual((yield* Effect.flip(plans.create(999_999, basic("X"))))._tag, "BotNotFound")
      })
    )
  })
})
