/**
 * The master bot end to end through the Telegram emulator: MASTER_BOT_TOKEN
 * becomes the master row and polls; an admin creates a tenant from a token (it
 * starts polling), lists, inspects, tops up, rotates its API token, deactivates
 * (it stops) and deletes it after a confirmation that survives a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { SentMessage } from "../../src/emulators/telegram/index.ts"
import { eventually } from "../support/app.ts"
import { masterTokenConfig, startWorld } from "../api/support.ts"
import type { World } from "../api/support.ts"

const ADMIN = 777
const STRANGER = 888

let world: World
let masterToken: string

/** Sends a message as `from` and waits for the master bot's answer that matches. */
const say = async (text: string, match: (m: SentMessage) => boolean, from = ADMIN) => {
  const before = new Set(world.emulator.sentMessages(masterToken, from).map((m) => m.messageId))
  world.emulator.injectMessage(masterToken, { text, from: { id: from, first_name: "Op" } })
  return world.emulator.waitForSent(masterToken, from, (m) => !before.has(m.messageId) && match(m), 5000)
}
const text = (m: SentMessage) => m.text ?? ""
/** What the admin wrote to the master bot (the emulator's chat state: the Bot API has no read of it). */
const adminMessages = () =>
  [...(world.emulator.state.bot(masterToken).chats.get(ADMIN)?.messages.values() ?? [])]
    .filter((m) => !m.fromBot)
    .map((m) => ({ messageId: m.message.message_id, text: m.message.text ?? "", deleted: m.deleted }))
const deleteCalls = () => {
  const calls = world.emulator.stats(masterToken).callsByMethod
  return (calls.deleteMessage ?? 0) + (calls.deleteMessages ?? 0)
}

beforeAll(async () => {
  world = await startWorld((emulator) => {
    masterToken = emulator.createBot({ username: "fleet_master_bot" }).token
    // Short long polls: a bot counts as running once its first getUpdates has returned.
    return { pollTimeoutSeconds: 1, ...masterTokenConfig(masterToken, [ADMIN]) }
  })
  await world.emulator.waitForPoller(masterToken, 5000)
})
afterAll(async () => {
  await world?.stop()
})

describe("master bot", () => {
  it("turns MASTER_BOT_TOKEN into the master bot row", async () => {
    const rows = await world.sql<{ id: number; isMaster: boolean; isActive: boolean }>(
      `SELECT id, is_master, is_active FROM bots WHERE is_master`
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]!.isActive).toBe(true)
  })

  it("refuses anyone but MASTER_ADMIN_IDS", async () => {
    const reply = await say("/tenants", () => true, STRANGER)
    expect(text(reply)).toContain("for the operators")
  })

  it("checks a token with Telegram before creating a tenant", async () => {
    const unknown = `${9_100_000_001}:${"B".repeat(35)}`
    const reply = await say(`/newtenant ${unknown} Ghost Shop`, (m) => text(m).startsWith("✖"))
    expect(text(reply)).toContain("Telegram refused")
    expect(await world.sql(`SELECT id FROM bots WHERE name = 'Ghost Shop'`)).toEqual([])
    const usage = await say("/newtenant", (m) => text(m).startsWith("Usage"))
    expect(text(usage)).toContain("/newtenant <token")
  })

  let tenantId: number
  let tenantToken: string
  let apiToken: string

  it("creates a tenant from a token; it starts polling and its API token works", async () => {
    tenantToken = world.emulator.createBot({ username: "shop_one_bot" }).token
    const deletesBefore = deleteCalls()
    const reply = await say(`/newtenant ${tenantToken} Shop One`, (m) => text(m).startsWith("✔"))
    const match = /#(\d+) Shop One @shop_one_bot created/.exec(text(reply))
    expect(match).not.toBeNull()
    tenantId = Number(match![1])
    apiToken = text(reply).trim().split("\n").at(-1)!
    expect(apiToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    await world.emulator.waitForPoller(tenantToken, 3000)
    expect((await world.request(apiToken, "GET", `/api/v1/bots/${tenantId}`)).status).toBe(200)
    // The admin's message with the Telegram token was removed from the chat, and nothing else was.
    const carrying = adminMessages().filter((m) => m.text.includes(tenantToken))
    expect(carrying).toHaveLength(1)
    await eventually(() => adminMessages().find((m) => m.messageId === carrying[0]!.messageId)?.deleted === true, 3000)
    expect(deleteCalls() - deletesBefore).toBe(1)
    expect(world.emulator.sentMessages(masterToken, ADMIN).filter((m) => m.deletedAt !== undefined)).toEqual([])
  })

  it("lists tenants with their runtime state and shows one tenant's statistics", async () => {
    await eventually(async () => {
      const [row] = await world.sql<{ state: string }>(`SELECT state FROM bot_runtime_status WHERE bot_id = $1`, [
        tenantId
      ])
      return row?.state === "running"
    }, 5000)
    const list = await say("/tenants", (m) => text(m).includes("bots:"))
    expect(text(list)).toMatch(new RegExp(`#${tenantId} Shop One @shop_one_bot — running`))
    expect(text(list)).toContain("(master)")

    await world.sql(`INSERT INTO users (bot_id, telegram_id, first_name) VALUES ($1, 4242, 'Reza')`, [tenantId])
    const details = await say(`/tenant ${tenantId}`, (m) => text(m).includes("wallet:"))
    expect(text(details)).toContain("users: 1")
    expect(text(details)).toContain("running")

    const fleet = await say("/stats", (m) => text(m).startsWith("tenants:"))
    expect(text(fleet)).toMatch(/^tenants: 1 \(1 active\)/)
  })

  it("shows a tenant whose token Telegram revoked as unauthorized", async () => {
    const doomed = world.emulator.createBot({ username: "doomed_shop_bot" }).token
    const reply = await say(`/newtenant ${doomed} Doomed Shop`, (m) => text(m).startsWith("✔"))
    const id = Number(/#(\d+)/.exec(text(reply))![1])
    await world.emulator.waitForPoller(doomed, 3000)
    world.emulator.revokeToken(doomed)
    await eventually(async () => {
      const [row] = await world.sql<{ state: string }>(`SELECT state FROM bot_runtime_status WHERE bot_id = $1`, [id])
      return row?.state === "unauthorized"
    }, 5000)
    const list = await say("/tenants", (m) => text(m).includes("bots:"))
    expect(text(list)).toContain(`#${id} Doomed Shop @doomed_shop_bot — unauthorized`)
    await say(`/deactivate ${id}`, (m) => text(m).startsWith("✔"))
  })

  it("tops up the tenant's wallet once per message", async () => {
    const reply = await say(`/topup ${tenantId} 500,000`, (m) => text(m).startsWith("✔"))
    expect(text(reply)).toContain("balance 500,000 IRT")
    const ledger = await world.sql<{ amount: number; createdBy: string }>(
      `SELECT amount, created_by FROM tenant_wallet_transactions WHERE bot_id = $1`,
      [tenantId]
    )
    expect(ledger.map((r) => [Number(r.amount), r.createdBy])).toEqual([[500000, `telegram:${ADMIN}`]])
    const again = await say(`/topup ${tenantId} 1000 bank-7`, (m) => text(m).startsWith("✔"))
    expect(text(again)).toContain("balance 501,000 IRT")
    const duplicate = await say(`/topup ${tenantId} 1000 bank-7`, (m) => text(m).startsWith("✖"))
    expect(text(duplicate)).toContain("already applied")
  })

  it("rotates the tenant's API token: the old one stops at once", async () => {
    const reply = await say(`/rotatetoken ${tenantId}`, (m) => text(m).startsWith("✔"))
    const fresh = text(reply).trim().split("\n").at(-1)!
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await world.request(apiToken, "GET", `/api/v1/bots/${tenantId}`)).status).toBe(401)
    expect((await world.request(fresh, "GET", `/api/v1/bots/${tenantId}`)).status).toBe(200)
  })

  it("deactivates the tenant: it stops polling", async () => {
    const reply = await say(`/deactivate ${tenantId}`, (m) => text(m).startsWith("✔"))
    expect(text(reply)).toContain("deactivated")
    await eventually(() => world.emulator.stats(tenantToken).activePollers === 0, 3000)
    const list = await say("/tenants", (m) => text(m).includes("bots:"))
    expect(text(list)).toContain(`#${tenantId} Shop One @shop_one_bot — inactive`)
    const master = await world.sql<{ id: number }>(`SELECT id FROM bots WHERE is_master`)
    const refused = await say(`/deactivate ${master[0]!.id}`, (m) => text(m).startsWith("✖"))
    expect(text(refused)).toContain("master bot cannot be deactivated")
  })

  it("deletes the tenant after a confirmation that shows what goes, and survives a restart", async () => {
    const confirm = await say(`/delete ${tenantId}`, (m) => text(m).startsWith("Delete"))
    expect(text(confirm)).toContain("users: 1")
    expect(text(confirm)).toContain("tenant wallet balance: 501,000 IRT")
    const keyboard = (confirm.replyMarkup as { inline_keyboard: Array<Array<{ callback_data: string }>> })
      .inline_keyboard
    const data = keyboard[0]![0]!.callback_data
    expect(data).toMatch(new RegExp(`^del:${tenantId}:\\d+$`))

    // A stale button deletes nothing.
    world.emulator.injectCallbackQuery(masterToken, {
      from: ADMIN,
      messageId: confirm.messageId,
      data: `del:${tenantId}:1`
    })
    await world.emulator.waitForSent(
      masterToken,
      ADMIN,
      (m) => m.messageId === confirm.messageId && text(m).includes("expired"),
      5000
    )
    expect(await world.sql(`SELECT id FROM bots WHERE id = $1`, [tenantId])).toHaveLength(1)

    // The state lives in the button: a restart in between changes nothing.
    await world.restart()
    await world.emulator.waitForPoller(masterToken, 5000)
    world.emulator.injectCallbackQuery(masterToken, { from: ADMIN, messageId: confirm.messageId, data })
    await world.emulator.waitForSent(
      masterToken,
      ADMIN,
      (m) => m.messageId === confirm.messageId && text(m).startsWith("✔"),
      5000
    )
    expect(await world.sql(`SELECT id FROM bots WHERE id = $1`, [tenantId])).toEqual([])
    expect(await world.sql(`SELECT id FROM users WHERE bot_id = $1`, [tenantId])).toEqual([])
  })
})
