/** Starts and stops supervisor child processes, keeping their output for assertions. */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"

export interface Child {
  readonly process: ChildProcess
  readonly output: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export const startSupervisorProcess = (env: Record<string, string>): Child => {
  const script = fileURLToPath(new URL("./supervisor-process.ts", import.meta.url))
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, LOG_LEVEL: "Info", LOG_FORMAT: "json", HTTP_PORT: "0", METRICS_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk) => (output += chunk))
  child.stderr?.on("data", (chunk) => (output += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  )
  return { process: child, output: () => output, exited }
}
