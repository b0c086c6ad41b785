/** One word per tenant for the master bot and /status: crash loops told apart from blips. */
import { describe, expect, it } from "vitest"
import { tenantState } from "../../src/fleet/tenant-state.ts"

const now = Date.parse("2026-11-25T12:00:00Z")
const status = (state: string, restartCount: number, minutesAgo: number | null) => ({
  state,
  restartCount,
  lastErrorAt: minutesAgo === null ? null : new Date(now - minutesAgo * 60_000)
})

describe("tenantState", () => {
  it("reads the runner's record", () => {
    expect(tenantState({ isActive: false }, status("running", 0, null), now)).toBe("inactive")
    expect(tenantState({ isActive: true }, undefined, now)).toBe("pending")
    expect(tenantState({ isActive: true }, status("running", 5, 1), now)).toBe("running")
    expect(tenantState({ isActive: true }, status("unauthorized", 1, 1), now)).toBe("unauthorized")
    expect(tenantState({ isActive: true }, status("webhook_conflict", 1, 1), now)).toBe("webhook_conflict")
  })

  it("calls repeated recent restarts a crash loop, and an old or single one a backoff", () => {
    expect(tenantState({ isActive: true }, status("backoff", 3, 2), now)).toBe("crash-looping")
    expect(tenantState({ isActive: true }, status("starting", 7, 9), now)).toBe("crash-looping")
    expect(tenantState({ isActive: true }, status("backoff", 1, 2), now)).toBe("backoff")
    expect(tenantState({ isActive: true }, status("backoff", 9, 60), now)).toBe("backoff")
  })
})
