/**
 * Staggers runner starts: a token bucket shared by every bot in the process,
 * so 10,000 bots starting together neither stall the event loop nor hit
 * Telegram in one burst. A small burst lets a handful of changes start at once.
 */
import { Context, Effect, Layer } from "effect"
import { AppConfig } from "../config.ts"

export class StartLimiter extends Context.Service<
  StartLimiter,
  {
    /** Waits for this caller's start slot. */
    readonly take: Effect.Effect<void>
  }
>()("botfleet/supervisor/StartLimiter") {
  static readonly make = (perSecond: number, burst = 20) => {
    const interval = 1000 / Math.max(1, perSecond)
    let next = 0
    return StartLimiter.of({
      take: Effect.suspend(() => {
        const now = Date.now()
        const slot = Math.max(now - burst * interval, next)
        next = slot + interval
        const wait = slot - now
        return wait > 0 ? Effect.sleep(wait) : Effect.void
      })
    })
  }

  static readonly layer = Layer.effect(
    StartLimiter,
    Effect.gen(function* () {
      const config = yield* AppConfig
      return StartLimiter.make(config.startsPerSecond)
    })
  )
}
