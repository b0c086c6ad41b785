/**
 * `npm run demo` as a user runs it, in a child process: three shops whose
 * simulated customers buy plans by card-to-card and by ZarinPal, reviewed by
 * simulated admins, take free trials and buy after them, and whose regulars are
 * auto-renewed and reminded, then a clean stop — by `--duration`, and by Ctrl-C (SIGINT
 * to the process group, as a terminal sends it) — with exit code 0 and no
 * PostgreSQL (or demo process) left running.
 */
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { freePort } from "../../src/free-port.ts"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const dirs: Array<string> = []
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

/** Processes whose command line mentions the data directory (the demo's node processes, its postgres). */
const processesUsing = (dataDir: string): ReadonlyArray<string> => {
  // /proc where there is one (slim CI images may have no `ps`), else ps.
  const lines = fs.existsSync("/proc/self/cmdline")
    ? fs
        .readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .map((pid) => {
          try {
            return `${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ")}`
          } catch {
            return "" // gone meanwhile
          }
        })
    : execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" }).split("\n")
  return lines.filter((line) => line.includes(dataDir))
}

const startDemo = async (args: ReadonlyArray<string>) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "botfleet-demo-test-"))
  dirs.push(dataDir)
  const child = spawn(
    process.execPath,
    [
      "src/demo/main.ts",
      ...args,
      "--json",
      "--data-dir",
      dataDir,
      "--port",
      String(await Effect.runPromise(freePort()))
    ],
    // Its own process group, like a command started from a shell: Ctrl-C goes to the group.
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true }
  )
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk) => (stdout += chunk))
  child.stderr.on("data", (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { child, dataDir, exited, output: () => ({ stdout, stderr }) }
}

interface Report {
  ok: boolean
  stoppedBy: string
  urls: { metrics: string }
  tenants: Array<{
    language: string
    users: number
    purchases: { card_to_card: number; zarinpal: number; wallet: number }
    subscriptionsProvisioned: number
    trials: number
    trialsConverted: number
    autoRenewals: number
    reminders: number
    promoRedemptions: number
    referred: number
    broadcast: { state: string; total: number; sent: number } | null
    updatesHandled: number
  }>
}

const reportOf = (stdout: string): Report => JSON.parse(stdout) as Report

const expectNothingLeft = async (dataDir: string) => {
  // The demo has stopped everything before it exits; allow the kernel a moment.
  for (let i = 0; i < 20 && processesUsing(dataDir).length > 0; i++) await new Promise((r) => setTimeout(r, 100))
  expect(processesUsing(dataDir)).toEqual([])
  expect(fs.existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false)
}

describe.concurrent("npm run demo", () => {
  it("three shops sell plans both ways for 20 s, then everything stops cleanly", async () => {
    const demo = await startDemo(["--duration", "20"])
    const code = await demo.exited
    const { stdout, stderr } = demo.output()
    expect(code, stderr).toBe(0)
    const report = reportOf(stdout)
    expect(report.ok).toBe(true)
    expect(report.stoppedBy).toBe("--duration")
    expect(report.urls.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    expect(report.tenants.map((t) => t.language)).toEqual(["fa", "en", "ru"])
    for (const tenant of report.tenants) {
      expect(tenant.purchases.card_to_card, JSON.stringify(tenant)).toBeGreaterThanOrEqual(1)
      expect(tenant.purchases.zarinpal, JSON.stringify(tenant)).toBeGreaterThanOrEqual(1)
      expect(tenant.subscriptionsProvisioned).toBeGreaterThanOrEqual(2)
      expect(tenant.updatesHandled).toBeGreaterThan(0)
      // Each shop's regulars: one renewed from the wallet, one reminded that the month ends.
      expect(tenant.autoRenewals, JSON.stringify(tenant)).toBe(1)
      expect(tenant.reminders, JSON.stringify(tenant)).toBeGreaterThanOrEqual(1)
      expect(tenant.trials, JSON.stringify(tenant)).toBeGreaterThanOrEqual(1)
      // Each shop's broadcast to its subscribers (10 s in, 2 a second): under way or done.
      expect(tenant.broadcast?.sent, JSON.stringify(tenant)).toBeGreaterThanOrEqual(1)
    }
    // A trial customer came back and bought (each shop's third arrival takes the trial).
    expect(report.tenants.reduce((s, t) => s + t.trialsConverted, 0)).toBeGreaterThanOrEqual(1)
    // Growth: the shops' promo code typed (fourth arrivals), a friend invited through a link (fifth).
    expect(report.tenants.reduce((s, t) => s + t.promoRedemptions, 0)).toBeGreaterThanOrEqual(1)
    expect(report.tenants.reduce((s, t) => s + t.referred, 0)).toBeGreaterThanOrEqual(1)
    await expectNothingLeft(demo.dataDir)
  }, 90_000)

  it("Ctrl-C stops the customers, the service, the emulators and PostgreSQL, and exits 0", async () => {
    const demo = await startDemo([])
    // Running: its PostgreSQL is up; let the customers shop for a while.
    for (let i = 0; i < 300 && !processesUsing(demo.dataDir).some((l) => l.includes("postgres")); i++) {
      await new Promise((r) => setTimeout(r, 100))
    }
    await new Promise((r) => setTimeout(r, 6_000))
    process.kill(-demo.child.pid!, "SIGINT")
    const code = await demo.exited
    const { stdout, stderr } = demo.output()
    expect(code, stderr).toBe(0)
    const report = reportOf(stdout)
    expect(report.ok).toBe(true)
    expect(report.stoppedBy).toBe("SIGINT")
    await expectNothingLeft(demo.dataDir)
  }, 90_000)
})
