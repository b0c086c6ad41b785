/**
 * Provisioning happens after the purchase commits, outside any transaction
 * (src/outbox/provision-subscription.ts via the payment outbox), and is repeatable: a
 * panel outage is retried, a panel user left behind by an attempt that never
 * recorded its result is adopted and set to OUR expiry (not extended twice),
 * and running a finished task again changes nothing.
 */
import { DateTime, Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { formatDateTime } from "../../src/messages/format.ts"
import { RemnawaveClient } from "../../src/vpn/remnawave-client.ts"
import { eventually } from "../support/app.ts"
import { createTenant, mark, nextMessage, press, query, startChat, startShop, until } from "../shop/harness.ts"
import type { Shop, Tenant } from "../shop/harness.ts"

/** How long the panel holds each answer while the renewal commits (see the last test). */
const HOLD_MS = 3000

let shop: Shop
let tenant: Tenant

beforeAll(async () => {
  shop = await startShop()
  tenant = await createTenant(shop, { config: { DEFAULT_LANGUAGE: "en" } })
})
afterAll(() => shop?.close())

/** Puts the price in the user's wallet (once their row is committed: /start answers before it commits). */
const fund = (user: number) =>
  eventually(
    async () =>
      (
        await query(
          shop,
          "UPDATE users SET balance = 150000 WHERE bot_id = $1 AND telegram_id = $2 RETURNING id",
          tenant.botId,
          user
        )
      ).length === 1
  )

/** Gives the user the price and buys plan 0 from the wallet; resolves once the purchase message came. */
const buy = async (user: number) => {
  const welcome = await startChat(shop, tenant, user)
  await fund(user)
  const since = mark(shop, tenant, user)
  press(shop, tenant, user, welcome, `pc:w:${tenant.planIds[0]}`)
  await nextMessage(shop, tenant, user, since, "You bought")
  return since
}

const subscriptionOf = async (user: number) =>
  (
    await until(
      () =>
        query<{ id: number; expiresAt: Date; subscriptionUrl: string | null }>(
          shop,
          "SELECT s.id, s.expires_at, s.subscription_url FROM subscriptions s JOIN users u ON u.id = s.user_id WHERE s.bot_id = $1 AND u.telegram_id = $2",
          tenant.botId,
          user
        ),
      (rows) => rows.length === 1
    )
  )[0]!

const taskOf = async (subscriptionId: number) =>
  (
    await query<{ id: number; state: string; attempts: number; lastError: string | null }>(
      shop,
      "SELECT id, state, attempts, last_error FROM outbox_tasks WHERE kind = 'provision_subscription' AND subject_id = $1 ORDER BY id DESC",
      subscriptionId
    )
  )[0]!

describe("provisioning", () => {
  it("a panel outage is retried by the outbox; the link arrives once the panel answers", async () => {
    const user = 7001
    shop.panel.failNext(1, { method: "POST" }) // the create call; creates are never retried inside the client
    const since = await buy(user)
    const link = await nextMessage(shop, tenant, user, since, "subscription is ready", 8000)
    const sub = await subscriptionOf(user)
    expect(link.text).toContain(sub.subscriptionUrl!)
    // The link goes out before the task is marked done (at-least-once), so wait for the mark.
    const task = await until(
      () => taskOf(sub.id),
      (t) => t.state !== "pending"
    )
    expect(task.state).toBe("done")
    expect(task.attempts).toBe(2)
    expect(shop.panel.users().filter((u) => u.username === `b${tenant.botId}_u${user}`)).toHaveLength(1)
  })

  it("a panel user left by an unrecorded attempt is adopted with our expiry, not extended again", async () => {
    const user = 7002
    const username = `b${tenant.botId}_u${user}`
    // An earlier attempt created the panel user, then died before recording it (or its answer was lost).
    const orphan = await Effect.runPromise(
      Effect.gen(function* () {
        const remnawave = yield* RemnawaveClient
        return yield* remnawave.createUser({
          username,
          expireAt: DateTime.makeUnsafe(Date.now() + 5 * 86_400_000),
          trafficLimitBytes: 0
        })
      }).pipe(
        Effect.provide(RemnawaveClient.layerWith({ apiUrl: shop.panel.url, apiToken: Redacted.make(shop.panel.token) }))
      )
    )
    const since = await buy(user)
    const link = await nextMessage(shop, tenant, user, since, "subscription is ready", 8000)
    const sub = await subscriptionOf(user)
    const adopted = shop.panel.user(username)!
    expect(adopted.uuid).toBe(orphan.uuid)
    expect(new Date(adopted.expireAt).getTime()).toBe(sub.expiresAt.getTime()) // our 30 days, not 5 + 30
    expect(adopted.trafficLimitBytes).toBe(50 * 1024 ** 3)
    expect(link.text).toContain(adopted.subscriptionUrl)

    // Run the finished task again, as a worker that lost its record would: nothing moves.
    await query(
      shop,
      "UPDATE outbox_tasks SET state = 'pending', run_after = now() WHERE id = $1",
      (await taskOf(sub.id)).id
    )
    await eventually(async () => (await taskOf(sub.id)).state === "done", 5000)
    const after = shop.panel.user(username)!
    expect(after.uuid).toBe(orphan.uuid)
    expect(after.expireAt).toBe(adopted.expireAt)
    expect(shop.panel.users().filter((u) => u.username === username)).toHaveLength(1)
  })

  it("a renewal committed while the first provisioning waits for the panel: that task itself ends at the latest expiry", async () => {
    const user = 7003
    const username = `b${tenant.botId}_u${user}`
    const lookup = { method: "GET", path: `/api/users/by-username/${username}` }
    const sinceRequests = shop.panel.requests().length
    // Every panel answer now waits HOLD_MS after the panel has processed the request: the first
    // provisioning's first call (the look-up) is held while the renewal commits.
    shop.panel.setLatency(HOLD_MS)
    const since = await buy(user)
    await eventually(() => shop.panel.requests().some((r) => r.path === lookup.path), 5000)
    const welcome = await startChat(shop, tenant, user)
    await fund(user)
    const again = mark(shop, tenant, user)
    press(shop, tenant, user, welcome, `pc:w:${tenant.planIds[0]}`)
    await nextMessage(shop, tenant, user, again, "You bought")
    // The renewal's transaction committed (its reply goes out just before the commit)…
    await until(
      () =>
        query<{ n: number }>(
          shop,
          "SELECT count(*)::int AS n FROM outbox_tasks WHERE kind = 'provision_subscription' AND subject_id = (SELECT s.id FROM subscriptions s JOIN users u ON u.id = s.user_id WHERE s.bot_id = $1 AND u.telegram_id = $2)",
          tenant.botId,
          user
        ),
      (rows) => rows[0]!.n === 2
    )
    // …while the first task was still waiting for the panel's answer to its look-up: the panel has
    // seen nothing since (otherwise the hold was too short for this machine, and the race was not run).
    expect(
      shop.panel
        .requests()
        .slice(sinceRequests)
        .map((r) => ({ method: r.method, path: r.path })),
      `the renewal committed after the first provisioning went on (hold ${HOLD_MS} ms)`
    ).toEqual([lookup])
    shop.panel.setLatency(0)

    const { id } = await subscriptionOf(user)
    await eventually(async () => {
      const tasks = await query<{ state: string }>(
        shop,
        "SELECT state FROM outbox_tasks WHERE kind = 'provision_subscription' AND subject_id = $1",
        id
      )
      return tasks.length === 2 && tasks.every((t) => t.state === "done")
    }, 8000 + HOLD_MS)
    const sub = await subscriptionOf(user)
    expect(sub.expiresAt.getTime() - Date.now()).toBeGreaterThan(59 * 86_400_000)
    expect(new Date(shop.panel.user(username)!.expireAt).getTime()).toBe(sub.expiresAt.getTime())
    // The first task saw the renewal (its record of the stale expiry was refused) and went round again:
    // its own link message already carries the latest expiry, before the second task ran.
    const latest = formatDateTime("en", sub.expiresAt)
    expect((await nextMessage(shop, tenant, user, since, "subscription is ready")).text).toContain(latest)
    expect((await nextMessage(shop, tenant, user, since, "subscription was extended")).text).toContain(latest)
  })
})
