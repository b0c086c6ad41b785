/**
 * How one attempt at an external provider's HTTP API (ZarinPal, Remnawave) can
 * fail, which failures are worth retrying, and how each is described — shared
 * by both clients so they retry and report the same way.
 */
import { Cause } from "effect"
import type { HttpClientError } from "effect/http"

/** A 5xx answer, retried like a network error. */
export class ServerFailure {
  readonly status: number
  constructor(status: number) {
    this.status = status
  }
}

/** A non-5xx answer whose body could not be read as the provider's JSON. */
export class Unreadable {
  readonly status: number
  readonly reason: string
  constructor(status: number, reason: string) {
    this.status = status
    this.reason = reason
  }
}

export type AttemptError = HttpClientError.HttpClientError | Cause.TimeoutError | ServerFailure | Unreadable

export const isRetryable = (e: AttemptError): boolean =>
  e instanceof ServerFailure ||
  Cause.isTimeoutError(e) ||
  (!(e instanceof Unreadable) && e.reason._tag === "TransportError")

export const describeAttemptError = (e: AttemptError): { reason: string; status?: number } => {
  if (e instanceof ServerFailure) return { reason: `HTTP ${e.status}`, status: e.status }
  if (e instanceof Unreadable) return { reason: e.reason, status: e.status }
  if (Cause.isTimeoutError(e)) return { reason: "timed out" }
  return { reason: e.reason._tag === "TransportError" ? "network error" : e.message }
}
