/**
 * The demo's one stop request: the first of a signal, the front process going
 * away, or the end of `--duration`. Set up before anything heavy is loaded, so
 * a Ctrl-C during start-up is not lost (the demo stops as soon as the step it
 * is in is done).
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

/** Stops on SIGINT, SIGTERM and SIGHUP, and when the IPC channel to the front process closes. */
export const stopOnSignals = (stop: StopRequest): void => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => stop.request(signal))
  if (process.channel) {
    // The channel must not keep this process alive by itself.
    process.channel.unref()
    process.once("disconnect", () => stop.request("the front process went away"))
  }
}
