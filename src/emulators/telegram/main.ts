// Standalone emulator: node src/emulators/telegram/main.ts [--port 8081] [--host 127.0.0.1]
//   [--rules '{"floodControl":false}']  (every fidelity rule is on unless switched off by name here)
//   [--tls h2|http1]  (HTTPS: HTTP/2 by ALPN besides HTTP/1.1, or HTTP/1.1 only; the CA file is printed)
import { parseArgs } from "node:util"
import { startTelegramEmulator } from "./index.ts"
import type { RulesInput } from "./index.ts"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    rules: { type: "string" },
    tls: { type: "string" }
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
if (values.tls !== undefined && values.tls !== "h2" && values.tls !== "http1") {
  console.error(`invalid --tls ${values.tls} (h2 or http1)`)
  process.exit(2)
}
const tls = values.tls
const emulator = await startTelegramEmulator({
  port,
  host: values.host,
  ...(rules === undefined ? {} : { rules }),
  ...(tls === undefined ? {} : { tls })
})
console.log(`telegram emulator listening on ${emulator.url}`)
if (emulator.caFile !== undefined) console.log(`its CA certificate (TELEGRAM_CA_FILE): ${emulator.caFile}`)

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  void emulator.close().then(() => process.exit(0))
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
