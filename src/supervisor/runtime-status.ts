/**
 * The supervisor's record of each bot in `bot_runtime_status` (read by the CLI's
 * `status`, the master bot and the API). Written on state changes only, never
 * per update. Fleet-wide table: no tenant scope.
 *
 * Writes and the start look-up are batched (effect/sql's SqlResolver):
 * thousands of bots start or stop together when a bucket moves, and one
 * statement per bot would make each of them wait its turn for a pooled
 * connection — measured at 10,000 bots over 3 runners, a successor's bots spent
 * 2–5 s in that queue before their first getUpdates. Requests made within a few
 * milliseconds of each other share one statement; each caller still waits for
 * its own write, so a stopping bot's "stopped" is committed before its bucket's
 * lock is released.
 */
import { Effect, RequestResolver, Schema } from "effect"
import { SqlClient, SqlResolver } from "effect/sql"
import type { UserFromGetMe } from "grammy/types"
import { causeSummary } from "../logging.ts"

export type RunnerState = "starting" | "running" | "backoff" | "unauthorized" | "webhook_conflict" | "stopped"

export interface StatusChange {
  readonly state: RunnerState
  readonly fingerprint: string
  readonly runner: string
  readonly error?: string | undefined
  readonly restart?: boolean | undefined
  readonly conflict?: boolean | undefined
  readonly started?: boolean | undefined
  /** getMe's answer, when this start asked for it (cached for the next start with the same token) */
  readonly botInfo?: UserFromGetMe | undefined
}

/**
 * How long a batch collects requests before its statement runs. 20 ms rather
 * than 5: at a start burst's 1,000 bots a second, a batch then holds ~20 bots'
 * "starting" (often merged with their "running") instead of ~5, and the
 * statements, socket writes and Effect batches per bot fall with it — measured
 * at 10,000 idle bots, CPU per bot started 0.53 → 0.41-0.48 ms (botfleet) and
 * 1.0 → 0.7-0.8 ms (with PostgreSQL). A start waits at most 15 ms longer.
 */
const BATCH_WINDOW = "20 millis"

const StatusWrite = Schema.Struct({
  /** orders the writes of one bot that fall into one batch (and keeps equal writes from being merged as duplicates) */
  seq: Schema.Number,
  botId: Schema.Number,
  state: Schema.String,
  fingerprint: Schema.String,
  runner: Schema.String,
  error: Schema.NullOr(Schema.String),
  restart: Schema.Number,
  conflict: Schema.Number,
  started: Schema.Boolean,
  /** getMe's answer as JSON text, or null */
  botInfo: Schema.NullOr(Schema.String)
})
type StatusWrite = typeof StatusWrite.Type

/** One row per bot: a batch may hold several writes of the same bot (a fire-and-forget "running", then a stop). */
const mergePerBot = (writes: ReadonlyArray<StatusWrite>): Array<StatusWrite> => {
  const byBot = new Map<number, StatusWrite>()
  for (const w of [...writes].sort((a, b) => a.seq - b.seq)) {
    const prev = byBot.get(w.botId)
    byBot.set(
      w.botId,
      prev === undefined
        ? w
        : {
            ...w,
            error: w.error ?? prev.error,
            restart: prev.restart + w.restart,
            conflict: prev.conflict + w.conflict,
            started: prev.started || w.started,
            botInfo: w.botInfo ?? prev.botInfo
          }
    )
  }
  return [...byBot.values()]
}

const writeStatuses = SqlResolver.void({
  Request: StatusWrite,
  execute: (requests) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // One JSON parameter: the driver cannot type an array parameter that holds only NULLs (the errors, mostly).
      const rows = JSON.stringify(
        mergePerBot(requests).map((w) => ({
          bot_id: w.botId,
          state: w.state,
          fingerprint: w.fingerprint,
          error: w.error,
          restart: w.restart,
          conflict: w.conflict,
          started: w.started,
          runner: w.runner,
          bot_info: w.botInfo
        }))
      )
      return yield* sql`
        INSERT INTO bot_runtime_status AS s (bot_id, state, token_fingerprint, last_error, last_error_at, restart_count,
          conflict_count, last_started_at, runner, updated_at, bot_info, bot_info_at)
        SELECT x.bot_id, x.state, x.fingerprint, x.error, CASE WHEN x.error IS NULL THEN NULL ELSE now() END,
          x.restart, x.conflict, CASE WHEN x.started THEN now() END, x.runner, now(),
          x.bot_info::jsonb, CASE WHEN x.bot_info IS NOT NULL THEN now() END
        FROM jsonb_to_recordset(${rows}::jsonb)
          AS x(bot_id bigint, state text, fingerprint text, error text, restart int, conflict int, started boolean, runner text,
            bot_info text)
        -- a bot deleted while it stops has no status left to record
        WHERE EXISTS (SELECT 1 FROM bots WHERE id = x.bot_id)
        ON CONFLICT (bot_id) DO UPDATE SET
          state = EXCLUDED.state,
          token_fingerprint = EXCLUDED.token_fingerprint,
          last_error = COALESCE(EXCLUDED.last_error, s.last_error),
          last_error_at = COALESCE(EXCLUDED.last_error_at, s.last_error_at),
          restart_count = s.restart_count + EXCLUDED.restart_count,
          conflict_count = s.conflict_count + EXCLUDED.conflict_count,
          last_started_at = COALESCE(EXCLUDED.last_started_at, s.last_started_at),
          runner = EXCLUDED.runner,
          updated_at = now(),
          -- a new token forgets the old token's getMe answer
          bot_info = CASE WHEN EXCLUDED.bot_info IS NOT NULL THEN EXCLUDED.bot_info
            WHEN s.token_fingerprint = EXCLUDED.token_fingerprint THEN s.bot_info END,
          bot_info_at = CASE WHEN EXCLUDED.bot_info IS NOT NULL THEN EXCLUDED.bot_info_at
            WHEN s.token_fingerprint = EXCLUDED.token_fingerprint THEN s.bot_info_at END`
    })
}).pipe(RequestResolver.setDelay(BATCH_WINDOW))

let seq = 0

export const recordStatus = (botId: number, change: StatusChange) =>
  SqlResolver.request(
    {
      seq: seq++,
      botId,
      state: change.state,
      fingerprint: change.fingerprint,
      runner: change.runner,
      error: change.error?.slice(0, 500) ?? null,
      restart: change.restart ? 1 : 0,
      conflict: change.conflict ? 1 : 0,
      started: change.started ?? false,
      botInfo: change.botInfo === undefined ? null : JSON.stringify(change.botInfo)
    },
    writeStatuses
  ).pipe(
    // A lost status row must never take a bot down with it.
    Effect.catchCause((cause) => Effect.logWarning(`could not record bot status: ${causeSummary(cause)}`)),
    Effect.annotateLogs({ bot_id: botId })
  )

/** How long a cached getMe answer is used before the bot asks again (a renamed bot is seen within this). */
const BOT_INFO_TTL_MS = 24 * 60 * 60_000

const Recorded = Schema.Struct({
  botId: Schema.Number,
  tokenFingerprint: Schema.NullOr(Schema.String),
  state: Schema.String,
  lastErrorAt: Schema.NullOr(Schema.Date),
  botInfo: Schema.NullOr(Schema.Unknown),
  botInfoAt: Schema.NullOr(Schema.Date)
})

const findRecorded = SqlResolver.findById({
  Id: Schema.Number,
  Result: Recorded,
  ResultId: (row) => row.botId,
  execute: (ids) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return yield* sql`
        SELECT bot_id, token_fingerprint, state, last_error_at, bot_info, bot_info_at FROM bot_runtime_status
        WHERE bot_id = ANY(${ids}::bigint[])`
    })
}).pipe(RequestResolver.setDelay(BATCH_WINDOW))

export interface StartInfo {
  /** When Telegram refused this exact token (to honour the cool-down across restarts), if it did. */
  readonly unauthorizedAt: Date | undefined
  /** getMe's answer for this exact token from the last day, if any. */
  readonly botInfo: UserFromGetMe | undefined
}

/** What an earlier start of this bot, with this token, learned (nothing when unknown or unreadable). */
export const startInfo = (botId: number, fingerprint: string): Effect.Effect<StartInfo, never, SqlClient.SqlClient> =>
  SqlResolver.request(botId, findRecorded).pipe(
    Effect.map((row): StartInfo => {
      if (row.tokenFingerprint !== fingerprint) return { unauthorizedAt: undefined, botInfo: undefined }
      const fresh = row.botInfoAt !== null && Date.now() - row.botInfoAt.getTime() < BOT_INFO_TTL_MS
      return {
        unauthorizedAt: row.state === "unauthorized" && row.lastErrorAt !== null ? row.lastErrorAt : undefined,
        botInfo: fresh && row.botInfo !== null ? (row.botInfo as UserFromGetMe) : undefined
      }
    }),
    Effect.orElseSucceed((): StartInfo => ({ unauthorizedAt: undefined, botInfo: undefined }))
  )
