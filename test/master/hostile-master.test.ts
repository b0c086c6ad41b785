/**
 * Issue 15: the master bot reads operator input strictly. `/topup 2 1e9` used
 * to credit 1,000,000,000 (Number() reads exponents); a tenant name with
 * control characters is refused like everywhere else, and the fleet listing
 * still answers when one tenant's counter is at its cap.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { SentMessage } from "../../src/emulators/telegram/index.ts"
import { MAX_SAFE } from "../../src/tenants/limits.ts"
import { masterTokenConfig, startWorld } from "../api/support.ts"
import type { World } from "../api/support.ts"

const ADMIN = 777

let world: World
let masterToken: string
let tenantId: number

const say = async (text: string, match: (m: SentMessage) => boolean) => {
  const before = new Set(world.emulator.sentMessages(masterToken, ADMIN).map((m) => m.messageId))
  world.emulator.injectMessage(masterToken, { text, from: { id: ADMIN, first_name: "Op" } })
  return world.emulator.waitForSent(masterToken, ADMIN, (m) => !before.has(m.messageId) && match(m), 5000)
}
const text = (m: SentMessage) => m.text ?? ""
const balance = async () =>
  (await world.sql<{ walletBalance: number }>(`SELECT wallet_balance FROM bots WHERE id = $1`, [tenantId]))[0]!
    .walletBalance

beforeAll(async () => {
  world = await startWorld((emulator) => {
    masterToken = emulator.createBot({ username: "hostile_master_bot" }).token
    return { pollTimeoutSeconds: 1, ...masterTokenConfig(masterToken, [ADMIN]) }
  })
  await world.emulator.waitForPoller(masterToken, 5000)
  tenantId = (await world.createBot("Shop")).id
})
afterAll(async () => {
  await world?.stop()
})

describe("master bot input", () => {
  it("refuses amounts that are not plain whole numbers (1e9, 0x10, 1.5, +5) and credits nothing", async () => {
    for (const amount of ["1e9", "0x10", "1.5", "+5", "Infinity", "10000000000000"]) {
      const reply = await say(`/topup ${tenantId} ${amount}`, (m) => text(m).startsWith("Usage"))
      expect(text(reply), amount).toContain("digits only")
    }
    expect(await balance()).toBe(0)
    const ok = await say(`/topup ${tenantId} 1,000`, (m) => text(m).startsWith("✔"))
    expect(text(ok)).toContain("+1,000")
    expect(await balance()).toBe(1000)
  })

  it("refuses a tenant name with control characters", async () => {
    const token = world.emulator.createBot({ username: "evil_shop_bot" }).token
    const reply = await say(`/newtenant ${token} Evil\u001b[2J Shop`, (m) => text(m).startsWith("✖"))
    expect(text(reply)).toContain("control characters")
    expect(await world.sql(`SELECT id FROM bots WHERE telegram_bot_token = $1`, [token])).toEqual([])
  })

  it("lists the fleet when a tenant's traffic counter is at its cap", async () => {
    await world.sql(`UPDATE bots SET traffic_sold_bytes = $2 WHERE id = $1`, [tenantId, MAX_SAFE])
    const reply = await say("/tenants", (m) => text(m).includes("Shop"))
    expect(text(reply)).toContain(`#${tenantId}`)
  })
})
