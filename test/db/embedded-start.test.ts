/**
 * `npm start` without DATABASE_URL: the service starts its own PostgreSQL, and a
 * Ctrl-C in the terminal (SIGINT to the whole foreground process group) stops
 * it cleanly — the server is in a process group of its own, so it stays up
 * while botfleet drains and releases its cluster locks, and botfleet stops it
 * last. Before that, PostgreSQL went down first and every final write failed.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, expect, it } from "vitest"
import { freePort, waitFor } from "../cluster/support/cluster.ts"

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url))
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "botfleet-npm-start-"))
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }))

/** Whether the process exists: only ESRCH says it is gone (EPERM means it exists but is not ours). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH"
  }
}

it("starts its own PostgreSQL, and a terminal's Ctrl-C stops everything cleanly with exit 0", async () => {
  const httpPort = await freePort()
  const { DATABASE_URL: _unset, ...env } = process.env
  // detached: a process group of its own, like a shell's foreground job
  const child = spawn(process.execPath, [MAIN], {
    env: { ...env, BOTFLEET_DATA_DIR: dataDir, HTTP_PORT: String(httpPort), RUNNER_PORT: "0", LOG_FORMAT: "json" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true
  })
  let output = ""
  child.stdout.on("data", (c) => (output += c))
  child.stderr.on("data", (c) => (output += c))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  try {
    await waitFor(
      "ready",
      async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined))?.status === 200,
      60_000,
      200
    )
    const postmaster = Number(fs.readFileSync(path.join(dataDir, "pg", "postmaster.pid"), "utf8").split("\n")[0])
    expect(alive(postmaster)).toBe(true)

    process.kill(-child.pid!, "SIGINT")
    expect(await exited).toBe(0)
    expect(output).toContain("embedded PostgreSQL stopped")
    expect(output).not.toMatch(/listener lost|Could not release shards|Failed to connect/)
    expect(alive(postmaster)).toBe(false)
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL")
  }
}, 90_000)
