/** The few series of the service's /metrics that the demo's summary shows. */
export interface ServiceMetrics {
  readonly updatesByBot: ReadonlyMap<number, number>
  readonly botsRunning: number | undefined
  readonly rssBytes: number | undefined
  readonly eventLoopLagP99Seconds: number | undefined
}

/** The few series the summary shows, read from the Prometheus text. */
export const parseMetrics = (text: string): ServiceMetrics => {
  const updatesByBot = new Map<number, number>()
  let botsRunning: number | undefined
  let rssBytes: number | undefined
  let eventLoopLagP99Seconds: number | undefined
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue
    const updates = /^botfleet_bot_updates_total\{bot_id="(\d+)"\} ([0-9.e+]+)$/.exec(line)
    if (updates) updatesByBot.set(Number(updates[1]), Number(updates[2]))
    else if (line.startsWith("botfleet_bots_running ")) botsRunning = Number(line.split(" ")[1])
    else if (line.startsWith("process_resident_memory_bytes ")) rssBytes = Number(line.split(" ")[1])
    else if (line.startsWith("nodejs_eventloop_lag_p99_seconds ")) eventLoopLagP99Seconds = Number(line.split(" ")[1])
  }
  return { updatesByBot, botsRunning, rssBytes, eventLoopLagP99Seconds }
}
