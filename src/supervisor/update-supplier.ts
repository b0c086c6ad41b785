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
 * While updates are in flight, getUpdates answers at once with the unconfirmed
 * ones; instead of spinning, the supplier then waits for a finish or a short
 * pause before asking again.
 */
import type { Update } from "grammy/types"

export type FetchUpdates = (
  args: { offset: number; limit: number; timeout: number },
  signal: AbortSignal
) => Promise<ReadonlyArray<Update>>

export interface SupplierOptions {
  readonly pollTimeoutSeconds: number
  readonly window: number
  /** Pause between polls while only in-flight updates come back. */
  readonly busyPauseMs: number
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
  private wakeUps: Array<() => void> = []
  private firstBatchPending = true
  private readonly fetch: FetchUpdates
  private readonly options: SupplierOptions

  constructor(fetch: FetchUpdates, options: SupplierOptions) {
    this.fetch = fetch
    this.options = options
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

  private windowFull(): boolean {
    return this.inFlight.size > 0 && this.highestSeen - this.offset() + 1 >= this.options.window
  }

  async supply(_batchSize: number, signal: AbortSignal): Promise<Array<Update>> {
    for (;;) {
      while (this.windowFull()) await this.nextFinish(signal, Infinity)
      const busy = this.inFlight.size > 0
      // Announced when the request goes out: with 30 s long polls, waiting for the
      // answer would show a freshly started bot as "starting" for 30 s.
      this.options.onPolled?.()
      const updates = await this.fetch(
        { offset: this.offset(), limit: 100, timeout: busy ? 0 : this.options.pollTimeoutSeconds },
        signal
      )
      let fresh = updates.filter((u) => u.update_id > this.highestSeen)
      if (fresh.length > 0) {
        for (const u of fresh) this.highestSeen = Math.max(this.highestSeen, u.update_id)
        if (this.firstBatchPending && this.options.admitFirstBatch) {
          fresh = [...await this.options.admitFirstBatch(fresh)]
        }
        this.firstBatchPending = false
        for (const u of fresh) this.inFlight.add(u.update_id)
        if (fresh.length > 0) return fresh
        continue
      }
      // Only updates already in flight came back: wait for one to finish.
      if (busy) await this.nextFinish(signal, this.options.busyPauseMs)
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

  /** Tells Telegram that everything handled so far is done (one getUpdates with timeout 0). */
  async confirm(): Promise<void> {
    await this.fetch({ offset: this.offset(), limit: 1, timeout: 0 }, new AbortController().signal)
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
