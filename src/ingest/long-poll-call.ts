/**
 * The long poll's `getUpdates`, sent straight over the process's shared HTTP
 * dispatcher (src/telegram/direct-call.ts says why and what its errors look like).
 *
 * A long poll waits up to TELEGRAM_POLL_TIMEOUT_SECONDS, long enough for
 * everything it allocates to reach V8's old generation, so each byte is paid
 * twice per bot — held while the poll waits, then kept as old-generation garbage
 * until the next full collection. grammY's per-call machinery measured ≈ 4 KB per
 * pending poll on top of the request itself (≈ 5.8 KB over HTTP/2): at 10,000 idle
 * bots, ≈ 40 MB live and as much again in garbage every poll period.
 */
import type { Update } from "grammy/types"
import type { Dispatcher } from "undici"
import { directCall } from "../telegram/direct-call.ts"
import type { FetchUpdates } from "./long-poll-source.ts"

/**
 * How long past the poll's own timeout an answer may take before the request is
 * given up (a connection that died without a reset): the runner then polls again.
 */
const GRACE_MS = 30_000

export const longPollCall = (dispatcher: Dispatcher, apiRoot: string, token: string): FetchUpdates => {
  const getUpdates = directCall<Array<Update>>(dispatcher, apiRoot, token, "getUpdates")
  return (args, signal) =>
    getUpdates(args, signal, { headersTimeout: args.timeout * 1000 + GRACE_MS, bodyTimeout: GRACE_MS })
}
