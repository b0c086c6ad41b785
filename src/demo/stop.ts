/**
 * The demo's one stop request: the first of a signal or the end of
 * `--duration`. Set up before anything heavy is loaded, so a Ctrl-C during
 * start-up is not lost (the demo stops as soon as the step it is in is done).
 */
export interface StopRequest {
  /** Why the demo is stopping; undefined while it is not. */
  readonly reason: () => string | undefined
  readonly requested: Promise<void>
  readonly request: (reason: string) => void
}

export const makeStopRequest = (): StopRequest => {
  let reason: string | undefined
  let wake = () => {}
  const requested = new Promise<void>((resolve) => (wake = resolve))
  return {
    reason: () => reason,
    requested,
    request: (why) => {
      if (reason !== undefined) return
      reason = why
      wake()
    }
  }
}

/**
 * Stops on SIGINT, SIGTERM and SIGHUP. `npm run` passes a terminal's Ctrl-C on
 * to this process, which also got it from the terminal: a signal within a
 * second of the first is that echo. One later is a second Ctrl-C: `force`.
 */
export const stopOnSignals = (stop: StopRequest, force: () => void): void => {
  let firstAt: number | undefined
  let forced = false
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      const now = Date.now()
      if (firstAt === undefined) {
        firstAt = now
        stop.request(signal)
      } else if (now - firstAt > 1000 && !forced) {
        forced = true
        force()
      }
    })
  }
}
