/**
 * This process's name in the fleet (host:pid unless the caller names it):
 * recorded in bot_runtime_status.runner (which process runs a bot) and as the
 * claimant of job notices.
 */
import { Context } from "effect"

export interface RunnerIdentity {
  /** Recorded in bot_runtime_status.runner: which process runs the bot. */
  readonly name: string
}
export class RunnerName extends Context.Service<RunnerName, RunnerIdentity>()("botfleet/supervisor/RunnerName") {}
