/**
 * What the simulated people did, counted as they do it (the service's own
 * view comes from the database and /metrics, in snapshot.ts).
 */

export type JourneyKind =
  | "card"
  | "zarinpal"
  | "zarinpal_cancel"
  | "topup_card"
  | "topup_zarinpal"
  | "trial"
  | "promo"
  | "referral"

export const JOURNEY_KINDS: ReadonlyArray<JourneyKind> = [
  "card",
  "zarinpal",
  "zarinpal_cancel",
  "topup_card",
  "topup_zarinpal",
  "trial",
  "promo",
  "referral"
]

export type Outcome =
  /** A plan bought and its subscription link received. */
  | "bought"
  /** The admin rejected the receipt; the user was told why. */
  | "rejected"
  /** Cancelled at the bank page; the user was told. */
  | "cancelled"
  /** The bot did not answer in time (see `lastFailure`). */
  | "failed"
  /** The simulation stopped in the middle. */
  | "interrupted"

export interface TenantSimStats {
  journeysStarted: number
  inFlight: number
  readonly outcomes: Record<Outcome, number>
  readonly byKind: Record<JourneyKind, number>
  languageSwitches: number
  /** Invite links passed on to a friend who then started the shop. */
  referralsSent: number
  receiptsApproved: number
  receiptsRejected: number
  adminFailures: number
}

export interface SimStats {
  readonly tenants: Array<TenantSimStats>
  lastFailure: string | undefined
}

const zeros = <K extends string>(keys: ReadonlyArray<K>): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>

export const OUTCOMES: ReadonlyArray<Outcome> = ["bought", "rejected", "cancelled", "failed", "interrupted"]

export const makeSimStats = (tenants: number): SimStats => ({
  tenants: Array.from({ length: tenants }, () => ({
    journeysStarted: 0,
    inFlight: 0,
    outcomes: zeros(OUTCOMES),
    byKind: zeros(JOURNEY_KINDS),
    languageSwitches: 0,
    referralsSent: 0,
    receiptsApproved: 0,
    receiptsRejected: 0,
    adminFailures: 0
  })),
  lastFailure: undefined
})
