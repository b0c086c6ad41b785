/**
 * Card rotation under concurrent buyers, through the whole stack: simultaneous
 * purchases (different chats are handled concurrently) keep the round-robin
 * cycle strict, and least_used spreads a burst evenly before any approval.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually } from "../support/app.ts"
import { createTenant, press, query, startChat, startShop } from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"

let shop: Shop

beforeAll(async () => {
  shop = await startShop()
})
afterAll(() => shop?.close())

/** `buyers` users press "pay by card" at the same moment; the cards their payments got, in payment order. */
const burst = async (tenant: Tenant, firstUser: number, buyers: number) => {
  const users = Array.from({ length: buyers }, (_, i) => firstUser + i)
  const welcomes = await Promise.all(users.map((u) => startChat(shop, tenant, u)))
  users.forEach((u, i) => {
    press(shop, tenant, u, welcomes[i]!, `pc:c:${tenant.planIds[0]}`)
  })
  return eventually(async () => {
    const rows = await query<{ cardId: number }>(
      shop,
      "SELECT card_id FROM card_to_card_payments WHERE bot_id = $1 ORDER BY id",
      tenant.botId
    )
    return rows.length === buyers ? rows.map((r) => r.cardId) : undefined
  }, 10_000)
}

describe("card rotation under concurrency", () => {
  it("round_robin: 12 simultaneous buyers get the cards in a strict cycle", async () => {
    const tenant = await createTenant(shop, { cards: [{}, {}, {}], strategy: "round_robin" })
    const cards = await burst(tenant, 5001, 12)
    const [a, b, c] = tenant.cardIds
    expect(cards).toEqual([a, b, c, a, b, c, a, b, c, a, b, c])
  })

  it("least_used: a burst of 9 is spread 3 / 3 / 3", async () => {
    const tenant = await createTenant(shop, { cards: [{}, {}, {}], strategy: "least_used" })
    const cards = await burst(tenant, 5101, 9)
    for (const id of tenant.cardIds) expect(cards.filter((c) => c === id)).toHaveLength(3)
  })

  it("time_based: every buyer gets the current card", async () => {
    const tenant = await createTenant(shop, { cards: [{}, {}, {}], strategy: "time_based" })
    await query(
      shop,
      "UPDATE tenant_payment_cards SET is_current = (id = $1) WHERE bot_id = $2",
      tenant.cardIds[1],
      tenant.botId
    )
    const cards = await burst(tenant, 5201, 4)
    expect(new Set(cards)).toEqual(new Set([tenant.cardIds[1]]))
  })
})
