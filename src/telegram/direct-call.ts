/**
 * A Bot API call sent straight over the process's shared HTTP dispatcher
 * (src/telegram/http-client.ts) instead of through a grammY client: the two
 * calls of a bot's start, the long poll's `getUpdates`
 * (src/ingest/long-poll-call.ts) and a first start's `getMe`.
 *
 * Why: neither needs grammY's per-call machinery (an AbortController tied to
 * the caller's signal, a 500-s timer with its promise, a stream-error promise,
 * a three-way `Promise.race`, the transformer chain) — a long poll keeps it for
 * as long as it waits (≈ 4 KB a bot), and building a throwaway grammY `Bot`
 * with its transformers for one `getMe` was ≈ 12 % of the CPU of a first start.
 *
 * The answer keeps grammY's error shapes — `GrammyError` (error_code,
 * description, parameters) for Telegram's refusals, `HttpError` for the
 * network — so the runner's restart policy (src/supervisor/restart-policy.ts)
 * reads it as it reads any call's, and failures are counted in
 * `botfleet_telegram_api_errors_total` as every other call's are. A call its
 * caller aborted (a bot stopping) rejects with the signal's reason as it is:
 * nobody reads it, and 10,000 bots stopping at once should not build 10,000
 * errors with stack traces. The URL carries the token: it is never put in an
 * error or a log.
 */
import { GrammyError, HttpError } from "grammy"
import type { Dispatcher } from "undici"
import { telegramApiErrors } from "../metrics/registry.ts"

const HEADERS = { "content-type": "application/json" }

type ApiAnswer<R> =
  | { readonly ok: true; readonly result: R }
  | {
      readonly ok: false
      readonly error_code: number
      readonly description: string
      readonly parameters?: { readonly retry_after?: number; readonly migrate_to_chat_id?: number }
    }

export interface CallTimeouts {
  /** Until the answer's headers arrive (a long poll: its own timeout plus a grace). */
  readonly headersTimeout: number
  readonly bodyTimeout: number
}

/** `method` of the bot `token`, as a function of its parameters. */
export const directCall = <R>(dispatcher: Dispatcher, apiRoot: string, token: string, method: string) => {
  const url = new URL(`${apiRoot}/bot${token}/${method}`)
  const origin = url.origin
  const path = url.pathname
  return async (args: Record<string, unknown>, signal: AbortSignal, timeouts: CallTimeouts): Promise<R> => {
    let answer: ApiAnswer<R>
    try {
      const { body } = await dispatcher.request({
        origin,
        path,
        method: "POST",
        headers: HEADERS,
        body: JSON.stringify(args),
        signal,
        ...timeouts
      })
      answer = (await body.json()) as ApiAnswer<R>
    } catch (error) {
      if (signal.aborted) throw signal.reason
      telegramApiErrors.inc({ method, code: "network" })
      throw new HttpError(`Network request for '${method}' failed!`, error)
    }
    if (answer.ok) return answer.result
    telegramApiErrors.inc({ method, code: String(answer.error_code) })
    throw new GrammyError(`Call to '${method}' failed!`, answer, method, args)
  }
}
