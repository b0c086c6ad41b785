/**
 * One /metrics for a pod of several worker processes: every worker's
 * exposition merged into one, each sample labelled with its `worker`, and each
 * metric family's HELP and TYPE written once with all its samples together (the
 * text format requires a family's lines to be contiguous).
 */

export interface WorkerMetrics {
  readonly worker: string
  readonly text: string
}

interface Family {
  help: string | undefined
  type: string | undefined
  readonly samples: Array<string>
}

const escapeLabelValue = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')

/** `name{a="b"} 1` → `name{worker="0",a="b"} 1`; `name 1` → `name{worker="0"} 1`. */
export const withLabel = (sample: string, label: string, value: string): string => {
  const brace = sample.indexOf("{")
  const space = sample.search(/\s/)
  const pair = `${label}="${escapeLabelValue(value)}"`
  if (brace !== -1 && (space === -1 || brace < space)) {
    const rest = sample.slice(brace + 1)
    return `${sample.slice(0, brace)}{${pair}${rest.startsWith("}") ? "" : ","}${rest}`
  }
  if (space === -1) return sample
  return `${sample.slice(0, space)}{${pair}}${sample.slice(space)}`
}

/** The family a sample belongs to: histogram and summary samples carry suffixes. */
const familyOf = (name: string, families: Map<string, Family>, current: string | undefined): string => {
  if (current !== undefined && (name === current || name.startsWith(`${current}_`))) return current
  for (const suffix of ["_bucket", "_sum", "_count", "_total", "_created"]) {
    if (name.endsWith(suffix) && families.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length)
  }
  return name
}

export const mergeMetrics = (workers: ReadonlyArray<WorkerMetrics>): string => {
  const families = new Map<string, Family>()
  const family = (name: string) => {
    let f = families.get(name)
    if (!f) {
      f = { help: undefined, type: undefined, samples: [] }
      families.set(name, f)
    }
    return f
  }
  for (const { text, worker } of workers) {
    let current: string | undefined
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue
      const meta = /^#\s+(HELP|TYPE)\s+(\S+)/.exec(line)
      if (meta) {
        const name = meta[2]!
        current = name
        const f = family(name)
        if (meta[1] === "HELP") f.help ??= line
        else f.type ??= line
        continue
      }
      if (line.startsWith("#")) continue
      const name = /^[^\s{]+/.exec(line)?.[0]
      if (!name) continue
      family(familyOf(name, families, current)).samples.push(withLabel(line, "worker", worker))
    }
  }
  const out: Array<string> = []
  for (const f of families.values()) {
    if (f.help) out.push(f.help)
    if (f.type) out.push(f.type)
    out.push(...f.samples)
  }
  return out.length > 0 ? `${out.join("\n")}\n` : ""
}
