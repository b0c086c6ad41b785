/**
 * The cluster engine's clock: how often a runner proves it still holds its
 * shards, how long a silent runner keeps them, and how quickly the others
 * notice. These four values decide crash takeover, graceful handoff and how
 * much load it takes to cause a false failover (DESIGN.md §1; STACK-NOTES,
 * effect/cluster). They must be the same on every runner.
 */

/**
 * A runner refreshes its shard locks this often. The refresh's own timeout is
 * this interval too, and one missed refresh makes the runner declare its lock
 * storage unhealthy and stop every bot it runs. Below 3 s, a busy event loop
 * (10,000 bots starting, a rebalance) caused exactly that under load, so 3 s is
 * the floor. The engine shortens it to a third of the expiration when needed.
 */
export const SHARD_LOCK_REFRESH = "3 seconds"

/**
 * A runner that stops refreshing (crashed, frozen, cut off from PostgreSQL)
 * loses its locks after this long: PostgreSQL ends its idle lock session
 * (`idle_session_timeout`), which releases the advisory locks, and the runner
 * drops out of the runner list. This bounds crash takeover (≈ 9.5 s p99
 * measured with these values; target ≤ 15 s) and leaves a runner that can no
 * longer refresh about 4 s after its own 3 s refresh timeout to stop its bots
 * before anyone else may start them.
 */
export const SHARD_LOCK_EXPIRATION = "10 seconds"

/**
 * Runners re-read the runner list and recompute shard assignments this often:
 * a joining runner gets its share, and a departed runner's shards are taken,
 * within about one interval of the change being visible. One cheap SELECT.
 * A runner that stops gracefully leaves the list at once and frees its shards
 * as its bots stop; its successors try the locks when they see it gone and
 * then once a second (the engine's fixed retry), so every interval here is
 * added to the hand-over: measured at 10,000 bots, 1 s → 250 ms took the
 * SIGTERM hand-over from p50 4.1 / p99 5.8 s to 2.8 / 4.7 s (four SELECTs a
 * second per runner).
 */
export const REFRESH_ASSIGNMENTS = "250 millis"

/**
 * The runner-health check (ping, or pod readiness in Kubernetes) runs this
 * often. A crashed runner whose connection closed at once is declared dead
 * here well before its heartbeat expires (5 s + the ping's retries).
 */
export const RUNNER_HEALTH_CHECK = "5 seconds"

/**
 * Persisted cluster messages (the cluster-wide schedule's ticks) are read from
 * PostgreSQL this often, so a tick runs at most about this late. It also paces
 * the shard-acquisition loop when nothing else wakes it. One SELECT per second
 * per runner.
 */
export const MESSAGE_POLL = "1 second"

/** The engine's multi-line warnings: at most one per kind per this many ms. */
export const ENGINE_WARNING_INTERVAL_MS = 30_000
