/**
 * Sends paced to Telegram's flood limits: the slots reserved stay within every
 * limit over any window, and a burst of sends through a real grammY client
 * meets no 429 from the (strict) emulator.
 */
import type { Api } from "grammy"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { makeTelegramBot } from "../../src/telegram/client.ts"
import { reserveSend } from "../../src/telegram/send-pace.ts"

/** The most slots inside any window of `windowMs` (slots sorted). */
const mostWithin = (slots: ReadonlyArray<number>, windowMs: number) => {
  let most = 0
  for (let i = 0, j = 0; i < slots.length; i++) {
    while (slots[i]! - slots[j]! >= windowMs) j++
    most = Math.max(most, i - j + 1)
  }
  return most
}

describe("send pacing", () => {
  it("a chat: a burst of four (the bot's own pace within it), then a little under one a second", () => {
    const now = 1_000_000
    const waits = Array.from({ length: 7 }, () => Math.round(reserveSend("pace-chat", 42, now)))
    expect(waits).toEqual([0, 0, 0, 40, 1100, 2200, 3300])
  })

  it("a bot: never more than 28 sends in any second (Telegram: 30), whatever the chats", () => {
    const now = 2_000_000
    const slots = Array.from({ length: 200 }, (_, i) => now + reserveSend("pace-bot", 1000 + i, now))
    expect(slots.slice(0, 3).every((s) => s === now)).toBe(true)
    expect(mostWithin(slots, 1000)).toBeLessThanOrEqual(28)
    expect(mostWithin(slots, 1000)).toBeGreaterThanOrEqual(25)
    // 200 sends take about 197 / 25 s, not longer.
    expect(slots.at(-1)! - now).toBeLessThanOrEqual(7_900)
  })

  it("a group: never more than 20 in any minute", () => {
    const now = 3_000_000
    const slots = Array.from({ length: 45 }, () => now + reserveSend("pace-group", -100123, now))
    expect(mostWithin(slots, 60_000)).toBeLessThanOrEqual(20)
    expect(mostWithin(slots, 60_000)).toBeGreaterThanOrEqual(19)
  })

  describe("through a client, against the strict emulator", () => {
    let emulator: TelegramEmulator
    beforeAll(async () => {
      emulator = await startTelegramEmulator()
    })
    afterAll(() => emulator?.close())

    it("60 messages to 12 users at once: all delivered, without 429s", async () => {
      const { token } = emulator.createBot()
      const users = Array.from({ length: 12 }, (_, i) => 70_000 + i)
      for (const id of users) emulator.openPrivateChat(token, { userId: id })
      const api: Api = makeTelegramBot(token, { apiRoot: emulator.url, pacing: true }).api
      await Promise.all(Array.from({ length: 60 }, (_, i) => api.sendMessage(users[i % users.length]!, `paced ${i}`)))
      // Unpaced, about half of them would be refused. Paced, none — give or take one that a
      // stalled event loop sent late next to a later one (auto-retry delivers it anyway).
      expect(emulator.stats(token).floodRefusals).toBeLessThanOrEqual(1)
      for (const id of users) expect(emulator.sentMessages(token, id)).toHaveLength(5)
    }, 20_000)
  })
})
