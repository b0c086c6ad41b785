/**
 * Runs the Remnawave panel emulator alone:
 *
 *   node src/emulators/remnawave/main.ts --port 8092 [--host 127.0.0.1] [--token T]
 *
 * Prints the URL and the API token, stops on SIGINT/SIGTERM.
 */
import { closeOnSignals, listenFlags, parseFlags } from "../shared/cli.ts"
import { startRemnawaveEmulator } from "./index.ts"

const flags = parseFlags(process.argv.slice(2))

const emulator = await startRemnawaveEmulator({
  ...listenFlags(flags),
  ...(flags.token !== undefined ? { token: flags.token } : {})
})

// The token is the emulator's own, made up for local use: printing it is the point.
console.log(`Remnawave emulator listening on ${emulator.url}`)
console.log(`REMNAWAVE_API_URL=${emulator.url}`)
console.log(`REMNAWAVE_API_TOKEN=${emulator.token}`)

closeOnSignals(emulator)
