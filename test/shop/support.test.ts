/**
 * Support: the contact, and tickets — the user's message reaches the admin
 * chat, an admin's reply to it reaches the user (in their chat, from any
 * replica: the mapping is in the database); a non-admin's reply goes nowhere.
 * And conversation state survives a restart: a receipt owed before the restart
 * is taken after it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ADMIN,
  ADMIN_CHAT,
  buttonData,
  createTenant,
  mark,
  nextMessage,
  press,
  query,
  say,
  sendReceipt,
  startCardPurchase,
  startShop,
  trackingIn,
  until
} from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"

let shop: Shop
let tenant: Tenant

beforeAll(async () => {
  shop = await startShop()
  tenant = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
})
afterAll(() => shop?.close())

describe("support", () => {
  it("a ticket goes to the admin chat and the admin's reply comes back to the user", async () => {
    const user = 8001
    say(shop, tenant, user, "/start")
    await nextMessage(shop, tenant, user, 0, "Welcome")
    let since = mark(shop, tenant, user)
    say(shop, tenant, user, "💬 Support")
    const support = await nextMessage(shop, tenant, user, since, "Contact support: @shop_support")
    since = mark(shop, tenant, user)
    press(shop, tenant, user, support, buttonData(support, "sup:new"))
    await nextMessage(shop, tenant, user, since, "Write your message")

    const adminSince = mark(shop, tenant, ADMIN_CHAT)
    since = mark(shop, tenant, user)
    say(shop, tenant, user, "My link does not work on iOS")
    await nextMessage(shop, tenant, user, since, /Your message was sent \(ticket #\d+\)/)
    const ticket = await nextMessage(shop, tenant, ADMIN_CHAT, adminSince, "My link does not work on iOS")
    expect(ticket.text).toMatch(/Ticket #\d+ from User8001 \(@user8001\) \[8001\]/)

    // A group member who is not an admin replies: nothing reaches the user.
    since = mark(shop, tenant, user)
    say(shop, tenant, 4242, "lol", { chatId: ADMIN_CHAT, replyToMessageId: ticket.messageId })
    // The admin replies.
    const adminReplySince = mark(shop, tenant, ADMIN_CHAT)
    say(shop, tenant, ADMIN, "Update the app to the latest version", {
      chatId: ADMIN_CHAT,
      replyToMessageId: ticket.messageId
    })
    const reply = await nextMessage(shop, tenant, user, since, "Support (ticket #")
    expect(reply.text).toContain("Update the app to the latest version")
    await nextMessage(shop, tenant, ADMIN_CHAT, adminReplySince, "Sent to the user")
    expect(
      shop.telegram
        .sentMessages(tenant.token, user)
        .slice(since)
        .some((m) => m.text?.includes("lol"))
    ).toBe(false)

    const rows = await until(
      () =>
        query<{ direction: string; body: string }>(
          shop,
          "SELECT m.direction, m.body FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.bot_id = $1 ORDER BY m.id",
          tenant.botId
        ),
      (r) => r.length === 2
    )
    expect(rows).toEqual([
      { direction: "user", body: "My link does not work on iOS" },
      { direction: "admin", body: "Update the app to the latest version" }
    ])
    const [status] = await query<{ status: string }>(shop, "SELECT status FROM tickets WHERE bot_id = $1", tenant.botId)
    expect(status!.status).toBe("answered")
  })

  it("a receipt owed before a restart is taken after it (conversation state is in PostgreSQL)", async () => {
    const user = 8002
    const tracking = trackingIn(await startCardPurchase(shop, tenant, user, tenant.planIds[0]!))
    await shop.restart()
    await shop.telegram.waitForPoller(tenant.token, 10_000)
    const receipt = await sendReceipt(shop, tenant, user, { text: "transferred after the restart" })
    expect(receipt.text).toContain(tracking)
    const [row] = await until(
      () =>
        query<{ receiptText: string | null }>(
          shop,
          "SELECT receipt_text FROM card_to_card_payments WHERE tracking_number = $1",
          tracking
        ),
      (r) => r[0]?.receiptText !== null
    )
    expect(row!.receiptText).toBe("transferred after the restart")
  })
})
