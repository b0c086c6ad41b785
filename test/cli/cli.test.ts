/**
 * The operator CLI as an operator runs it: `botfleet …` in a child process,
 * against a database of its own. Success paths print what the docs say; bad
 * input prints one line on stderr, exits 1 and writes nothing.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { layerFromUrl } from "../../src/db/client.ts"

const bin = fileURLToPath(new URL("../../bin/botfleet.js", import.meta.url))
const TOKEN_A = "111111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
const TOKEN_B = "222222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

let db: TestDatabase

const botfleet = async (...args: Array<string>) => {
  try {
    const { stderr, stdout } = await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: "warn" }
    })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const error = e as { code: number; stdout: string; stderr: string }
    return { code: error.code, stdout: error.stdout, stderr: error.stderr }
  }
}

const count = (table: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)}`
      return rows[0]!.n
    }).pipe(Effect.provide(layerFromUrl(db.url, { maxConnections: 1 })))
  )

beforeAll(async () => {
  db = await createTestDatabase({ empty: true })
})
afterAll(async () => {
  await db?.drop()
})

describe("botfleet CLI", () => {
  it("migrate applies every migration once, then reports the schema up to date", async () => {
    const first = await botfleet("migrate", "--json")
    expect(first.code).toBe(0)
    const applied = JSON.parse(first.stdout).applied as Array<string>
    expect(applied[0]).toBe("001_tenant_schema.sql")
    expect((await botfleet("migrate")).stdout).toContain("schema is up to date")
  })

  it("tenant create prints the id and a one-time API token (--json), and refuses bad input cleanly", async () => {
    const created = await botfleet("tenant", "create", "--name", "Shop A", "--token", TOKEN_A, "--json")
    expect(created.code).toBe(0)
    const { apiToken, id } = JSON.parse(created.stdout)
    expect(id).toBeTypeOf("number")
    expect(apiToken).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const duplicate = await botfleet("tenant", "create", "--name", "Again", "--token", TOKEN_A)
    expect(duplicate.code).toBe(1)
    expect(
      duplicate.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("error"))
    ).toEqual(["error (duplicate_telegram_token): another bot already uses this Telegram token"])
    const malformed = await botfleet("tenant", "create", "--name", "Bad", "--token", "not-a-token")
    expect(malformed.code).toBe(1)
    expect(malformed.stderr).toContain("error (invalid_telegram_token)")
    expect(await count("bots")).toBe(1)
  })

  it("lists, rotates, deactivates, activates and deletes; unknown ids are one-line errors", async () => {
    const created = JSON.parse(
      (await botfleet("tenant", "create", "--name", "Shop B", "--token", TOKEN_B, "--json")).stdout
    )
    const list = JSON.parse((await botfleet("tenant", "list", "--json")).stdout) as Array<{ id: number; name: string }>
    expect(list.map((b) => b.name)).toEqual(["Shop A", "Shop B"])
    expect(JSON.stringify(list)).not.toContain(TOKEN_B.split(":")[1])

    const rotated = JSON.parse((await botfleet("tenant", "rotate-api-token", String(created.id), "--json")).stdout)
    expect(rotated.apiToken).not.toBe(created.apiToken)

    expect(JSON.parse((await botfleet("tenant", "deactivate", String(created.id), "--json")).stdout).isActive).toBe(
      false
    )
    expect((await botfleet("tenant", "activate", String(created.id))).stdout).toContain("is active")
    const status = JSON.parse((await botfleet("status", "--json")).stdout) as Array<{ id: number; state: string }>
    expect(status.find((s) => s.id === created.id)?.state).toBe("pending")

    expect((await botfleet("tenant", "delete", String(created.id))).code).toBe(0)
    const missing = await botfleet("tenant", "deactivate", "9999")
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("error (bot_not_found): bot 9999 does not exist")
    expect(await count("bots")).toBe(1)
  })
}, 60_000)
