/**
 * Remnawave internal squads (issue 18, item 5): a plan's squads, else the
 * tenant's DEFAULT_SQUADS, reach the panel user on create and on every
 * renewal; the API refuses squads the panel does not have, with a clear error;
 * the tenant's admins pick a plan's squads in /admin → Plans from the panel's
 * squads as the panel sync last read them, and nothing else.
 */
import type { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { panelSyncRun } from "../../src/jobs/panel-sync.ts"
import { eventually } from "../support/app.ts"
import {
  ADMIN,
  answerTo,
  api,
  buttonData,
  createTenant,
  fundWallet,
  mark,
  nextMessage,
  press,
  query,
  say,
  startChat,
  startShop
} from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"

let shop: Shop
let tenant: Tenant
let germany: string
let netherlands: string

beforeAll(async () => {
  // No scheduled panel sync: it lists the squads too, and one falling inside the test's injected
  // panel outage took those failures instead (CI, a run crossing a 5-minute mark). The test runs the sync itself.
  shop = await startShop({ panelSyncIntervalSeconds: 43_200 })
  germany = shop.panel.addSquad("Germany").uuid
  netherlands = shop.panel.addSquad("Netherlands").uuid
  tenant = await createTenant(shop, {
    config: { DEFAULT_LANGUAGE: "en", DEFAULT_SQUADS: [netherlands] },
    plans: [
      { name: "Germany 30", periodDays: 30, price: 100_000, trafficLimitGb: 10, deviceLimit: 2 },
      { name: "Default 30", periodDays: 30, price: 100_000, trafficLimitGb: 10, deviceLimit: 2 }
    ]
  })
})
afterAll(() => shop?.close())

const buyFromWallet = async (user: number, planId: number) => {
  const welcome = await startChat(shop, tenant, user)
  let since = mark(shop, tenant, user)
  press(shop, tenant, user, welcome, `plan:${planId}`)
  const methods = await nextMessage(shop, tenant, user, since, "How would you like to pay")
  since = mark(shop, tenant, user)
  press(shop, tenant, user, methods, buttonData(methods, "pm:w:"))
  const confirm = await nextMessage(shop, tenant, user, since, "From my wallet")
  since = mark(shop, tenant, user)
  press(shop, tenant, user, confirm, buttonData(confirm, "pc:w:"))
  return nextMessage(shop, tenant, user, since, /subscription is ready|subscription was extended/)
}

const squadsOf = (user: number) =>
  (shop.panel.user(`b${tenant.botId}_u${user}`)!.activeInternalSquads as Array<{ uuid: string }>).map((s) => s.uuid)

describe("squads", () => {
  it("the API sets a plan's squads and refuses unknown ones, for plans and the tenant defaults", async () => {
    const [germanyPlan] = tenant.planIds
    const set = await api(shop, tenant, "PATCH", `/plans/${germanyPlan}`, { activeInternalSquads: [germany] })
    expect(set.status).toBe(200)
    expect(set.body.activeInternalSquads).toEqual([germany])

    const ghost = "6f1c2b7e-1111-4222-8333-944455556666"
    const refused = await api(shop, tenant, "PATCH", `/plans/${germanyPlan}`, {
      activeInternalSquads: [germany, ghost],
      price: 1
    })
    expect(refused.status).toBe(400)
    expect(refused.body).toMatchObject({ code: "validation_failed" })
    expect(refused.body.fields[0]).toMatchObject({ path: "activeInternalSquads" })
    expect(refused.body.fields[0].message).toContain(`not an internal squad of the Remnawave panel: ${ghost}`)
    const created = await api(shop, tenant, "POST", "/plans", {
      name: "Ghost",
      periodDays: 1,
      price: 1,
      activeInternalSquads: [ghost]
    })
    expect(created.status).toBe(400)
    const plans = await api(shop, tenant, "GET", "/plans")
    expect(plans.body.items.map((p: any) => [p.name, p.price, p.activeInternalSquads])).toEqual([
      ["Germany 30", 100_000, [germany]],
      ["Default 30", 100_000, []]
    ])

    const badDefault = await api(shop, tenant, "PUT", "/config/DEFAULT_SQUADS", { value: [ghost] })
    expect(badDefault.status).toBe(400)
    expect(badDefault.body.fields[0].message).toContain(ghost)
    expect((await api(shop, tenant, "PUT", "/config/TRIAL_SQUADS", { value: [germany] })).status).toBe(200)
    expect((await api(shop, tenant, "GET", "/config/DEFAULT_SQUADS")).body.value).toEqual([netherlands])

    // The panel unreachable: no guess, a 502 the client can retry.
    shop.panel.failNext(4, { path: "/api/internal-squads" })
    const down = await api(shop, tenant, "PUT", "/config/DEFAULT_SQUADS", { value: [germany] })
    expect(down.status).toBe(502)
    expect(down.body.code).toBe("remnawave_unreachable")
  })

  it("the plan's squads (else DEFAULT_SQUADS) reach the panel user, and a renewal sets them again", async () => {
    const [germanyPlan, defaultPlan] = tenant.planIds
    await startChat(shop, tenant, 5101)
    await fundWallet(shop, tenant, 5101, 300_000)
    await buyFromWallet(5101, germanyPlan!)
    expect(squadsOf(5101)).toEqual([germany])
    // Reaches a node: the subscription lists a host.
    const link = shop.panel.user(`b${tenant.botId}_u5101`)!.subscriptionUrl
    expect(Buffer.from(await (await fetch(link)).text(), "base64").toString()).toContain("germany.vpn.emulator.local")

    // Renewing with the other plan moves the user to the tenant's default squad.
    await buyFromWallet(5101, defaultPlan!)
    expect(squadsOf(5101)).toEqual([netherlands])

    await startChat(shop, tenant, 5102)
    await fundWallet(shop, tenant, 5102, 100_000)
    await buyFromWallet(5102, defaultPlan!)
    expect(squadsOf(5102)).toEqual([netherlands])
  })

  it("/admin → Plans: squads picked from the panel's as last synced, a forged one refused; a plan taken off sale and back", async () => {
    const plan = tenant.planIds[1]!
    const squadsOfPlan = async () =>
      (
        await query<{ squads: Array<string> }>(
          shop,
          "SELECT active_internal_squads AS squads FROM bot_plans WHERE id = $1",
          plan
        )
      )[0]!.squads
    await shop.app.run(panelSyncRun as Effect.Effect<unknown, unknown, never>)
    let since = mark(shop, tenant, ADMIN)
    say(shop, tenant, ADMIN, "/admin")
    const panel = await nextMessage(shop, tenant, ADMIN, since, "admin panel")
    since = mark(shop, tenant, ADMIN)
    press(shop, tenant, ADMIN, panel, "adm:pl")
    const list = await nextMessage(shop, tenant, ADMIN, since, "Plans")
    since = mark(shop, tenant, ADMIN)
    press(shop, tenant, ADMIN, list, buttonData(list, `adm:pl:${plan}`))
    const card = await nextMessage(shop, tenant, ADMIN, since, "Default 30")
    expect(card.text).toContain("Squads: the shop's default squads")

    press(shop, tenant, ADMIN, card, buttonData(card, `adm:pq:${plan}:${germany}`))
    await eventually(async () => (await squadsOfPlan()).join() === germany)
    // The card is redrawn in place with the squad ticked.
    await eventually(() =>
      shop.telegram
        .sentMessages(tenant.token, ADMIN)
        .find((m) => m.messageId === card.messageId)
        ?.text?.includes("Squads: Germany")
    )
    // A button the bot never offered: a squad the panel does not have.
    const ghost = "6f1c2b7e-1111-4222-8333-944455556666"
    const forged = press(shop, tenant, ADMIN, card, `adm:pq:${plan}:${ghost}`)
    expect((await answerTo(shop, tenant, forged.callbackQueryId!)).text).toContain("not on the panel")
    // A customer pressing the admin's button is refused.
    const customer = press(shop, tenant, 7301, card, `adm:pq:${plan}:${netherlands}`)
    expect((await answerTo(shop, tenant, customer.callbackQueryId!)).text).toContain("Only this shop's admins")
    expect(await squadsOfPlan()).toEqual([germany])

    // Off sale: customers no longer see it; back on sale: they do.
    press(shop, tenant, ADMIN, card, `adm:ps:${plan}`)
    await eventually(
      async () =>
        (await query<{ a: boolean }>(shop, "SELECT is_active AS a FROM bot_plans WHERE id = $1", plan))[0]!.a === false
    )
    await startChat(shop, tenant, 7302)
    since = mark(shop, tenant, 7302)
    say(shop, tenant, 7302, "🛒 Buy a plan")
    const offered = await nextMessage(shop, tenant, 7302, since, (m) => JSON.stringify(m.replyMarkup).includes("plan:"))
    expect(JSON.stringify(offered.replyMarkup)).toContain(`plan:${tenant.planIds[0]}"`)
    expect(JSON.stringify(offered.replyMarkup)).not.toContain(`plan:${plan}"`)
    press(shop, tenant, ADMIN, card, `adm:ps:${plan}`)
    await eventually(
      async () => (await query<{ a: boolean }>(shop, "SELECT is_active AS a FROM bot_plans WHERE id = $1", plan))[0]!.a
    )
  })
})
