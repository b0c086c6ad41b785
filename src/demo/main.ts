/**
 * `npm run demo`: botfleet running three demo shops, end to end, on one
 * machine with nothing else installed — an embedded PostgreSQL, the Telegram,
 * ZarinPal and Remnawave emulators, the whole service (AppLayer, as `npm start`
 * runs it), simulated customers buying plans by card-to-card and ZarinPal, and
 * simulated admins reviewing receipts; a live summary in the terminal with the
 * service's /metrics URL. Ctrl-C (or SIGTERM, or `--duration`) stops the
 * customers, then the admins, then the service (gracefully: bots drained), then
 * the emulators and the database, and exits 0.
 *
 * Two processes. This file starts itself again as a detached child (its own
 * session and process group) that does the work, and stays in front to pass
 * signals on. The reason is Ctrl-C: a terminal sends SIGINT to its whole
 * foreground process group, which would include the embedded PostgreSQL; it
 * would shut down at once, under the service's graceful stop. So only this
 * front process gets Ctrl-C; it asks the child to stop (SIGTERM) once — `npm
 * run` forwards the same Ctrl-C again, ignored — and a second Ctrl-C a moment
 * later forces it (SIGKILL). Either way it then makes sure no PostgreSQL is
 * left running in the demo's data directory. If this process dies, the child
 * sees its IPC channel close and stops by itself.
 */
import { spawn } from "node:child_process"
import { constants } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseOptions, USAGE, UsageError } from "./options.ts"
import type { DemoOptions } from "./options.ts"
import { reapPostgres } from "./postgres-process.ts"
import { makeStopRequest, stopOnSignals } from "./stop.ts"

// Only node: built-ins and small modules above: the front process must be
// listening for Ctrl-C at once. The demo itself (run.ts) loads in the worker.

const CHILD_ENV = "BOTFLEET_DEMO_WORKER"

// ---------------------------------------------------------------- the front process

const supervise = (options: DemoOptions, argv: ReadonlyArray<string>) => {
  process.stdout.on("error", () => undefined)
  process.stderr.on("error", () => undefined)
  const dataDir = path.resolve(options.dataDir)
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...argv], {
    detached: true,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, [CHILD_ENV]: "1" }
  })
  let firstSignalAt: number | undefined
  let forced = false
  // A stop asked for before the worker listens for it is passed on once it does.
  let workerListening = false
  child.on("message", (message) => {
    if (message !== "listening") return
    workerListening = true
    if (firstSignalAt !== undefined && !forced) child.kill("SIGTERM")
  })
  const onSignal = () => {
    const now = Date.now()
    if (firstSignalAt === undefined) {
      firstSignalAt = now
      if (workerListening) child.kill("SIGTERM")
    } else if (now - firstSignalAt > 1000 && !forced) {
      // Not the echo of the first Ctrl-C (npm forwards it again): a second one, so force.
      forced = true
      process.stderr.write("\nforcing the demo to stop\n")
      child.kill("SIGKILL")
    }
  }
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal)
  // The child has no controlling terminal, so it hears of a resized window from here.
  process.on("SIGWINCH", () => child.kill("SIGWINCH"))
  child.on("error", (error) => {
    process.stderr.write(`could not start the demo: ${error.message}\n`)
    process.exit(1)
  })
  child.on("exit", (code, signal) => {
    void reapPostgres(dataDir).finally(() => {
      if (process.stdout.isTTY) process.stdout.write("\x1b[?25h")
      process.exit(code ?? (signal === null ? 1 : 128 + constants.signals[signal]))
    })
  })
}

// ---------------------------------------------------------------- entry

const argv = process.argv.slice(2)
let options: DemoOptions
try {
  options = parseOptions(argv)
} catch (error) {
  if (!(error instanceof UsageError)) throw error
  process.stderr.write(`${error.message}\n\n${USAGE}`)
  process.exit(2)
}
if (options.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
if (process.env[CHILD_ENV] === "1") {
  const stop = makeStopRequest()
  stopOnSignals(stop)
  process.send?.("listening")
  const { runDemo } = await import("./run.ts")
  await runDemo(options, stop)
} else {
  supervise(options, argv)
}
