/**
 * The update source of a polling bot: long polls that always wait at a fresh
 * offset, in front of the durable inbox (src/db/update-bookkeeping.ts).
 *
 * Each getUpdates answer is stored (one statement) before the next getUpdates
 * goes out, and only that next call's offset tells Telegram the batch arrived:
 * nothing is confirmed before it is stored, and nothing stored is ever asked
 * for again. Handling is the inbox's business — an update leaves the inbox
 * when its mark commits — so the source never waits for handlers: one chat's
 * slow update holds one slot of the sink, not the offset. (Telegram throttles a
 * getUpdates that repeats the previous offset to one update per call, which
 * made "re-poll the oldest unfinished update" stall every chat behind one.)
 *
 * At each start the source first hands out what the inbox still holds for the
 * bot: updates a previous owner (or an earlier start of this one) stored and
 * did not finish. `onBacklog` sees them: they may have been half-handled or may
 * have crashed a process, so the pipeline treats them with care.
 */
import type { UpdateSink } from "@grammyjs/runner"
import type { Update } from "grammy/types"

export type FetchUpdates = (
  args: { offset?: number; limit: number; timeout: number },
  signal: AbortSignal
) => Promise<ReadonlyArray<Update>>

export interface LongPollOptions {
  readonly pollTimeoutSeconds: number
  /** Stores a batch in the inbox; resolves with the ids that are new (to be handled here). */
  readonly store: (updates: ReadonlyArray<Update>) => Promise<ReadonlySet<number>>
  /** The bot's stored, unfinished updates, oldest first. */
  readonly loadUnfinished: () => Promise<ReadonlyArray<Update>>
  /** Called as each getUpdates goes out (the bot is polling). */
  readonly onPolled?: () => void
  /** Sees the stored updates handed out at a start (they may have been handled in part, or crashed a process). */
  readonly onBacklog?: (updates: ReadonlyArray<Update>) => void
  /** A failed store is retried after this pause, growing to 5 s, until the source is stopped (default 100 ms). */
  readonly storeRetryMs?: number
}

/** getUpdates answers at most 100 updates. */
const MAX_BATCH = 100

export class LongPollSource {
  private readonly inFlight = new Set<number>()
  /** The next getUpdates' offset: one past the newest stored update (unset until the first batch is stored). */
  private offset: number | undefined
  private backlog: Array<Update> = []
  private reloadBacklog = true
  private wakeUps: Array<() => void> = []
  private readonly fetch: FetchUpdates
  private readonly options: LongPollOptions

  constructor(fetch: FetchUpdates, options: LongPollOptions) {
    this.fetch = fetch
    this.options = options
  }

  get inFlightCount(): number {
    return this.inFlight.size
  }

  /** A (re)start of the runner: the inbox's unfinished updates come first again. */
  restart(): void {
    this.reloadBacklog = true
  }

  /**
   * Feeds `sink` until `signal` aborts (then resolves) or a poll fails (then rejects
   * with its error, for the restart policy). Each batch waits for the sink's room, so
   * a full sink (its concurrency reached) holds the next poll back.
   *
   * This is the loop of @grammyjs/runner's `createRunner(createSource(…), sink)`
   * without what botfleet does not use (its speed/traffic balance): that pair holds
   * an async generator, two statistics buffers and a fresh AbortController per poll,
   * ≈ 3.5 KB a bot, which 10,000 idle bots pay for nothing.
   */
  async run(sink: UpdateSink<Update>, signal: AbortSignal): Promise<void> {
    let room = Number.POSITIVE_INFINITY
    while (!signal.aborted) {
      let updates: Array<Update>
      try {
        updates = await this.supply(room, signal)
      } catch (error) {
        if (signal.aborted) return
        throw error
      }
      room = await sink.handle(updates)
    }
  }

  /** Up to `batchSize` updates to handle (the sink's free capacity). */
  async supply(batchSize: number, signal: AbortSignal): Promise<Array<Update>> {
    const room = Math.max(1, batchSize)
    for (;;) {
      if (this.reloadBacklog) {
        this.reloadBacklog = false
        const stored = (await this.options.loadUnfinished()).filter((u) => !this.inFlight.has(u.update_id))
        for (const u of stored) this.inFlight.add(u.update_id)
        if (stored.length > 0) this.options.onBacklog?.(stored)
        this.backlog = stored
      }
      if (this.backlog.length > 0) return this.backlog.splice(0, room)

      // Announced when the request goes out: with 30 s long polls, waiting for the
      // answer would show a freshly started bot as "starting" for 30 s.
      this.options.onPolled?.()
      const updates = await this.fetch(
        {
          ...(this.offset === undefined ? {} : { offset: this.offset }),
          limit: Math.min(MAX_BATCH, room),
          timeout: this.options.pollTimeoutSeconds
        },
        signal
      )
      if (updates.length === 0) continue
      const fresh = await this.storeUntilDone(updates, signal)
      for (const u of updates) this.offset = Math.max(this.offset ?? 0, u.update_id + 1)
      const handOut: Array<Update> = []
      for (const u of updates) {
        if (fresh.has(u.update_id)) {
          if (!this.inFlight.has(u.update_id)) handOut.push(u)
        } else if (!this.inFlight.has(u.update_id)) {
          // Stored before, by a runner that is not handling it here: if it is still
          // unfinished after that runner stopped, the inbox hands it out again.
          this.reloadBacklog = true
        }
      }
      for (const u of handOut) this.inFlight.add(u.update_id)
      if (handOut.length > 0) return handOut
    }
  }

  /** The sink calls this when an update is finished (handled or dead-lettered). */
  finished(updateId: number): void {
    this.inFlight.delete(updateId)
    const wake = this.wakeUps
    this.wakeUps = []
    for (const w of wake) w()
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`; true when drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    // Handed out but never reached the sink (the runner stopped first): they stay in the inbox.
    for (const u of this.backlog) this.inFlight.delete(u.update_id)
    this.backlog = []
    while (this.inFlight.size > 0) {
      const left = deadline - Date.now()
      if (left <= 0) return false
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wakeUps.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return true
  }

  /**
   * Stores a batch, waiting out a database outage: the batch is not confirmed to
   * Telegram until it is stored, so holding it loses nothing; a stop gives up.
   */
  private async storeUntilDone(updates: ReadonlyArray<Update>, signal: AbortSignal): Promise<ReadonlySet<number>> {
    const first = this.options.storeRetryMs ?? 100
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.options.store(updates)
      } catch (error) {
        if (signal.aborted) throw error
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            clearTimeout(timer)
            reject(signal.reason)
          }
          const timer = setTimeout(
            () => {
              signal.removeEventListener("abort", onAbort)
              resolve()
            },
            Math.min(5_000, first * 2 ** Math.min(attempt, 6))
          )
          signal.addEventListener("abort", onAbort, { once: true })
        })
      }
    }
  }
}
