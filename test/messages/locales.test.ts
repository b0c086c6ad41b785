/**
 * The three locales say the same things: each is a folder of Fluent files, one
 * per concern, with the same file names; every message of one exists in the
 * others with the same variables, every key the code uses exists, and each
 * renders without Fluent errors.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { i18n } from "../../src/messages/i18n.ts"

const localesDir = path.join(import.meta.dirname, "../../src/messages/locales")
const LOCALES = ["fa", "en", "ru"] as const

const filesOf = (locale: string) =>
  fs
    .readdirSync(path.join(localesDir, locale))
    .filter((f) => f.endsWith(".ftl"))
    .sort()

/** message id → the variables it uses. */
const messagesOf = (locale: string) => {
  const text = filesOf(locale)
    .map((f) => fs.readFileSync(path.join(localesDir, locale, f), "utf8"))
    .join("\n")
  const messages = new Map<string, Set<string>>()
  let current: string | undefined
  for (const line of text.split("\n")) {
    const head = /^([a-z][a-z0-9-]*) =/.exec(line)
    if (head) {
      current = head[1]!
      if (messages.has(current)) throw new Error(`${locale}: message ${current} defined twice`)
      messages.set(current, new Set())
    } else if (!/^\s/.test(line)) current = undefined
    if (current) for (const v of line.matchAll(/\$([a-z]+)/g)) messages.get(current)!.add(v[1]!)
  }
  return messages
}

const sourceFiles = (dir: string): Array<string> =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []
    )

describe("locales", () => {
  const en = messagesOf("en")

  it("fa, en and ru have the same files", () => {
    expect(fs.readdirSync(localesDir).sort()).toEqual([...LOCALES].sort())
    for (const locale of ["fa", "ru"]) expect(filesOf(locale), locale).toEqual(filesOf("en"))
  })

  it("fa, en and ru have the same messages with the same variables", () => {
    for (const locale of ["fa", "ru"]) {
      const other = messagesOf(locale)
      expect([...other.keys()].sort(), locale).toEqual([...en.keys()].sort())
      for (const [key, vars] of en) expect([...other.get(key)!].sort(), `${locale}:${key}`).toEqual([...vars].sort())
    }
  })

  it("every key the shop code uses exists", () => {
    const root = path.join(import.meta.dirname, "../../src")
    const used = new Set<string>()
    for (const file of [
      ...sourceFiles(path.join(root, "bot")),
      ...sourceFiles(path.join(root, "payments")),
      ...sourceFiles(path.join(root, "vpn"))
    ]) {
      if (file.includes(`${path.sep}master${path.sep}`)) continue
      const text = fs.readFileSync(file, "utf8")
      for (const m of text.matchAll(/\bt\(\s*"([a-z][a-z0-9-]*)"/g)) used.add(m[1]!)
      for (const m of text.matchAll(/"((?:alert|method|subscription-status)-[a-z-]+)"/g)) used.add(m[1]!)
    }
    // Keys built at run time from a closed set of values.
    for (const s of ["pending", "submitted", "approved", "rejected", "cancelled", "expired"]) used.add(`status-${s}`)
    for (const s of ["deposit", "purchase", "refund", "adjustment"]) used.add(`tx-${s}`)
    for (const s of ["paid", "cancelled", "not-paid", "failed", "unavailable", "not-found", "expired"])
      used.add(`zarinpal-page-${s}`)
    const missing = [...used].filter((k) => !en.has(k))
    expect(missing).toEqual([])
  })

  it("every message renders in every locale", () => {
    for (const locale of LOCALES) {
      for (const [key, vars] of en) {
        const text = i18n.t(
          locale,
          key,
          Object.fromEntries([...vars].map((v) => [v, v === "currency" ? "IRT" : `<${v}>`]))
        )
        expect(text, `${locale}:${key}`).not.toBe(key)
        expect(text, `${locale}:${key}`).not.toMatch(/\{\$|\{ \$/)
      }
    }
  })
})
