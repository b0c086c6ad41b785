/**
 * The update source of a bot runner, with at-least-once delivery.
 *
 * grammY's stock fetcher confirms updates to Telegram (by raising `offset`) as
 * soon as they are fetched, so a crash loses whatever was in the sink. This
 * supplier always asks for `offset` = the oldest unfinished update, so Telegram
 * keeps re-sending everything not yet handled; it hands each id out once, and
 * never lets more than `window` ids be in flight (getUpdates returns at most
 * 100, all of them starting at the oldest unfinished one).
 *
 * While updates are in flight, getUpdates cannot long-poll: it answers at once,
 * and every answer repeats the whole unfinished window (up to 100 updates that
 * both sides serialize and parse again) ahead of the few new ones. So a busy
 * supplier asks again only when it is worth it: when the window has room for a
 * real batch (`minRoom`) after a poll that brought new updates, or, after a poll
 * that found nothing new, on the next finish (as before); and at least every
 * `busyPauseMs` while the window has room. Under a burst that is a poll per
 * `minRoom` finished updates, not one per finish; at a trickle nothing changes.
 */
import type { Update } from "grammy/types"

export type FetchUpdates = (
  args: { offset: number; limit: number; timeout: number },
  signal: AbortSignal
) => Promise<ReadonlyArray<Update>>

export interface SupplierOptions {
  readonly pollTimeoutSeconds: number
  readonly window: number
  /**
   * While updates are in flight: the longest wait between polls (when the window
   * has any room), and the pause after a poll that brought nothing new.
   */
  readonly busyPauseMs: number
  /** While updates are in flight, poll early once the window has this much room (default: half the window). */
  readonly minRoom?: number
  /** Called as each getUpdates goes out (the bot is polling). */
  readonly onPolled?: () => void
  /**
   * Sees the first batch after each start (where a crash's replays land) and
   * returns the updates to hand out; the rest are treated as finished.
   */
  readonly admitFirstBatch?: (updates: ReadonlyArray<Update>) => Promise<ReadonlyArray<Update>>
}

export class AtLeastOnceSupplier {
  private readonly inFlight = new Set<number>()
  private highestSeen = -1
  /** The offset of the last getUpdates that Telegram answered: everything below it is confirmed. */
  private confirmedOffset = -1
  private wakeUps: Array<() => void> = []
  private firstBatchPending = true
  private lastPollAt = 0
  private lastPollBroughtNew = false
  private readonly fetch: FetchUpdates
  private readonly options: SupplierOptions
  private readonly minRoom: number

  constructor(fetch: FetchUpdates, options: SupplierOptions) {
    this.fetch = fetch
    this.options = options
    this.minRoom = Math.max(1, Math.min(options.window, options.minRoom ?? Math.ceil(options.window / 2)))
  }

  /** The oldest unfinished update id, or one past the newest seen: everything below is handled. */
  offset(): number {
    let lowest = Infinity
    for (const id of this.inFlight) if (id < lowest) lowest = id
    return lowest === Infinity ? this.highestSeen + 1 : lowest
  }

  get inFlightCount(): number {
    return this.inFlight.size
  }

  /** How many more ids the window takes (a poll returns at most `window` updates from the oldest unfinished). */
  private room(): number {
    if (this.inFlight.size === 0) return this.options.window
    return this.options.window - (this.highestSeen - this.offset() + 1)
  }

  /** Resolves when the next poll is worth making (see the module comment). */
  private async untilWorthPolling(signal: AbortSignal): Promise<void> {
    for (let finishes = 0; ; finishes++) {
      // Nothing in flight: a long poll, at once.
      if (this.inFlight.size === 0) return
      const room = this.room()
      const sinceLastPoll = Date.now() - this.lastPollAt
      if (room > 0) {
        if (sinceLastPoll >= this.options.busyPauseMs) return
        // Updates are flowing (a burst): wait for room for a real batch.
        if (this.lastPollBroughtNew ? room >= this.minRoom : finishes > 0) return
        // Otherwise the queue looked empty: any finish may be followed by new updates.
      }
      // Re-checked after every finish (finishes are what open the window) and
      // when the pause is over.
      await this.nextFinish(signal, room > 0 ? this.options.busyPauseMs - sinceLastPoll : Infinity)
    }
  }

  async supply(_batchSize: number, signal: AbortSignal): Promise<Array<Update>> {
    for (;;) {
      await this.untilWorthPolling(signal)
      const busy = this.inFlight.size > 0
      // Announced when the request goes out: with 30 s long polls, waiting for the
      // answer would show a freshly started bot as "starting" for 30 s.
      this.options.onPolled?.()
      const offset = this.offset()
      const updates = await this.fetch(
        { offset, limit: 100, timeout: busy ? 0 : this.options.pollTimeoutSeconds },
        signal
      )
      this.confirmedOffset = offset
      this.lastPollAt = Date.now()
      let fresh = updates.filter((u) => u.update_id > this.highestSeen)
      this.lastPollBroughtNew = fresh.length > 0
      if (fresh.length > 0) {
        for (const u of fresh) this.highestSeen = Math.max(this.highestSeen, u.update_id)
        if (this.firstBatchPending && this.options.admitFirstBatch) {
          fresh = [...(await this.options.admitFirstBatch(fresh))]
        }
        this.firstBatchPending = false
        for (const u of fresh) this.inFlight.add(u.update_id)
        if (fresh.length > 0) return fresh
      }
    }
  }

  /** The sink calls this when an update is handled (or dead-lettered). */
  finished(updateId: number): void {
    this.inFlight.delete(updateId)
    const wake = this.wakeUps
    this.wakeUps = []
    for (const w of wake) w()
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`; true when drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (this.inFlight.size > 0) {
      const left = deadline - Date.now()
      if (left <= 0) return false
      await this.nextFinish(undefined, left)
    }
    return true
  }

  /**
   * Tells Telegram that everything handled so far is done (one getUpdates with
   * timeout 0), unless an answered poll already carried this offset: an idle
   * bot has nothing to confirm, and a runner handing 3,000 idle bots over would
   * otherwise open 3,000 connections (the aborted long polls' are gone) on its
   * way out. Nor is there anything to confirm before the first update arrives.
   */
  async confirm(): Promise<void> {
    const offset = this.offset()
    if (offset === this.confirmedOffset || this.highestSeen < 0) return
    await this.fetch({ offset, limit: 1, timeout: 0 }, new AbortController().signal)
    this.confirmedOffset = offset
  }

  private nextFinish(signal: AbortSignal | undefined, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      let timer: NodeJS.Timeout | undefined
      const done = () => {
        if (timer) clearTimeout(timer)
        signal?.removeEventListener("abort", onAbort)
        resolve()
      }
      const onAbort = () => {
        if (timer) clearTimeout(timer)
        reject(signal?.reason)
      }
      signal?.addEventListener("abort", onAbort, { once: true })
      if (timeoutMs !== Infinity) timer = setTimeout(done, timeoutMs)
      this.wakeUps.push(done)
    })
  }
}
