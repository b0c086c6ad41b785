/**
 * What a bot runner does after a failure (DESIGN.md §1). Pure functions, so the
 * policy is tested without timers.
 *
 * | failure                      | action                                                |
 * |------------------------------|-------------------------------------------------------|
 * | 401 Unauthorized             | stop; retry after the token changes or a long cool-down |
 * | 409 webhook set              | record webhook_conflict; back off long                |
 * | 409 other poller             | back off (exponential), count it                      |
 * | 429 Too Many Requests        | wait exactly retry_after                              |
 * | 5xx / network / timeout      | exponential backoff 1 s → 5 min with jitter           |
 */
export type FailureKind = "unauthorized" | "conflict" | "webhook_conflict" | "rate_limited" | "transient"

export interface Failure {
  readonly kind: FailureKind
  readonly description: string
  readonly retryAfterSeconds?: number
}

interface ApiErrorLike {
  readonly error_code?: unknown
  readonly description?: unknown
  readonly parameters?: { readonly retry_after?: unknown }
}

export const UNAUTHORIZED_COOL_DOWN_MS = 60 * 60_000
export const BACKOFF_BASE_MS = 1_000
export const BACKOFF_CAP_MS = 5 * 60_000
/** A runner that stayed up this long starts its next failure from the base delay. */
export const STABLE_AFTER_MS = 60_000

export const classify = (error: unknown): Failure => {
  const e = (typeof error === "object" && error !== null ? error : {}) as ApiErrorLike
  const code = typeof e.error_code === "number" ? e.error_code : undefined
  const description =
    typeof e.description === "string" ? e.description : error instanceof Error ? error.message : String(error)
  if (code === 401) return { kind: "unauthorized", description }
  if (code === 409) {
    return /webhook/i.test(description) ? { kind: "webhook_conflict", description } : { kind: "conflict", description }
  }
  if (code === 429) {
    const retryAfter = e.parameters?.retry_after
    return { kind: "rate_limited", description, retryAfterSeconds: typeof retryAfter === "number" ? retryAfter : 1 }
  }
  return { kind: "transient", description }
}

/** Exponential backoff with full jitter in [delay/2, delay], capped. */
export const backoffMs = (attempt: number, random: () => number = Math.random): number => {
  const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt))
  return Math.round(delay / 2 + random() * (delay / 2))
}

/** How long to wait before the next attempt, given how many failures in a row preceded it. */
export const delayFor = (failure: Failure, consecutive: number, random?: () => number): number => {
  switch (failure.kind) {
    case "unauthorized":
      return UNAUTHORIZED_COOL_DOWN_MS
    case "rate_limited":
      return (failure.retryAfterSeconds ?? 1) * 1000
    case "webhook_conflict":
      // Someone set a webhook on purpose; poll for it to go away slowly.
      return Math.max(60_000, backoffMs(consecutive, random))
    case "conflict":
    case "transient":
      return backoffMs(consecutive, random)
  }
}
