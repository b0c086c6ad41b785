/**
 * The long poll's `getUpdates`, sent straight over the process's shared HTTP
 * dispatcher (src/telegram/http-client.ts) instead of through grammY's client.
 *
 * Why: a long poll waits up to TELEGRAM_POLL_TIMEOUT_SECONDS, long enough for
 * everything it allocates to reach V8's old generation, so each byte is paid
 * twice per bot — held while the poll waits, then kept as old-generation garbage
 * until the next full collection. grammY's per-call machinery (an AbortController
 * tied to the caller's signal, a 500-s timer with its promise, a stream-error
 * promise, a three-way `Promise.race`, the transformer chain) measured ≈ 4 KB per
 * pending poll on top of the request itself (≈ 5.8 KB over HTTP/2): at 10,000 idle
 * bots, ≈ 40 MB live and as much again in garbage every poll period.
 *
 * The answer keeps grammY's error shapes — `GrammyError` (error_code, description,
 * parameters) for Telegram's refusals, `HttpError` for the network — so the
 * runner's restart policy (src/supervisor/restart-policy.ts) reads it as before,
 * and failures are counted in `botfleet_telegram_api_errors_total` as every other
 * call's are. The URL carries the token: it is never put in an error or a log.
 */
import { GrammyError, HttpError } from "grammy"
import type { Update } from "grammy/types"
import type { Dispatcher } from "undici"
import { telegramApiErrors } from "../metrics/registry.ts"
import type { FetchUpdates } from "./long-poll-source.ts"

const METHOD = "getUpdates"
const HEADERS = { "content-type": "application/json" }
/**
 * How long past the poll's own timeout an answer may take before the request is
 * given up (a connection that died without a reset): the runner then polls again.
 */
const GRACE_MS = 30_000

type ApiAnswer =
  | { readonly ok: true; readonly result: Array<Update> }
  | {
      readonly ok: false
      readonly error_code: number
      readonly description: string
      readonly parameters?: { readonly retry_after?: number; readonly migrate_to_chat_id?: number }
    }

export const longPollCall = (dispatcher: Dispatcher, apiRoot: string, token: string): FetchUpdates => {
  const url = new URL(`${apiRoot}/bot${token}/${METHOD}`)
  const origin = url.origin
  const path = url.pathname
  return async (args, signal) => {
    let answer: ApiAnswer
    try {
      const { body } = await dispatcher.request({
        origin,
        path,
        method: "POST",
        headers: HEADERS,
        body: JSON.stringify(args),
        signal,
        headersTimeout: args.timeout * 1000 + GRACE_MS,
        bodyTimeout: GRACE_MS
      })
      answer = (await body.json()) as ApiAnswer
    } catch (error) {
      if (!signal.aborted) telegramApiErrors.inc({ method: METHOD, code: "network" })
      throw new HttpError(`Network request for '${METHOD}' failed!`, error)
    }
    if (answer.ok) return answer.result
    telegramApiErrors.inc({ method: METHOD, code: String(answer.error_code) })
    throw new GrammyError(`Call to '${METHOD}' failed!`, answer, METHOD, args)
  }
}
