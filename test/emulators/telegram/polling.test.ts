// getUpdates as the official Bot API server answers it (Client.cpp:
// process_get_updates_query, do_get_updates, abort_long_poll, fail_query_conflict).
import { describe, expect, it } from "vitest"
import { call, ids, newBot, sleep, timed, useEmulator } from "./support.ts"

const ctx = useEmulator()

const CONFLICT = {
  ok: false,
  error_code: 409,
  description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
}

describe("the same offset again (process_get_updates_query)", () => {
  it("within 0.5 s: limit is forced to 1", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const [a, b, c] = ["one", "two", "three"].map((text) => emu.injectMessage(token, { text }).updateId)
    expect(ids((await call(emu, token, "getUpdates", { offset: a })).body)).toEqual([a, b, c])
    expect(ids((await call(emu, token, "getUpdates", { offset: a })).body)).toEqual([a])
    // another offset is not throttled
    expect(ids((await call(emu, token, "getUpdates", { offset: b })).body)).toEqual([b, c])
  })

  it("within 3 s: a timeout below 3 is raised to 3, so an empty re-poll waits", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    expect((await call(emu, token, "getUpdates", { offset: 1, timeout: 0 })).body.result).toEqual([])
    // the same offset again with timeout 0 becomes a 3 s long poll: it is still
    // waiting when an update arrives 300 ms later, and answers with it
    setTimeout(() => emu.injectMessage(token, { text: "late" }), 300)
    const { ms, value } = await timed(call(emu, token, "getUpdates", { offset: 1, timeout: 0 }))
    expect(ids(value.body)).toEqual([1])
    expect(ms).toBeGreaterThanOrEqual(250)
  })

  it("can be switched off for one token by name", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    emu.setRules(token, { sameOffsetThrottle: false })
    for (const text of ["a", "b"]) emu.injectMessage(token, { text })
    expect(ids((await call(emu, token, "getUpdates", { offset: 1 })).body)).toEqual([1, 2])
    expect(ids((await call(emu, token, "getUpdates", { offset: 1 })).body)).toEqual([1, 2])
    expect(emu.rules(token).sameOffsetThrottle).toBe(false)
    expect(emu.rules().sameOffsetThrottle).toBe(true)
  })
})

describe("409 Conflict (abort_long_poll, fail_query_conflict)", () => {
  it("a getUpdates that answers at once leaves the pending long poll alone", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const pending = call(emu, token, "getUpdates", { offset: 1, timeout: 10 })
    await emu.waitForPoller(token)
    expect((await call(emu, token, "getUpdates", { offset: 5, timeout: 0 })).status).toBe(200)
    const { updateId } = emu.injectMessage(token, { text: "for the long poll" })
    expect(ids((await pending).body)).toEqual([updateId])
    expect(emu.stats(token).conflicts).toBe(0)
  })

  it("a getUpdates about to wait ends the older long poll with 409 at once", async () => {
    const { emu } = ctx
    // The lenient emulator this replaced answered 100 ms late, every time; the fastest of
    // three tries tells "at once" from that even on a machine busy with other test files.
    const waits: Array<number> = []
    for (let attempt = 0; attempt < 3; attempt++) {
      const { token } = newBot(emu)
      const first = timed(call(emu, token, "getUpdates", { offset: 1, timeout: 10 }))
      await emu.waitForPoller(token)
      const t0 = Date.now()
      const second = call(emu, token, "getUpdates", { offset: 1, timeout: 10 })
      const r1 = await first
      waits.push(Date.now() - t0)
      expect(r1.value.body).toEqual(CONFLICT)
      expect(r1.value.status).toBe(409)
      const { updateId } = emu.injectMessage(token, { text: "for the survivor" })
      expect(ids((await second).body)).toEqual([updateId])
      expect(emu.stats(token).conflicts).toBe(1)
    }
    expect(Math.min(...waits)).toBeLessThan(90)
  })

  it("a long poll whose client has gone is not counted, but its 409 still makes the next one 3 s late", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const abort = new AbortController()
    const gone = call(emu, token, "getUpdates", { offset: 1, timeout: 20 }, abort.signal).catch((e: unknown) => e)
    await emu.waitForPoller(token)
    abort.abort()
    expect(await gone).toBeInstanceOf(Error)
    await emu.waitForStats(token, (s) => s.activePollers === 0)
    // The real server keeps the abandoned long poll pending; a new one supersedes it
    // (its 409 reaches nobody and is not counted).
    const second = timed(call(emu, token, "getUpdates", { offset: 1, timeout: 20 }))
    await emu.waitForPoller(token)
    expect(emu.stats(token).conflicts).toBe(0)
    // That 409 went out "at once", so the next conflict within 3 s waits 3 s.
    const third = call(emu, token, "getUpdates", { offset: 1, timeout: 20 })
    const r2 = await second
    expect(r2.value.body).toEqual(CONFLICT)
    expect(r2.ms).toBeGreaterThanOrEqual(2900)
    expect(emu.stats(token).conflicts).toBe(1)
    emu.injectMessage(token, { text: "end" })
    expect((await third).status).toBe(200)
  })

  it("conflictDelay off: every 409 at once", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    emu.setRules(token, { conflictDelay: false })
    const polls = [call(emu, token, "getUpdates", { offset: 1, timeout: 10 })]
    await emu.waitForPoller(token)
    polls.push(call(emu, token, "getUpdates", { offset: 2, timeout: 10 }))
    expect((await polls[0]!).status).toBe(409)
    const t0 = Date.now()
    polls.push(call(emu, token, "getUpdates", { offset: 3, timeout: 10 }))
    expect((await polls[1]!).status).toBe(409)
    expect(Date.now() - t0).toBeLessThan(500)
    emu.injectMessage(token, { text: "end" })
    emu.injectMessage(token, { text: "end" })
    emu.injectMessage(token, { text: "end" })
    expect((await polls[2]!).status).toBe(200)
  })

  it("an abandoned long poll does not count as the bot polling, and an update ends it", async () => {
    const { emu } = ctx
    const { token } = newBot(emu)
    const abort = new AbortController()
    const gone = call(emu, token, "getUpdates", { offset: 1, timeout: 20 }, abort.signal).catch((e: unknown) => e)
    await emu.waitForPoller(token)
    abort.abort()
    await gone
    await emu.waitForStats(token, (s) => s.activePollers === 0)
    await expect(emu.waitForPoller(token, 100)).rejects.toThrow(/timed out/)
    const { updateId } = emu.injectMessage(token, { text: "woke the abandoned poll" })
    await sleep(10)
    expect(emu.state.bots.get(token)!.poller).toBeUndefined()
    // its answer reached nobody: the update is still there, not counted as delivered
    expect(emu.stats(token)).toMatchObject({ pendingUpdates: 1, updatesDelivered: 0, conflicts: 0 })
    expect(ids((await call(emu, token, "getUpdates", { offset: 1 })).body)).toEqual([updateId])
  })
})
