/**
 * The layout's import rules (README "Architecture", DESIGN.md §2), checked on
 * the import statements of every `src/**\/*.ts` file:
 *
 * 1. `src/bot/` is the chat UI: nothing under `src/` imports it except
 *    `app.ts` (which wires the composers) and the supervisor's runner, which
 *    may name the update context's type (`import type … from "../bot/context.ts"`)
 *    to hold the composers it runs.
 * 2. `vpn/` and `telegram/` are clients: they import only `config.ts`,
 *    `metrics/`, `db/` and their own files (`vpn/` also `provider-errors.ts`,
 *    the HTTP-provider error shapes it shares with the ZarinPal client).
 * 3. The domain (`payments/`, `fleet/`, `tenants/`, `messages/`, `vpn/`,
 *    `telegram/`, and `shop/` when it exists) never imports `bot/`, `api/`,
 *    `jobs/`, `outbox/`, `supervisor/` or `ingest/`.
 * 4. No cycle between folders (a file directly under `src/` counts as a
 *    folder of its own), type-only imports included.
 *
 * The rules are checked twice: on the real tree (no violation allowed), and on
 * made-up imports that break each rule once (each must be reported), so a
 * broken checker cannot pass silently.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const SRC = path.join(import.meta.dirname, "../../src")

interface Import {
  /** Importing file, relative to src/ with forward slashes ("bot/app.ts"). */
  readonly from: string
  /** Imported file, relative to src/ ("tenants/users.ts"). */
  readonly to: string
  /** `import type` / `export type`: erased at run time, still an arrow between folders. */
  readonly typeOnly: boolean
}

const listFiles = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name)
    return e.isDirectory() ? listFiles(full) : e.name.endsWith(".ts") ? [full] : []
  })

// `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`; comments stripped first.
const STATEMENT =
  /(?:^|[;\n])\s*(import|export)\s+(type\s+)?(?:[^;"'=()]*?\s+from\s+)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g

const stripComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'])\/\/.*$/gm, "$1")

const toPosix = (p: string) => p.split(path.sep).join("/")

const readImports = (srcDir: string): ReadonlyArray<Import> =>
  listFiles(srcDir).flatMap((file) => {
    const code = stripComments(fs.readFileSync(file, "utf8"))
    const found: Array<Import> = []
    for (const m of code.matchAll(STATEMENT)) {
      const specifier = m[3] ?? m[4]
      if (specifier === undefined || !specifier.startsWith(".")) continue
      const target = path.resolve(path.dirname(file), specifier)
      found.push({
        from: toPosix(path.relative(srcDir, file)),
        to: toPosix(path.relative(srcDir, target)),
        typeOnly: m[2] !== undefined
      })
    }
    return found
  })

/** "bot/shop/buy.ts" → "bot"; "app.ts" → "app.ts". */
const folderOf = (file: string) => file.split("/")[0]!

const DOMAIN = new Set(["shop", "payments", "fleet", "tenants", "messages", "vpn", "telegram"])
const ABOVE_THE_DOMAIN = new Set(["bot", "api", "jobs", "outbox", "supervisor", "ingest"])
const CLIENT_IMPORTS: Record<string, ReadonlySet<string>> = {
  vpn: new Set(["vpn", "config.ts", "metrics", "db", "provider-errors.ts"]),
  telegram: new Set(["telegram", "config.ts", "metrics", "db"])
}

const violations = (imports: ReadonlyArray<Import>): Array<string> => {
  const found: Array<string> = []
  const say = (i: Import, rule: string) =>
    found.push(`${i.from} imports ${i.to}${i.typeOnly ? " (type only)" : ""}: ${rule}`)
  for (const i of imports) {
    const from = folderOf(i.from)
    const to = folderOf(i.to)
    if (from === to) continue
    if (to === "bot") {
      const runnerContext = from === "supervisor" && i.to === "bot/context.ts" && i.typeOnly
      if (from !== "app.ts" && !runnerContext) {
        say(i, "only app.ts imports the chat UI (src/bot/); the runner may only name its context type")
      }
    }
    const allowed = CLIENT_IMPORTS[from]
    if (allowed !== undefined && !allowed.has(to)) {
      say(i, `${from}/ is a client: it imports only ${[...allowed].filter((f) => f !== from).join(", ")}`)
    }
    if (DOMAIN.has(from) && ABOVE_THE_DOMAIN.has(to)) {
      say(i, `the domain (${from}/) never imports ${to}/`)
    }
  }
  // Cycles between folders: strongly connected components of the folder graph (Tarjan).
  const edges = new Map<string, Map<string, Import>>()
  for (const i of imports) {
    const a = folderOf(i.from)
    const b = folderOf(i.to)
    if (a === b) continue
    if (!edges.has(a)) edges.set(a, new Map())
    if (!edges.get(a)!.has(b)) edges.get(a)!.set(b, i)
  }
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  let next = 0
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next)
    next++
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: Array<string> = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1) {
        const members = new Set(component)
        const arrows = component.flatMap((a) =>
          [...(edges.get(a) ?? [])]
            .filter(([b]) => members.has(b))
            .map(([b, i]) => `${a} -> ${b} (${i.from} imports ${i.to})`)
        )
        found.push(`import cycle between folders ${component.sort().join(", ")}: ${arrows.join("; ")}`)
      }
    }
  }
  for (const v of edges.keys()) if (!index.has(v)) visit(v)
  return found
}

describe("layout: import rules", () => {
  const imports = readImports(SRC)

  it("reads the tree's imports", () => {
    // A parser that finds nothing would pass every rule.
    expect(imports.length).toBeGreaterThan(500)
    expect(imports).toContainEqual({ from: "app.ts", to: "bot/app.ts", typeOnly: false })
    expect(imports).toContainEqual({ from: "supervisor/bot-runner.ts", to: "bot/context.ts", typeOnly: true })
    for (const i of imports) expect(fs.existsSync(path.join(SRC, i.to)), `${i.from} -> ${i.to}`).toBe(true)
  })

  it("src/ keeps every rule", () => {
    expect(violations(imports)).toEqual([])
  })

  it("reports each kind of violation", () => {
    const made = (from: string, to: string, typeOnly = false): Import => ({ from, to, typeOnly })
    const found = violations([
      made("jobs/retention.ts", "bot/shop/helpers.ts"),
      made("supervisor/update-pipeline.ts", "bot/shop/buy.ts"),
      made("supervisor/bot-runner.ts", "bot/context.ts"),
      made("vpn/panel-sync.ts", "tenants/users.ts"),
      made("telegram/notifier.ts", "supervisor/watcher.ts"),
      made("payments/purchase.ts", "jobs/jobs.ts"),
      made("tenants/a.ts", "messages/b.ts", true),
      made("messages/b.ts", "tenants/a.ts")
    ])
    expect(found).toHaveLength(8)
    expect(found[0]).toMatch(/^jobs\/retention\.ts imports bot\/shop\/helpers\.ts: only app\.ts/)
    expect(found[1]).toMatch(/^supervisor\/update-pipeline\.ts imports bot\/shop\/buy\.ts: only app\.ts/)
    expect(found[2]).toMatch(/^supervisor\/bot-runner\.ts imports bot\/context\.ts: only app\.ts/)
    expect(found[3]).toMatch(/^vpn\/panel-sync\.ts imports tenants\/users\.ts: vpn\/ is a client/)
    expect(found[4]).toMatch(/^telegram\/notifier\.ts imports supervisor\/watcher\.ts: telegram\/ is a client/)
    expect(found[5]).toMatch(/^telegram\/notifier\.ts imports supervisor\/watcher\.ts: the domain/)
    expect(found[6]).toMatch(/^payments\/purchase\.ts imports jobs\/jobs\.ts: the domain/)
    expect(found[7]).toMatch(/^import cycle between folders messages, tenants/)
  })
})
