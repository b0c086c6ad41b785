/**
 * `npm start` that cannot start says why in one line on stderr — the cause and
 * the fix — and exits 1, with no stack trace (LOG_LEVEL=debug adds it): a taken
 * HTTP_PORT or RUNNER_PORT, a DATABASE_URL that can never work, a data
 * directory that cannot be written, an embedded PostgreSQL that fails (its last
 * log line), a full disk.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url))
// Every user may enter it, so that as root the embedded PostgreSQL's data stays here (nothing moves to /var/lib).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "botfleet-startup-"))
fs.chmodSync(tmp, 0o755)

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const start = (env: Record<string, string>): Promise<Run> => {
  const { DATABASE_URL: _unset, ...inherited } = process.env
  const child = spawn(process.execPath, [MAIN], {
    env: { ...inherited, HTTP_PORT: "0", RUNNER_PORT: "0", METRICS_PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (c) => (stdout += c))
  child.stderr.on("data", (c) => (stderr += c))
  const timer = setTimeout(() => child.kill("SIGKILL"), 45_000)
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  )
}

/** Exit 1 and stderr exactly one line, no stack frames: returns that line. */
const oneLine = (run: Run): string => {
  expect(run.code, run.stdout + run.stderr).toBe(1)
  const lines = run.stderr.split("\n").filter((l) => l.trim() !== "")
  expect(lines, run.stderr).toHaveLength(1)
  expect(run.stderr).not.toMatch(/^\s+at /m)
  return lines[0]!
}

let holder: net.Server
let takenPort: number
beforeAll(async () => {
  holder = net.createServer()
  await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r))
  takenPort = (holder.address() as net.AddressInfo).port
})
afterAll(async () => {
  await new Promise((r) => holder.close(r))
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe("npm start's one-line start-up failures", () => {
  it("HTTP_PORT in use: names the port and the setting", async () => {
    const line = oneLine(await start({ HTTP_PORT: String(takenPort), BOTFLEET_DATA_DIR: path.join(tmp, "http") }))
    expect(line).toBe(
      `botfleet: cannot start: HTTP_PORT ${takenPort} is already in use by another process: stop that process, or set HTTP_PORT to a free port`
    )
    // Checked before anything else starts: no embedded PostgreSQL was set up for nothing.
    expect(fs.existsSync(path.join(tmp, "http"))).toBe(false)
  })

  it("RUNNER_PORT in use: names the port and the setting", async () => {
    const line = oneLine(
      await start({ RUNNER_PORT: String(takenPort), RUNNER_HOST: "127.0.0.1", BOTFLEET_DATA_DIR: path.join(tmp, "r") })
    )
    expect(line).toMatch(
      new RegExp(
        `^botfleet: cannot start: RUNNER_PORT ${takenPort} on 127\\.0\\.0\\.1 is already in use .*set RUNNER_PORT`
      )
    )
  })

  it("DATABASE_URL that is not a URL: stops at once instead of retrying for ever; LOG_LEVEL=debug adds the stack", async () => {
    const line = oneLine(await start({ DATABASE_URL: "notaurl" }))
    expect(line).toBe(
      "botfleet: cannot start: DATABASE_URL is not a usable PostgreSQL URL (it is not a URL): set it to postgres://USER:PASSWORD@HOST:5432/DATABASE, or unset it to use the embedded PostgreSQL"
    )
    const debug = await start({ DATABASE_URL: "notaurl", LOG_LEVEL: "debug" })
    expect(debug.code).toBe(1)
    expect(debug.stderr.split("\n")[0]).toBe(line)
    expect(debug.stderr).toMatch(/^\s+at /m)
  })

  it("BOTFLEET_DATA_DIR that cannot be a directory", async () => {
    const file = path.join(tmp, "a-file")
    fs.writeFileSync(file, "")
    const line = oneLine(await start({ BOTFLEET_DATA_DIR: path.join(file, "data") }))
    expect(line).toMatch(
      /^botfleet: cannot start: BOTFLEET_DATA_DIR .*a-file\/data is not a writable directory \(ENOTDIR/
    )
    expect(line).toMatch(/point BOTFLEET_DATA_DIR at a directory this user can write, or set DATABASE_URL/)
  })

  it("embedded PostgreSQL that cannot start: its last log line, and where the log is", async () => {
    const dataDir = path.join(tmp, "broken")
    fs.mkdirSync(path.join(dataDir, "pg"), { recursive: true })
    fs.writeFileSync(path.join(dataDir, "pg", "PG_VERSION"), "9\n") // data of a server from long ago
    const line = oneLine(await start({ BOTFLEET_DATA_DIR: dataDir }))
    expect(line).toMatch(
      /^botfleet: cannot start: the embedded PostgreSQL exited at start \(code \d+\): ".+postgresql\.conf.+"/
    )
    expect(line).toContain(`(log: ${path.join(dataDir, "postgres.log")})`)
  })

  // Needs mount(2): root with CAP_SYS_ADMIN (this machine); skipped elsewhere.
  const full = path.join(tmp, "full")
  fs.mkdirSync(full)
  const canMount =
    process.getuid?.() === 0 &&
    spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", full], { stdio: "ignore" }).status === 0
  afterAll(() => {
    if (canMount) spawnSync("umount", [full])
  })
  it.skipIf(!canMount)("out of disk space in the data directory", async () => {
    fs.writeFileSync(path.join(full, "filler"), Buffer.alloc(1024 * 1024)) // half of it gone already
    const line = oneLine(await start({ BOTFLEET_DATA_DIR: path.join(full, "data") }))
    expect(line).toMatch(/^botfleet: cannot start: out of disk space .*No space left on device.*free some space/)
  })
})
