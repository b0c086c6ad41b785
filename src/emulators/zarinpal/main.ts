/**
 * Runs the ZarinPal emulator alone:
 *
 *   node src/emulators/zarinpal/main.ts --port 8091 [--host 127.0.0.1] [--merchant <uuid> ...]
 *
 * Prints the production and sandbox roots, stops on SIGINT/SIGTERM.
 */
import { closeOnSignals, listenFlags, parseFlags } from "../shared/cli.ts"
import { startZarinpalEmulator } from "./index.ts"

const argv = process.argv.slice(2)
const flags = parseFlags(argv)
const merchants = argv.flatMap((arg, i) => (arg === "--merchant" && argv[i + 1] !== undefined ? [argv[i + 1]!] : []))

const emulator = await startZarinpalEmulator({
  ...listenFlags(flags),
  ...(merchants.length > 0 ? { merchants } : {})
})

console.log(`ZarinPal emulator listening on ${emulator.url} (sandbox: ${emulator.sandboxUrl})`)
console.log(`ZARINPAL_API_ROOT=${emulator.url}`)
console.log(`ZARINPAL_SANDBOX_API_ROOT=${emulator.sandboxUrl}`)

closeOnSignals(emulator)
