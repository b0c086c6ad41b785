/**
 * The at-least-once supplier against a fake getUpdates with Telegram's rules
 * (answers from `offset`, at most `limit`, everything below `offset` is
 * confirmed): each update is handed out once, nothing unfinished is ever
 * confirmed, and a busy supplier polls per batch of room, not per finish.
 */
import { describe, expect, it } from "vitest"
import type { Update } from "grammy/types"
import { AtLeastOnceSupplier } from "../../src/supervisor/update-supplier.ts"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A bot's queue on a fake Telegram: updates 1…n, getUpdates as the Bot API answers it. */
const fakeTelegram = () => {
  const pending: Array<Update> = []
  let nextId = 1
  let confirmed = 0
  const polls: Array<{ offset: number; limit: number; timeout: number; returned: number }> = []
  const arrivals: Array<() => void> = []
  return {
    inject: (count: number) => {
      for (let i = 0; i < count; i++) pending.push({ update_id: nextId++ } as Update)
      for (const wake of arrivals.splice(0)) wake()
    },
    get confirmed() {
      return confirmed
    },
    polls,
    fetch: async (args: { offset: number; limit: number; timeout: number }, signal: AbortSignal) => {
      // Like grammY's client: an aborted request rejects.
      if (signal.aborted) throw new Error("aborted")
      if (args.offset > 0) confirmed = Math.max(confirmed, args.offset)
      const answer = () => pending.filter((u) => u.update_id >= confirmed).slice(0, args.limit)
      let updates = answer()
      if (updates.length === 0 && args.timeout > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, args.timeout * 1000)
          arrivals.push(() => {
            clearTimeout(timer)
            resolve()
          })
          signal.addEventListener("abort", () => resolve(), { once: true })
        })
        if (signal.aborted) throw new Error("aborted")
        updates = answer()
      }
      polls.push({ ...args, returned: updates.length })
      return updates
    }
  }
}

/** Drives the supplier like the runner's source and sink: supply, handle concurrently, finish. */
const drive = (supplier: AtLeastOnceSupplier, handle: (u: Update) => Promise<void>) => {
  const controller = new AbortController()
  const handedOut: Array<number> = []
  const running = new Set<Promise<void>>()
  const loop = (async () => {
    while (!controller.signal.aborted) {
      const batch = await supplier.supply(100, controller.signal).catch(() => [] as Array<Update>)
      for (const u of batch) {
        handedOut.push(u.update_id)
        const p = handle(u).finally(() => {
          supplier.finished(u.update_id)
          running.delete(p)
        })
        running.add(p)
      }
    }
  })()
  return {
    handedOut,
    stop: async () => {
      controller.abort()
      await loop
      await Promise.all(running)
    }
  }
}

describe("at-least-once supplier", () => {
  it("hands each update out once, confirms only finished ones, and polls per batch during a burst", async () => {
    const telegram = fakeTelegram()
    const unfinished = new Set<number>()
    const supplier = new AtLeastOnceSupplier(telegram.fetch, { pollTimeoutSeconds: 1, window: 100, busyPauseMs: 50 })
    let violations = 0
    const run = drive(supplier, async (u) => {
      unfinished.add(u.update_id)
      // Never confirmed while unfinished.
      if (telegram.confirmed > u.update_id) violations++
      await sleep(1 + (u.update_id % 7))
      unfinished.delete(u.update_id)
    })
    telegram.inject(2000)
    for (let i = 0; i < 500 && run.handedOut.length < 2000; i++) await sleep(10)
    await sleep(20)
    await run.stop()
    await supplier.confirm()

    expect(run.handedOut.length).toBe(2000)
    expect(new Set(run.handedOut).size).toBe(2000)
    expect(violations).toBe(0)
    expect(telegram.confirmed).toBe(2001)
    // Never more than the window in flight: every answer fits in one getUpdates.
    expect(telegram.polls.every((p) => p.returned <= 100)).toBe(true)
    // A poll per finished update would be ~2,000; per half window it is a few dozen.
    expect(telegram.polls.length).toBeLessThan(150)
  })

  it("has nothing to confirm before a poll was answered: stopping it sends no further request", async () => {
    const telegram = fakeTelegram()
    let requests = 0
    const supplier = new AtLeastOnceSupplier(
      (args, signal) => {
        requests++
        return telegram.fetch(args, signal)
      },
      { pollTimeoutSeconds: 30, window: 100, busyPauseMs: 50 }
    )
    const run = drive(supplier, async () => undefined)
    await sleep(20)
    expect(requests).toBe(1) // the first long poll, still waiting
    await run.stop()
    await supplier.confirm()
    expect(requests).toBe(1)
  })

  it("while a slow update is in flight, a new one is still picked up within the busy pause", async () => {
    const telegram = fakeTelegram()
    const supplier = new AtLeastOnceSupplier(telegram.fetch, { pollTimeoutSeconds: 1, window: 100, busyPauseMs: 50 })
    const startedAt = new Map<number, number>()
    let confirmedWhileUnfinished = false
    const run = drive(supplier, async (u) => {
      startedAt.set(u.update_id, Date.now())
      if (u.update_id === 1) {
        for (let i = 0; i < 60; i++) {
          await sleep(10)
          if (telegram.confirmed > 1) confirmedWhileUnfinished = true
        }
      }
    })
    telegram.inject(1)
    for (let i = 0; i < 100 && !startedAt.has(1); i++) await sleep(5)
    const injectedAt = Date.now()
    telegram.inject(1)
    for (let i = 0; i < 100 && !startedAt.has(2); i++) await sleep(5)
    await run.stop()
    expect(startedAt.get(2)! - injectedAt).toBeLessThan(200)
    // Update 1 was unfinished all along: no poll confirmed it meanwhile.
    expect(confirmedWhileUnfinished).toBe(false)
  })
})
