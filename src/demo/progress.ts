/**
 * The live summary: what the service recorded (snapshot.ts: the database and
 * /metrics) next to what the simulated people did (stats.ts), redrawn every
 * second in a terminal — or a line every few seconds when the output is not a
 * terminal — and the counts of the final report.
 */
import type { Snapshot, TenantCounts } from "./snapshot.ts"
import type { SimStats } from "./stats.ts"
import type { DemoTenant } from "./tenants.ts"

export interface Header {
  readonly lines: ReadonlyArray<readonly [string, string]>
}

const pad = (s: string | number, width: number, left = false) => {
  const text = String(s)
  return left ? text.padEnd(width) : text.padStart(width)
}

const n = (x: number) => x.toLocaleString("en-US")
const clock = (ms: number) => {
  const s = Math.floor(ms / 1000)
  return `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`
}

interface Row {
  readonly shop: string
  readonly language: string
  readonly counts: TenantCounts | undefined
  readonly updates: number
  readonly rate: number
}

interface Column {
  readonly name: string
  readonly width: number
  /** Lower first: when the terminal is narrow, the highest are left out. */
  readonly priority: number
  readonly value: (row: Row) => string
}

const count = (f: (c: TenantCounts) => number) => (row: Row) => (row.counts === undefined ? "" : n(f(row.counts)))

const TABLE: ReadonlyArray<Column> = [
  { name: "shop", width: 21, priority: 0, value: (r) => r.shop },
  { name: "lang", width: 4, priority: 5, value: (r) => r.language },
  { name: "users", width: 6, priority: 2, value: count((c) => c.users) },
  { name: "card", width: 6, priority: 1, value: count((c) => c.purchases.card_to_card) },
  { name: "zarinpal", width: 8, priority: 1, value: count((c) => c.purchases.zarinpal) },
  { name: "wallet", width: 6, priority: 3, value: count((c) => c.purchases.wallet) },
  { name: "top-ups", width: 7, priority: 6, value: count((c) => c.topUps) },
  { name: "rejected", width: 8, priority: 4, value: count((c) => c.receiptsRejected) },
  { name: "to review", width: 9, priority: 2, value: count((c) => c.receiptsAwaitingReview) },
  { name: "subs ready", width: 10, priority: 2, value: count((c) => c.subscriptionsProvisioned) },
  { name: "updates", width: 8, priority: 3, value: (r) => n(r.updates) },
  { name: "upd/s", width: 6, priority: 4, value: (r) => r.rate.toFixed(1) },
  { name: "sales (toman)", width: 14, priority: 7, value: count((c) => c.sales) },
  { name: "platform wallet", width: 15, priority: 8, value: count((c) => c.platformWallet) }
]

/** The columns that fit in `width`, most important first, shown in their usual order. */
const fitColumns = (width: number): ReadonlyArray<Column> => {
  const chosen = new Set<Column>()
  let used = 0
  for (const column of [...TABLE].sort((a, b) => a.priority - b.priority)) {
    const needed = column.width + (chosen.size > 0 ? 1 : 0)
    if (used + needed > width && chosen.size > 0) continue
    chosen.add(column)
    used += needed
  }
  return TABLE.filter((c) => chosen.has(c))
}

const tableLine = (columns: ReadonlyArray<Column>, cells: (c: Column) => string) =>
  columns.map((c, i) => pad(cells(c), c.width, i === 0)).join(" ")

const sumCounts = (all: ReadonlyArray<TenantCounts>): TenantCounts => ({
  botId: 0,
  users: all.reduce((s, c) => s + c.users, 0),
  purchases: {
    card_to_card: all.reduce((s, c) => s + c.purchases.card_to_card, 0),
    zarinpal: all.reduce((s, c) => s + c.purchases.zarinpal, 0),
    wallet: all.reduce((s, c) => s + c.purchases.wallet, 0)
  },
  sales: all.reduce((s, c) => s + c.sales, 0),
  topUps: all.reduce((s, c) => s + c.topUps, 0),
  receiptsAwaitingReview: all.reduce((s, c) => s + c.receiptsAwaitingReview, 0),
  receiptsRejected: all.reduce((s, c) => s + c.receiptsRejected, 0),
  zarinpalCancelled: all.reduce((s, c) => s + c.zarinpalCancelled, 0),
  subscriptions: all.reduce((s, c) => s + c.subscriptions, 0),
  subscriptionsProvisioned: all.reduce((s, c) => s + c.subscriptionsProvisioned, 0),
  platformWallet: all.reduce((s, c) => s + c.platformWallet, 0),
  trials: all.reduce((s, c) => s + c.trials, 0),
  trialsConverted: all.reduce((s, c) => s + c.trialsConverted, 0),
  autoRenewals: all.reduce((s, c) => s + c.autoRenewals, 0),
  reminders: all.reduce((s, c) => s + c.reminders, 0),
  promoRedemptions: all.reduce((s, c) => s + c.promoRedemptions, 0),
  referred: all.reduce((s, c) => s + c.referred, 0),
  referralEarnings: all.reduce((s, c) => s + c.referralEarnings, 0),
  broadcast: null
})

export interface DrawInput {
  readonly title: string
  readonly header: Header
  readonly snapshot: Snapshot | undefined
  readonly previous: Snapshot | undefined
  readonly sim: SimStats
  readonly tenants: ReadonlyArray<DemoTenant>
  readonly startedAt: number
  /** When the simulation stopped (the clock stops there). */
  readonly endedAt: number | undefined
  readonly state: string
  readonly logProblems: { readonly count: number; readonly last: string | undefined }
  readonly width: number
}

/** The summary as lines of text (no colours: it must read well in any terminal and in CI logs). */
export const drawSummary = (input: DrawInput): ReadonlyArray<string> => {
  const { snapshot, previous, sim } = input
  const lines: Array<string> = []
  lines.push(`${input.title}   ${input.state}   ${clock((input.endedAt ?? Date.now()) - input.startedAt)}`)
  lines.push("")
  for (const [label, value] of input.header.lines) lines.push(`  ${pad(label, 12, true)}${value}`)
  lines.push("")
  const columns = fitColumns(input.width)
  lines.push(tableLine(columns, (c) => c.name))
  const seconds = snapshot && previous ? Math.max(0.001, (snapshot.at - previous.at) / 1000) : undefined
  const rows: Array<Row> = input.tenants.map((tenant) => {
    const updates = snapshot?.metrics?.updatesByBot.get(tenant.botId) ?? 0
    const before = previous?.metrics?.updatesByBot.get(tenant.botId) ?? 0
    return {
      shop: `@${tenant.username}`,
      language: tenant.spec.language,
      counts: snapshot?.tenants.find((t) => t.botId === tenant.botId),
      updates,
      rate: seconds !== undefined ? (updates - before) / seconds : 0
    }
  })
  for (const row of rows) lines.push(tableLine(columns, (c) => c.value(row)))
  const total: Row = {
    shop: "all shops",
    language: "",
    counts: snapshot === undefined ? undefined : sumCounts(snapshot.tenants),
    updates: rows.reduce((s, r) => s + r.updates, 0),
    rate: rows.reduce((s, r) => s + r.rate, 0)
  }
  lines.push(tableLine(columns, (c) => c.value(total)))
  lines.push("")
  const all = sim.tenants
  const sum = (f: (t: SimStats["tenants"][number]) => number) => all.reduce((s, t) => s + f(t), 0)
  const labelled = (label: string, parts: ReadonlyArray<string>) => {
    // As many parts per line as fit, continued under the label.
    let line = `  ${pad(label, 12, true)}`
    for (const [i, part] of parts.entries()) {
      const piece = i === 0 ? part : ` · ${part}`
      if (i > 0 && line.length + piece.length > input.width) {
        lines.push(line)
        line = `${" ".repeat(14)}${part}`
      } else {
        line += piece
      }
    }
    lines.push(line)
  }
  labelled("customers", [
    `${n(sum((t) => t.journeysStarted))} arrived`,
    `${n(sum((t) => t.inFlight))} shopping now`,
    `bought ${n(sum((t) => t.outcomes.bought))}`,
    `rejected ${n(sum((t) => t.outcomes.rejected))}`,
    `cancelled at the bank ${n(sum((t) => t.outcomes.cancelled))}`,
    `switched language ${n(sum((t) => t.languageSwitches))}`,
    `stuck ${n(sum((t) => t.outcomes.failed))}`
  ])
  labelled("admins", [
    `approved ${n(sum((t) => t.receiptsApproved))}`,
    `rejected with a reason ${n(sum((t) => t.receiptsRejected))}`,
    ...(sum((t) => t.adminFailures) > 0 ? [`stuck ${n(sum((t) => t.adminFailures))}`] : [])
  ])
  const lifecycle = snapshot === undefined ? undefined : sumCounts(snapshot.tenants)
  labelled("lifecycle", [
    `free trials ${n(lifecycle?.trials ?? 0)} (then bought ${n(lifecycle?.trialsConverted ?? 0)})`,
    `auto-renewed from the wallet ${n(lifecycle?.autoRenewals ?? 0)}`,
    `expiry reminders ${n(lifecycle?.reminders ?? 0)}`
  ])
  labelled("growth", [
    `promo codes redeemed ${n(lifecycle?.promoRedemptions ?? 0)}`,
    `customers invited by a friend ${n(lifecycle?.referred ?? 0)}`,
    `referral earnings ${n(lifecycle?.referralEarnings ?? 0)} toman`
  ])
  labelled(
    "broadcasts",
    input.tenants.map((tenant) => {
      const b = snapshot?.tenants.find((t) => t.botId === tenant.botId)?.broadcast
      return b
        ? `@${tenant.username} ${b.state === "pending" ? "sending" : b.state} ${n(b.sent)}/${n(b.total)}` +
            (b.blocked + b.failed > 0 ? ` (blocked ${n(b.blocked)}, failed ${n(b.failed)})` : "")
        : `@${tenant.username} not yet`
    })
  )
  const m = snapshot?.metrics
  labelled("service", [
    `${m?.botsRunning ?? "?"} bots polling`,
    `RSS ${m?.rssBytes !== undefined ? `${Math.round(m.rssBytes / 1024 / 1024)} MB` : "?"}`,
    `event-loop lag p99 ${m?.eventLoopLagP99Seconds !== undefined ? `${(m.eventLoopLagP99Seconds * 1000).toFixed(1)} ms` : "?"}`,
    `log warnings/errors ${input.logProblems.count}`
  ])
  if (sim.lastFailure !== undefined) lines.push(`  last stuck  ${sim.lastFailure}`)
  if (input.logProblems.last !== undefined) lines.push(`  last log    ${input.logProblems.last}`)
  return lines.map((l) => (l.length > input.width ? `${l.slice(0, Math.max(0, input.width - 1))}…` : l))
}

/** Redraws `draw()` in place every second on a terminal; elsewhere, prints it every `plainEveryMs`. */
export const startRedraw = (options: {
  readonly draw: () => ReadonlyArray<string>
  readonly tty: boolean
  readonly plainEveryMs?: number
}) => {
  const out = process.stdout
  let drawn = false
  const paint = () => {
    const lines = options.draw()
    if (options.tty) {
      // Home, each line cleared to its end, then everything below cleared: no flicker.
      out.write(`${drawn ? "\x1b[H" : "\x1b[?25l\x1b[2J\x1b[H"}${lines.map((l) => `${l}\x1b[K`).join("\n")}\n\x1b[J`)
      drawn = true
    } else {
      out.write(`${lines.join("\n")}\n\n`)
    }
  }
  const timer = setInterval(paint, options.tty ? 1000 : (options.plainEveryMs ?? 10_000))
  return {
    paint,
    stop: () => {
      clearInterval(timer)
      if (options.tty && drawn) out.write("\x1b[?25h")
    }
  }
}
