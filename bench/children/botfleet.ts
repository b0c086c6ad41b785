/**
 * botfleet as the system under test: the whole service exactly as `npm start`
 * wires it (src/app.ts), configured from the environment, with either the real
 * tenant application (BENCH_APP=tenant, the default) or an echo handler
 * (BENCH_APP=echo, for the pipeline comparison with bare grammY).
 *
 * Over IPC it also reports an event-loop delay histogram of its own over any
 * window the runner chooses (the product's gauge only keeps the last scrape's).
 */
import { Layer } from "effect"
import { Composer } from "grammy"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { AppLayer, launch } from "../../src/app.ts"
import type { BotContext } from "../../src/bot/context.ts"
import { AppConfig } from "../../src/config.ts"
import { serveRpc } from "../lib/ipc.ts"

const RESOLUTION_MS = 10

const appKind = process.env.BENCH_APP ?? "tenant"
let tenantApp: Composer<BotContext> | undefined
if (appKind === "echo") {
  tenantApp = new Composer<BotContext>()
  tenantApp.on("message:text", (ctx) => ctx.reply(ctx.message.text))
} else if (appKind !== "tenant") {
  throw new Error(`BENCH_APP must be tenant or echo, not ${appKind}`)
}

const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
histogram.enable()

// Node's histogram records whole timer intervals, so every sample includes the
// sampling interval itself; the lag is what exceeds it.
const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS)

serveRpc(
  {
    lagReset: () => {
      histogram.reset()
      return true
    },
    lagRead: () => ({
      samples: histogram.count,
      p50: ms(histogram.percentile(50)),
      p90: ms(histogram.percentile(90)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      mean: ms(histogram.mean)
    }),
    usage: () => ({ cpu: process.cpuUsage(), memory: process.memoryUsage() })
  },
  () => process.kill(process.pid, "SIGTERM")
)

launch(AppLayer({ tenantApp, runnerName: `bench-${process.pid}` }).pipe(Layer.provide(AppConfig.layer)))
