/**
 * Head of line: one chat of a bot is held up by Telegram's flood control, and
 * the bot's other chats must not wait behind it (DESIGN §6: their replies
 * p99 ≤ 1 s).
 *
 * One bot, echo handler, long polling, every emulator rule on (flood control
 * included) and botfleet's send pacing on. The emulator is told to answer the
 * bot's next sendMessage with 429 retry_after 6 (fault injection, once); one
 * message is injected into the "held" chat and, once its reply has drawn the 429
 * (botfleet now waits 6 s to send it again), a steady stream starts in 50 other
 * chats: 20 messages a second in all (under the bot's 25/s pace), each chat
 * writing every 2.5 s (under its 1 per 1.1 s pace), for longer than the 6-s
 * wait. Figures: the other chats' inject → reply latency p50/p99 (emulator
 * clock), and the held chat's own reply time (≈ 6 s by design).
 */
import { seedBots, sleep, startBotfleet } from "../lib/harness.ts"
import { figure } from "../lib/results.ts"
import { waitFor } from "../lib/stats.ts"
import type { Scenario } from "./index.ts"

export const headOfLine: Scenario = {
  name: "head-of-line",
  title: "One chat held by a 429 (retry_after 6): other chats' reply latency",
  run: async (ctx) => {
    const chats = 50
    const perChat = ctx.quick ? 3 : 6
    const rate = 20
    const retryAfter = 6
    const db = await ctx.database()
    const emulator = await ctx.emulator()
    const [bot] = await emulator.createBots(1)
    const token = bot!.token
    await seedBots(db, [bot!])
    const bf = await startBotfleet(ctx.scope, { db, emulator, app: "echo" })
    await emulator.waitPolling(1, 60_000)

    // warm-up: 50 chats write once each (the pipeline is hot)
    const w = await emulator.load({ tokens: [token], total: chats, kind: "echo", chatsPerBot: chats }, 60_000)
    if (w.timedOut) throw new Error(`warm-up did not complete (${w.replied}/${w.injected})`)
    await sleep(2_000) // every chat's pace bucket full again

    // the held chat: its reply is answered 429 retry_after 6 once
    await emulator.injectFault(token, { kind: "rate_limit", retryAfter, method: "sendMessage", count: 1 })
    const held = emulator.load({ tokens: [token], total: 1, kind: "echo", chatsPerBot: 1 }, 60_000)
    const faultAt = await waitFor(
      "the held chat's reply to draw the 429",
      async () => ((await emulator.faultsPending(token)) === 0 ? Date.now() : undefined),
      30_000,
      5
    )
    // meanwhile the other chats write at a steady pace
    const total = chats * perChat
    const others = await emulator.load(
      { tokens: [token], total, kind: "echo", chatsPerBot: chats, ratePerSecond: rate },
      (total / rate) * 1000 + 60_000
    )
    const heldResult = await held
    ctx.log(
      `held chat: reply after ${heldResult.latencyMs.max ?? "n/a"} ms (429 retry_after ${retryAfter} s); ` +
        `other ${chats} chats, ${total} messages at ${rate}/s: p50 ${others.latencyMs.p50} ms, p99 ${others.latencyMs.p99} ms, max ${others.latencyMs.max} ms`
    )
    const streamSeconds = total / rate
    return {
      parameters: {
        bots: 1,
        otherChats: chats,
        messagesPerChat: perChat,
        ratePerSecond: rate,
        fault: `sendMessage answered 429 retry_after ${retryAfter} once (the held chat's reply)`,
        handler: "ctx.reply(ctx.message.text)",
        ingest: "long polling",
        emulatorRules: "all on (flood control included); botfleet's send pacing on"
      },
      figures: [
        figure(`other chats' reply latency p50 (${chats} chats, ${rate}/s)`, others.latencyMs.p50, "ms", {
          digits: 0
        }),
        figure(
          `other chats' reply latency p99 (${chats} chats, ${rate}/s)`,
          others.timedOut ? null : others.latencyMs.p99,
          "ms",
          {
            digits: 0,
            target: { op: "<=", value: 1000 },
            note: `while one chat waits out a 429 retry_after ${retryAfter}; stream of ${streamSeconds.toFixed(1)} s`
          }
        ),
        figure("held chat's reply (429 retry_after 6 waited out)", heldResult.latencyMs.max, "ms", { digits: 0 })
      ],
      data: {
        warmup: w,
        faultDrawnAt: faultAt,
        held: heldResult,
        others,
        botfleetLogTail: bf.proc.output().slice(-2000)
      }
    }
  }
}
