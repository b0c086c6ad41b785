// Standalone emulator: node src/emulators/telegram/main.ts [--port 8081] [--host 127.0.0.1]
//   [--rules '{"floodControl":false}']  (every fidelity rule is on unless switched off by name here)
import { parseArgs } from "node:util"
import { startTelegramEmulator } from "./index.ts"
import type { RulesInput } from "./index.ts"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    rules: { type: "string" }
  }
})
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${values.port}`)
  process.exit(2)
}

let rules: RulesInput | undefined
try {
  rules = values.rules === undefined ? undefined : (JSON.parse(values.rules) as RulesInput)
} catch {
  console.error(`invalid --rules (JSON expected): ${values.rules}`)
  process.exit(2)
}
const emulator = await startTelegramEmulator(
  rules === undefined ? { port, host: values.host } : { port, host: values.host, rules }
)
console.log(`telegram emulator listening on ${emulator.url}`)

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  void emulator.close().then(() => process.exit(0))
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
