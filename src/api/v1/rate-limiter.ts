/**
 * A token bucket per API token (keyed by the token's hash, never the token):
 * `burst` requests at once, refilled at `perMinute`. In memory, per replica —
 * with N replicas behind a load balancer a token may get up to N× the rate,
 * which is fine for its purpose (stopping a runaway script, not metering).
 */
import { Context, Effect, Layer } from "effect"
import { AppConfig } from "../../config.ts"

export interface RateLimitOptions {
  readonly perMinute: number
  readonly burst: number
}

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number }

interface Bucket {
  tokens: number
  at: number
}

/** Buckets idle long enough to be full again carry no information: forget them. */
const PRUNE_ABOVE = 10_000

export const makeRateLimiter = (options: RateLimitOptions, clock: () => number = Date.now) => {
  const capacity = Math.max(1, options.burst)
  const perMs = Math.max(1, options.perMinute) / 60_000
  const buckets = new Map<string, Bucket>()

  const prune = (now: number) => {
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + (now - bucket.at) * perMs >= capacity) buckets.delete(key)
    }
  }

  return (key: string): RateDecision => {
    const now = clock()
    if (buckets.size > PRUNE_ABOVE) prune(now)
    const bucket = buckets.get(key) ?? { tokens: capacity, at: now }
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * perMs)
    bucket.at = now
    buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { allowed: true }
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) }
  }
}

export class ApiRateLimiter extends Context.Service<
  ApiRateLimiter,
  {
    take(key: string): Effect.Effect<RateDecision>
  }
>()("botfleet/api/v1/ApiRateLimiter") {
  static readonly layer = Layer.effect(
    ApiRateLimiter,
    Effect.gen(function* () {
      const config = yield* AppConfig
      const take = makeRateLimiter({ perMinute: config.apiRateLimitPerMinute, burst: config.apiRateLimitBurst })
      return ApiRateLimiter.of({ take: (key) => Effect.sync(() => take(key)) })
    })
  )
}
