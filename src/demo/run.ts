/**
 * The demo itself (in the worker process started by main.ts): PostgreSQL, the
 * emulators, the service, the shops, the simulated customers and admins, the
 * live summary; then, when asked to stop, everything in reverse order.
 */
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { MetricsAddress } from "../api/server.ts"
import { AppLayer } from "../app.ts"
import { AppConfig } from "../config.ts"
import { freePort } from "../free-port.ts"
import { startRemnawaveEmulator } from "../emulators/remnawave/index.ts"
import { startTelegramEmulator } from "../emulators/telegram/index.ts"
import { startZarinpalEmulator } from "../emulators/zarinpal/index.ts"
import { startAdmins } from "./admins.ts"
import { startDemoDatabase } from "./database.ts"
import { redirectConsoleTo } from "./log-file.ts"
import type { DemoOptions } from "./options.ts"
import { checkNoOtherDemo } from "./postgres-process.ts"
import { drawSummary, startRedraw } from "./progress.ts"
import { takeSnapshot } from "./snapshot.ts"
import type { Snapshot } from "./snapshot.ts"
import { startShoppers } from "./shoppers.ts"
import { makeSimStats } from "./stats.ts"
import type { SimStats } from "./stats.ts"
import type { StopRequest } from "./stop.ts"
import { startDemoBroadcasts } from "./broadcasts.ts"
import { seedRegulars } from "./regulars.ts"
import { seedTenants } from "./tenants.ts"
import type { DemoTenant } from "./tenants.ts"

/** Customers in the middle of a purchase get this long to finish when the demo stops. */
const DRAIN_MS = 2000
/** Past this, a stop that hangs is cut short (exit 1). */
const SHUTDOWN_DEADLINE_MS = 60_000

type Run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Promise<A>

class StoppedDuringStartup extends Error {}

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer()
    server.once("error", () => resolve(false))
    server.listen(port, () => server.close(() => resolve(true)))
  })

/** --port, else 8080 when it is free, else any free port. */
const choosePort = async (requested: number | undefined) =>
  requested ?? ((await canListen(8080)) ? 8080 : await Effect.runPromise(freePort("0.0.0.0")))

/** A path as the user would type it: relative inside the working directory, else absolute. */
const shown = (file: string) => {
  const relative = path.relative(process.cwd(), file)
  return relative === "" ? "." : relative.startsWith("..") || path.isAbsolute(relative) ? file : relative
}

/** One line for a failure: its message, else its cause's (Effect's errors often carry the reason as `cause`). */
const describeError = (error: unknown): string => {
  const parts: Array<string> = []
  for (
    let e: unknown = error;
    e !== undefined && e !== null && parts.length < 3;
    e = (e as { cause?: unknown }).cause
  ) {
    const text =
      e instanceof Error || (typeof e === "object" && "message" in e)
        ? String((e as { message: unknown }).message)
        : String(e)
    if (text !== "" && !parts.includes(text)) parts.push(text)
    if (typeof e !== "object") break
  }
  return parts.join(": ") || "unknown error"
}

const withTimeout = <A>(promise: Promise<A>, ms: number, what: string): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)
    promise.then(
      (a) => {
        clearTimeout(timer)
        resolve(a)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      }
    )
  })

const report = (input: {
  readonly tenants: ReadonlyArray<DemoTenant>
  readonly snapshot: Snapshot | undefined
  readonly sim: SimStats | undefined
  readonly simulatedSeconds: number
  readonly stoppedBy: string | undefined
  readonly urls: Record<string, string>
}) => ({
  simulatedSeconds: Math.round(input.simulatedSeconds * 10) / 10,
  stoppedBy: input.stoppedBy ?? null,
  urls: input.urls,
  tenants: input.tenants.map((t) => {
    const counts = input.snapshot?.tenants.find((c) => c.botId === t.botId)
    return {
      name: t.spec.name,
      username: t.username,
      language: t.spec.language,
      cardRotation: t.spec.strategy,
      zarinpalSandbox: t.spec.sandbox,
      botId: t.botId,
      ...counts,
      updatesHandled: input.snapshot?.metrics?.updatesByBot.get(t.botId) ?? null,
      simulated: input.sim?.tenants[t.index] ?? null
    }
  }),
  lastStuck: input.sim?.lastFailure ?? null
})

export const runDemo = async (options: DemoOptions, stop: StopRequest) => {
  const dataDir = path.resolve(options.dataDir)
  fs.mkdirSync(dataDir, { recursive: true })
  try {
    checkNoOtherDemo(dataDir) // before its log file is opened (and truncated)
  } catch (error) {
    process.stderr.write(`botfleet demo: ${(error as Error).message}\n`)
    process.exit(1)
  }
  const log = redirectConsoleTo(path.join(dataDir, "service.log"))
  const tty = !options.json && process.stdout.isTTY === true
  const say = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`)
  }
  process.on("unhandledRejection", (reason) => console.error("unhandled rejection:", reason))
  // A closed terminal or pipe must not crash the stop half-way (EIO, EPIPE): the output is just lost.
  process.stdout.on("error", () => undefined)
  process.stderr.on("error", () => undefined)

  const checkStop = () => {
    if (stop.reason() !== undefined) throw new StoppedDuringStartup()
  }

  /** What to stop, in the order it was started (stopped in reverse). */
  const started: Array<readonly [string, () => Promise<unknown>]> = []
  let failed = false
  let tenants: ReadonlyArray<DemoTenant> = []
  let sim: SimStats | undefined
  let final: Snapshot | undefined
  let simulatedSeconds = 0
  const urls: Record<string, string> = {}

  try {
    say(`botfleet demo: starting the embedded PostgreSQL in ${shown(dataDir)} …`)
    const db = await startDemoDatabase(dataDir)
    started.push(["the embedded PostgreSQL", db.stop])
    checkStop()

    say("botfleet demo: starting the Telegram, ZarinPal and Remnawave emulators …")
    const telegram = await startTelegramEmulator()
    started.push(["the Telegram emulator", () => telegram.close()])
    const zarinpal = await startZarinpalEmulator()
    started.push(["the ZarinPal emulator", () => zarinpal.close()])
    const panel = await startRemnawaveEmulator({ port: 0 })
    started.push(["the Remnawave emulator", () => panel.close()])
    checkStop()

    const port = await choosePort(options.port)
    const httpUrl = `http://127.0.0.1:${port}`
    Object.assign(urls, {
      telegram: telegram.url,
      zarinpal: zarinpal.url,
      remnawave: panel.url,
      database: db.url
    })
    say(`botfleet demo: starting botfleet on ${httpUrl} …`)
    const runtime = ManagedRuntime.make(
      AppLayer({ runnerName: "demo" }).pipe(
        Layer.provideMerge(
          AppConfig.layerWith({
            databaseUrl: Option.some(Redacted.make(db.url)),
            telegramApiRoot: telegram.url,
            httpPort: port,
            // /metrics on a free port of its own (read back below), never the public one.
            metricsPort: 0,
            // ZarinPal sends the customer's browser back here after paying.
            publicUrl: httpUrl,
            zarinpalApiRoot: zarinpal.url,
            zarinpalSandboxApiRoot: zarinpal.sandboxUrl,
            remnawaveApiUrl: Option.some(panel.url),
            remnawaveApiToken: Option.some(Redacted.make(panel.token)),
            // The demo's own shops only: no master bot, whatever the environment says.
            masterBotToken: Option.none(),
            masterAdminIds: [],
            workerProcesses: 1,
            workerIndex: Option.none(),
            botBuckets: 64,
            outboxSweepSeconds: 1,
            // The lifecycle jobs every few seconds, so the regulars' renewal and reminder show at once.
            subscriptionExpiryIntervalSeconds: 5,
            autoRenewalIntervalSeconds: 5,
            shutdownGraceSeconds: 10,
            logLevel: "Info",
            logFormat: "pretty"
          })
        )
      )
    )
    started.push(["botfleet (draining the bots)", () => runtime.dispose()])
    const run: Run = (effect) => runtime.runPromise(effect as Effect.Effect<never, never, never>)
    await run(Effect.void) // builds the service: migrations, the cluster runner, HTTP
    urls.metrics = `http://127.0.0.1:${(await runtime.runPromise(MetricsAddress)).port}/metrics`
    checkStop()

    say("botfleet demo: creating three shops …")
    tenants = await seedTenants(run, telegram)
    await seedRegulars(run, telegram, tenants)
    checkStop()
    urls.restApi = `${httpUrl}/api/v1/bots/${tenants[1]!.botId}/payments`

    const stats = makeSimStats(tenants.length)
    sim = stats
    const admins = startAdmins({ telegram, tenants, stats })
    const shoppers = startShoppers({
      telegram,
      zarinpal,
      subscriptionPrefix: `${panel.url}/api/sub/`,
      tenants,
      stats,
      rate: options.rate
    })
    // The shops' broadcasts to their subscribers, a few seconds in (broadcasts.ts).
    const broadcasts = startDemoBroadcasts(run, tenants, 10_000)
    const simStartedAt = Date.now()
    let simEndedAt: number | undefined

    let latest: Snapshot | undefined
    let previous: Snapshot | undefined
    let refreshing = false
    const refresh = async () => {
      if (refreshing) return
      refreshing = true
      try {
        const snapshot = await takeSnapshot(run, urls.metrics!, tenants, broadcasts.summaries)
        previous = latest
        latest = snapshot
      } catch (error) {
        console.error("demo: could not read the progress:", error)
      } finally {
        refreshing = false
      }
    }
    const refresher = setInterval(() => void refresh(), 1000)
    let state =
      options.duration !== undefined ? `running for ${options.duration} s (Ctrl-C stops)` : "running (Ctrl-C stops)"
    const redraw = options.json
      ? undefined
      : startRedraw({
          tty,
          draw: () =>
            drawSummary({
              title: "botfleet demo",
              header: {
                lines: [
                  ["metrics", `${urls.metrics}   (also /healthz, /readyz)`],
                  ["REST API", `curl -H 'Authorization: Bearer ${tenants[1]!.apiToken}' ${urls.restApi}`],
                  ["telegram", `${telegram.url}   Bot API emulator (control API under /control)`],
                  ["zarinpal", `${zarinpal.url}   (sandbox ${zarinpal.sandboxUrl})`],
                  ["remnawave", `${panel.url}`],
                  ["postgres", `${db.url}`],
                  ["service log", shown(log.path)]
                ]
              },
              snapshot: latest,
              previous,
              sim: stats,
              tenants,
              startedAt: simStartedAt,
              endedAt: simEndedAt,
              state,
              logProblems: log.problems(),
              width: tty ? (process.stdout.columns ?? 160) : 240
            })
        })
    const timer =
      options.duration !== undefined ? setTimeout(() => stop.request("--duration"), options.duration * 1000) : undefined

    await stop.requested
    clearTimeout(timer)
    simEndedAt = Date.now()
    simulatedSeconds = (simEndedAt - simStartedAt) / 1000
    state = `stopping (${stop.reason()}): customers finishing …`
    redraw?.paint()
    await shoppers.stop(DRAIN_MS)
    await admins.stop()
    broadcasts.stop()
    clearInterval(refresher)
    while (refreshing) await new Promise((r) => setTimeout(r, 20))
    await refresh()
    final = latest
    state = `stopped the simulation (${stop.reason()}); stopping the service …`
    redraw?.paint()
    redraw?.stop()
  } catch (error) {
    if (!(error instanceof StoppedDuringStartup)) {
      failed = true
      process.stderr.write(`botfleet demo: could not start: ${describeError(error)} (details in ${shown(log.path)})\n`)
      console.error("demo failed:", error)
    }
  }

  // Stop everything in reverse order: the service (its bots still reach the
  // Telegram emulator while they drain), the emulators, then the database.
  const deadline = setTimeout(() => {
    process.stderr.write("botfleet demo: stopping took too long; giving up\n")
    process.exit(1)
  }, SHUTDOWN_DEADLINE_MS)
  deadline.unref()
  const stopStartedAt = Date.now()
  for (const [name, stop] of started.reverse()) {
    say(`botfleet demo: stopping ${name} …`)
    try {
      await withTimeout(stop(), 30_000, `stopping ${name}`)
    } catch (error) {
      failed = true
      process.stderr.write(`botfleet demo: ${error instanceof Error ? error.message : String(error)}\n`)
    }
  }
  const stopSeconds = (Date.now() - stopStartedAt) / 1000
  say(
    `botfleet demo: ${failed ? "stopped, with errors" : "stopped cleanly"} in ${stopSeconds.toFixed(1)} s (log: ${shown(log.path)})`
  )
  const problems = log.problems()
  await log.close()
  const json = options.json
    ? `${JSON.stringify(
        {
          ok: !failed,
          ...report({ tenants, snapshot: final, sim, simulatedSeconds, stoppedBy: stop.reason(), urls }),
          shutdownSeconds: Math.round(stopSeconds * 10) / 10,
          logWarningsAndErrors: problems.count
        },
        null,
        2
      )}\n`
    : ""
  // Exit once the report is out (stdout may be an asynchronous pipe).
  process.stdout.write(json, () => process.exit(failed ? 1 : 0))
}
