/** DATABASE_URL values that can never work are told apart from servers that are only down. */
import { describe, expect, it } from "vitest"
import { databaseUrlProblem } from "../../src/db/database-url.ts"
import { lastLogLine } from "../../src/db/embedded-postgres-errors.ts"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

describe("databaseUrlProblem", () => {
  it("accepts what the driver accepts, a server that may be down included", () => {
    for (const url of [
      "postgres://u:p@db.internal:5432/botfleet",
      "postgresql://u@10.0.0.5/botfleet?sslmode=require&connect_timeout=10",
      "postgres://u:p%40ss@[::1]:6432/x",
      "postgres://u:p@127.0.0.1:1/nothing-listens-here"
    ]) {
      expect(databaseUrlProblem(url), url).toBeUndefined()
    }
  })

  it("names what can never work, without repeating the URL (it may hold a password)", () => {
    expect(databaseUrlProblem("notaurl")).toBe("it is not a URL")
    expect(databaseUrlProblem("")).toBe("it is empty")
    expect(databaseUrlProblem("mysql://u:secret@h/db")).toBe('its scheme is "mysql:", not "postgres:" or "postgresql:"')
    expect(databaseUrlProblem("postgres://u:secret@h/db?port=99999")).toBe(
      'its port "99999" is not a number from 1 to 65535'
    )
    expect(databaseUrlProblem("postgres://u:secret@h/db?sslmode=maybe")).toMatch(/^its sslmode "maybe" is not one of/)
    expect(databaseUrlProblem("postgres://u:%E0%A4%A@h/db")).toBe("its password has a broken %-escape")
    // Passwords with URL characters, not %-encoded: the usual hand-written mistakes.
    expect(databaseUrlProblem("postgres://u:p@ss#w@h/db")).toBe(
      'it contains "#" (in a user name or password, write it as %23)'
    )
    expect(databaseUrlProblem("postgres://u:p:ss@h:99999/db")).toMatch(/^it does not parse as a URL: check the port/)
  })
})

describe("lastLogLine", () => {
  it("picks the line that says why: a full disk first, then the last problem, without timestamps", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "botfleet-log-")), "postgres.log")
    fs.writeFileSync(
      file,
      [
        "creating configuration files ... ok",
        'running bootstrap script ... 2026-12-03 22:11:19.598 UTC [23812] FATAL:  could not write to file "pg_wal/x": No space left on device',
        "child process exited with exit code 1",
        'initdb: removing contents of data directory "/d/pg"'
      ].join("\n")
    )
    expect(lastLogLine(file)).toBe('FATAL: could not write to file "pg_wal/x": No space left on device')
    fs.writeFileSync(
      file,
      '2026-12-03 22:00:00.000 UTC [1] FATAL:  lock file "postmaster.pid" already exists\n2026-12-03 22:00:00.001 UTC [1] LOG:  database system is shut down\n'
    )
    expect(lastLogLine(file)).toBe('FATAL: lock file "postmaster.pid" already exists')
    expect(lastLogLine(path.join(file, "missing"))).toBeUndefined()
    fs.rmSync(path.dirname(file), { recursive: true })
  })
})
