/**
 * A strict parser of Prometheus' text exposition format (version 0.0.4, what
 * prom-client writes), for tests that assert on /metrics: every line must be a
 * comment, a `# HELP`/`# TYPE` line or a well-formed sample, or it throws with
 * the line. Samples come back with their labels unescaped and their values as
 * numbers (NaN, +Inf and -Inf included).
 */

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
  readonly timestamp?: number
}

export interface Exposition {
  readonly samples: ReadonlyArray<Sample>
  /** metric family → type, from the `# TYPE` lines */
  readonly types: ReadonlyMap<string, string>
  readonly help: ReadonlyMap<string, string>
  /** The samples of one metric name whose labels include all of `labels`. */
  readonly find: (name: string, labels?: Readonly<Record<string, string>>) => Array<Sample>
  /** The value of the one sample of `name` with exactly these labels; throws when there is none or several. */
  readonly value: (name: string, labels?: Readonly<Record<string, string>>) => number
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"])

const parseValue = (text: string, line: string): number => {
  if (text === "NaN") return Number.NaN
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY
  if (text === "-Inf") return Number.NEGATIVE_INFINITY
  if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(text)) {
    throw new Error(`not a sample value: ${JSON.stringify(text)} in ${JSON.stringify(line)}`)
  }
  return Number(text)
}

/** `{a="x",b="y\"z"}` at the start of `rest`: the labels and what follows the closing brace. */
const parseLabels = (rest: string, line: string): { labels: Record<string, string>; after: string } => {
  const labels: Record<string, string> = {}
  let i = 1 // past "{"
  const fail = (why: string): never => {
    throw new Error(`${why} at column ${i} of ${JSON.stringify(line)}`)
  }
  for (;;) {
    if (rest[i] === "}") return { labels, after: rest.slice(i + 1) }
    const name = LABEL_NAME.exec(rest.slice(i))?.[0] ?? fail("expected a label name")
    i += name.length
    if (rest[i] !== "=" || rest[i + 1] !== '"') fail('expected ="')
    i += 2
    let value = ""
    for (;;) {
      const c = rest[i]
      if (c === undefined) fail("unterminated label value")
      if (c === '"') break
      if (c === "\\") {
        const next = rest[i + 1]
        if (next === "n") value += "\n"
        else if (next === "\\" || next === '"') value += next
        else fail("bad escape in a label value")
        i += 2
        continue
      }
      value += c
      i++
    }
    i++ // past the closing quote
    if (name in labels) fail(`label ${name} twice`)
    labels[name] = value
    if (rest[i] === ",") i++
    else if (rest[i] !== "}") fail("expected , or }")
  }
}

const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}

export const parseExposition = (text: string): Exposition => {
  const samples: Array<Sample> = []
  const types = new Map<string, string>()
  const help = new Map<string, string>()
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
      if (m === null) continue // any other comment
      if (m[1] === "TYPE") {
        if (!TYPES.has(m[3]!)) throw new Error(`unknown metric type in ${JSON.stringify(line)}`)
        if (types.has(m[2]!)) throw new Error(`second TYPE line for ${m[2]}`)
        types.set(m[2]!, m[3]!)
      } else help.set(m[2]!, m[3]!)
      continue
    }
    const name = METRIC_NAME.exec(line)?.[0]
    if (name === undefined) throw new Error(`not a sample: ${JSON.stringify(line)}`)
    let rest = line.slice(name.length)
    let labels: Record<string, string> = {}
    if (rest.startsWith("{")) ({ labels, after: rest } = parseLabels(rest, line))
    const fields = rest.trim().split(/[ \t]+/)
    if (!/^[ \t]/.test(rest) || fields.length < 1 || fields.length > 2 || fields[0] === "") {
      throw new Error(`not a sample: ${JSON.stringify(line)}`)
    }
    const value = parseValue(fields[0]!, line)
    const sample: Sample =
      fields[1] === undefined
        ? { name, labels, value }
        : { name, labels, value, timestamp: parseValue(fields[1], line) }
    samples.push(sample)
  }
  const find = (name: string, want: Readonly<Record<string, string>> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v))
  return {
    samples,
    types,
    help,
    find,
    value: (name, want = {}) => {
      const hits = samples.filter((s) => s.name === name && sameLabels(s.labels, want))
      if (hits.length !== 1) {
        throw new Error(
          `${hits.length} samples of ${name}${JSON.stringify(want)}; of that name: ${JSON.stringify(find(name))}`
        )
      }
      return hits[0]!.value
    }
  }
}

/** The family a sample belongs to: histogram and summary samples carry a suffix. */
export const familyOf = (exposition: Exposition, sampleName: string): string | undefined => {
  if (exposition.types.has(sampleName)) return sampleName
  const m = /^(.*)_(bucket|sum|count|created)$/.exec(sampleName)
  return m !== null && exposition.types.has(m[1]!) ? m[1] : undefined
}
