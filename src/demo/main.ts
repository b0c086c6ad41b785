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
 * Ctrl-C reaches this process only: the embedded PostgreSQL runs in a process
 * group of its own (as with `npm start`), so it is stopped last, by the demo.
 * `npm run` passes the same Ctrl-C on again, which the stop ignores; a second
 * Ctrl-C a moment later forces the demo to stop (PostgreSQL killed with it).
 */
import * as path from "node:path"
import { parseOptions, USAGE, UsageError } from "./options.ts"
import type { DemoOptions } from "./options.ts"
import { reapPostgres } from "./postgres-process.ts"
import { makeStopRequest, stopOnSignals } from "./stop.ts"

// Only node: built-ins and small modules above: the process must be listening
// for Ctrl-C at once. The demo itself (run.ts) loads after.

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
const stop = makeStopRequest()
stopOnSignals(stop, () => {
  process.stderr.write("\nforcing the demo to stop\n")
  void reapPostgres(path.resolve(options.dataDir)).finally(() => {
    if (process.stdout.isTTY) process.stdout.write("\x1b[?25h")
    process.exit(130)
  })
})
const { runDemo } = await import("./run.ts")
await runDemo(options, stop)
