/**
 * What an outbox task's handler answers (worker.ts acts on it): each task kind
 * (provision-subscription.ts, request-zarinpal-payment.ts) imports only this,
 * not the worker that runs it.
 */
export type TaskOutcome =
  | { readonly _tag: "Done" }
  /** Try again later (a provider was unreachable, the user could not be messaged yet). */
  | { readonly _tag: "Retry"; readonly reason: string }
  /** Finished for good without success; the handler already told whoever must know. */
  | { readonly _tag: "Failed"; readonly reason: string }
