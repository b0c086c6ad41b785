/**
 * Issue 15, finding 5 and the CLI's misuse: a tenant name with control
 * characters (ESC, CR, LF) is refused, one stored before that rule is printed
 * with them replaced (it used to forge rows in `tenant list` and drive the
 * terminal), and every misuse is README's one line on stderr with exit 1 —
 * not the whole help on stdout.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { layerFromUrl } from "../../src/db/client.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

const bin = fileURLToPath(new URL("../../bin/botfleet.js", import.meta.url))
const TOKEN = "333333333:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
const HOSTILE = "Evil\u001b[2J\r\n     2  active    master  Forged"

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

const sql = (text: string, params: ReadonlyArray<unknown> = []) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const client = yield* SqlClient.SqlClient
      return yield* client.unsafe(text, params as Array<never>)
    }).pipe(Effect.provide(layerFromUrl(db.url, { maxConnections: 1 })))
  )

beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  await db?.drop()
})

describe("control characters in names", () => {
  it("tenant create refuses them with one line, and stores nothing", async () => {
    const result = await botfleet("tenant", "create", "--name", HOSTILE, "--token", TOKEN)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toContain("control characters")
    expect(await sql("SELECT id FROM bots")).toHaveLength(0)
  })

  it("a name stored before the rule is printed with them replaced: no forged row, no escape", async () => {
    await sql(
      `INSERT INTO bots (name, telegram_bot_token, telegram_bot_id, api_token_hash) VALUES ($1, $2, 333333333, repeat('a', 64))`,
      [HOSTILE, TOKEN]
    )
    for (const command of [["tenant", "list"], ["status"]]) {
      const result = await botfleet(...command)
      expect(result.code, command.join(" ")).toBe(0)
      expect(result.stdout.trim().split("\n"), command.join(" ")).toHaveLength(1)
      expect(result.stdout.trimEnd()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]|\r/)
    }
    const json = await botfleet("tenant", "list", "--json")
    expect(JSON.parse(json.stdout)[0].name).toBe(HOSTILE)
  })
})

describe("misuse", () => {
  for (const args of [
    ["tenant", "frobnicate"],
    ["frobnicate"],
    ["tenant", "create", "--name", "Shop"],
    ["tenant", "rotate-api-token", "abc"],
    ["tenant"]
  ]) {
    it(`botfleet ${args.join(" ")}: one line on stderr, nothing on stdout, exit 1`, async () => {
      const result = await botfleet(...args)
      expect(result.code).toBe(1)
      expect(result.stdout).toBe("")
      const lines = result.stderr.trim().split("\n")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^error \(usage\): .+; see `botfleet.* --help`$/)
    })
  }

  it("--help still prints the help on stdout", async () => {
    const result = await botfleet("tenant", "--help")
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("USAGE")
  })
})
