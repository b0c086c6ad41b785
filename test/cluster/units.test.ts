/** The small pure parts of the cluster and worker code. */
import { Cause, Effect, Layer, Logger } from "effect"
import { describe, expect, it } from "vitest"
import { rateLimitedEngineLogs } from "../../src/supervisor/cluster/engine-logs.ts"
import { cronForInterval } from "../../src/jobs/cluster-schedule.ts"
import { mergeMetrics, withLabel } from "../../src/supervisor/workers/prometheus-merge.ts"

describe("worker metrics merge", () => {
  it("labels every sample with its worker", () => {
    expect(withLabel("up 1", "worker", "0")).toBe('up{worker="0"} 1')
    expect(withLabel('bot_up{bot_id="7"} 1', "worker", "1")).toBe('bot_up{worker="1",bot_id="7"} 1')
    expect(withLabel('h_bucket{le="+Inf"} 3 1700000000', "worker", "2")).toBe(
      'h_bucket{worker="2",le="+Inf"} 3 1700000000'
    )
  })

  it("writes each family's HELP and TYPE once, with all workers' samples together", () => {
    const text = (n: number) =>
      [
        "# HELP botfleet_bots_running Bot runners running in this process",
        "# TYPE botfleet_bots_running gauge",
        `botfleet_bots_running ${n}`,
        "# HELP d Time",
        "# TYPE d histogram",
        `d_bucket{le="1"} ${n}`,
        `d_bucket{le="+Inf"} ${n}`,
        `d_sum ${n}`,
        `d_count ${n}`,
        ""
      ].join("\n")
    const merged = mergeMetrics([
      { worker: "0", text: text(3) },
      { worker: "1", text: text(4) }
    ])
    expect(merged).toBe(
      [
        "# HELP botfleet_bots_running Bot runners running in this process",
        "# TYPE botfleet_bots_running gauge",
        'botfleet_bots_running{worker="0"} 3',
        'botfleet_bots_running{worker="1"} 4',
        "# HELP d Time",
        "# TYPE d histogram",
        'd_bucket{worker="0",le="1"} 3',
        'd_bucket{worker="0",le="+Inf"} 3',
        'd_sum{worker="0"} 3',
        'd_count{worker="0"} 3',
        'd_bucket{worker="1",le="1"} 4',
        'd_bucket{worker="1",le="+Inf"} 4',
        'd_sum{worker="1"} 4',
        'd_count{worker="1"} 4',
        ""
      ].join("\n")
    )
  })
})

describe("cluster schedule intervals", () => {
  it("turns intervals that divide a minute, an hour or a day into UTC-aligned cron expressions", () => {
    expect(cronForInterval("1 second")).toBe("*/1 * * * * *")
    expect(cronForInterval("15 seconds")).toBe("*/15 * * * * *")
    expect(cronForInterval("5 minutes")).toBe("0 */5 * * * *")
    expect(cronForInterval("6 hours")).toBe("0 0 */6 * * *")
    expect(cronForInterval("1 day")).toBe("0 0 */24 * * *")
  })

  it("refuses intervals that would drift against the clock", () => {
    expect(() => cronForInterval("7 seconds")).toThrow(/cron expression/)
    expect(() => cronForInterval("90 seconds")).toThrow(/cron expression/)
    expect(() => cronForInterval("1500 millis")).toThrow(/cron expression/)
  })
})

describe("engine log rate limit", () => {
  it("logs each kind of engine warning once per interval, on one line, counting what it held back", async () => {
    const lines: Array<string> = []
    const capture = Logger.make((o) => {
      const message = Array.isArray(o.message) ? o.message.join(" ") : String(o.message)
      lines.push(`${o.logLevel} ${message}${o.cause.reasons.length > 0 ? " +cause" : ""}`)
    })
    const warn = (text: string) =>
      Effect.logWarning(text, Cause.fail(new Error(`${text} failed\n    at stack line 1\n    at stack line 2`)))
    const program = Effect.gen(function* () {
      for (let i = 0; i < 5; i++) yield* warn("Could not acquire/release shards")
      yield* warn("Shard lock storage is unhealthy")
      yield* Effect.logInfo("Listening on: 127.0.0.1:1")
    })
    await Effect.runPromise(
      program.pipe(Effect.provide(rateLimitedEngineLogs(60_000).pipe(Layer.provide(Logger.layer([capture])))))
    )
    expect(lines).toEqual([
      "Warn Could not acquire/release shards (Error: Could not acquire/release shards failed)",
      "Warn Shard lock storage is unhealthy (Error: Shard lock storage is unhealthy failed)",
      "Info Listening on: 127.0.0.1:1"
    ])
  })
})
