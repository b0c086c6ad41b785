// Offline checks of the Dockerfile and .dockerignore (no Docker engine here):
// Node 22 multi-stage build, production dependencies only in the runtime
// image, non-root uid 10001, the ports and the command of the operator contract.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../", import.meta.url))
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8")
// Instructions with continuation lines joined and comments dropped.
const instructions = dockerfile
  .split("\n")
  .filter((line) => !/^\s*#/.test(line))
  .join("\n")
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "")

const stages: Array<{ from: string; name: string | undefined; lines: Array<string> }> = []
for (const line of instructions) {
  const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line)
  if (from) stages.push({ from: from[1]!, name: from[2], lines: [] })
  else stages.at(-1)?.lines.push(line)
}
const args = Object.fromEntries(
  instructions.flatMap((l) => {
    const m = /^ARG\s+(\w+)=(\S+)/.exec(l)
    return m ? [[m[1]!, m[2]!]] : []
  })
)
const image = (from: string): string => from.replace(/^\$\{?(\w+)\}?$/, (_, name: string) => args[name] ?? from)
const runtime = stages.at(-1)!

describe("Dockerfile", () => {
  it("builds in stages on an official Node 22 image", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    for (const stage of stages) {
      if (stages.some((s) => s.name === stage.from)) continue
      expect(image(stage.from)).toMatch(/^node:22([.-]|$)/)
    }
    const build = stages.find((s) => s.lines.some((l) => /npm run build/.test(l)))
    expect(build).toBeDefined()
    expect(build!.lines.some((l) => /^RUN\b.*\bnpm ci\b/.test(l))).toBe(true)
  })

  it("ships production dependencies only", () => {
    const install = stages.flatMap((s) => s.lines).find((l) => /npm ci\b.*--omit=dev/.test(l))
    expect(install).toBeDefined()
    const copies = runtime.lines.filter((l) => /^COPY\b/.test(l))
    const fromStage = (l: string) => /--from=(\S+)/.exec(l)?.[1]
    const nodeModules = copies.filter((l) => /node_modules/.test(l))
    expect(nodeModules.length).toBe(1)
    const source = stages.find((s) => s.name === fromStage(nodeModules[0]!))
    expect(source?.lines.some((l) => /npm ci\b.*--omit=dev/.test(l))).toBe(true)
  })

  it("runs node dist/main.js as uid 10001 in production mode", () => {
    expect(runtime.lines).toContain("USER 10001:10001")
    expect(runtime.lines.some((l) => /^ENV\b.*\bNODE_ENV=production\b/.test(l))).toBe(true)
    expect(runtime.lines.at(-1)).toBe('CMD ["node", "dist/main.js"]')
    const expose = runtime.lines.find((l) => /^EXPOSE\b/.test(l)) ?? ""
    expect(expose.split(/\s+/).slice(1).sort()).toEqual(["34431", "8080"])
  })
})

describe(".dockerignore", () => {
  it("keeps local installs, build output, data, VCS metadata and tests out of the context", () => {
    const entries = readFileSync(join(root, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
    for (const entry of ["node_modules", ".botfleet", "dist", ".git", "bench/results", "test"]) {
      expect(entries, entry).toContain(entry)
    }
    expect(entries).not.toContain("src")
    expect(entries).not.toContain("package-lock.json")
  })
})
