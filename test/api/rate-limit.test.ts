/** The per-token rate limit: a token bucket per API token, 429 with Retry-After, other tokens unaffected. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeRateLimiter } from "../../src/api/v1/rate-limiter.ts"
import { startWorld } from "./support.ts"
import type { World } from "./support.ts"

let world: World

beforeAll(async () => {
  world = await startWorld({ apiRateLimitBurst: 3, apiRateLimitPerMinute: 60 })
})
afterAll(async () => {
  await world?.stop()
})

describe("rate limit", () => {
  it("answers 429 with Retry-After once a token's burst is spent, and only for that token", async () => {
    const a = await world.createBot("Shop A")
    const b = await world.createBot("Shop B")
    for (let i = 0; i < 3; i++)
      expect((await world.request(a.apiToken, "GET", `/api/v1/bots/${a.id}`)).status).toBe(200)
    const limited = await world.request(a.apiToken, "GET", `/api/v1/bots/${a.id}`)
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).toBe("1")
    expect(limited.body).toMatchObject({ code: "rate_limited", retryAfterSeconds: 1 })
    // Another token has its own bucket.
    expect((await world.request(b.apiToken, "GET", `/api/v1/bots/${b.id}`)).status).toBe(200)
    // Waiting as told is enough.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect((await world.request(a.apiToken, "GET", `/api/v1/bots/${a.id}`)).status).toBe(200)
  })
})

describe("token bucket", () => {
  it("refills at the sustained rate and says how long to wait", () => {
    let now = 0
    const take = makeRateLimiter({ perMinute: 6, burst: 2 }, () => now)
    expect(take("k").allowed).toBe(true)
    expect(take("k").allowed).toBe(true)
    expect(take("k")).toEqual({ allowed: false, retryAfterSeconds: 10 })
    now += 4_000
    expect(take("k")).toEqual({ allowed: false, retryAfterSeconds: 6 })
    now += 6_000
    expect(take("k").allowed).toBe(true)
    expect(take("other").allowed).toBe(true)
  })
})
