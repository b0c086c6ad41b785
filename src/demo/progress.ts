/**
 * The live summary: what the service recorded (the database, read as the
 * operator, and its /metrics endpoint) next to what the simulated people did,
 * redrawn every second in a terminal — or a line every few seconds when the
 * output is not a terminal — and the counts of the final report.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { SimStats } from "./stats.ts"
import type { DemoTenant } from "./tenants.ts"

export interface TenantCounts {
  readonly botId: number
  readonly users: number
  /** Plans bought, by how they were paid. */
  readonly purchases: { readonly card_to_card: number; readonly zarinpal: number; readonly wallet: number }
  /** Sum of the plans bought, in tomans. */
  readonly sales: number
  /** Wallet top-ups credited (card approved or ZarinPal paid). */
  readonly topUps: number
  readonly receiptsAwaitingReview: number
  readonly receiptsRejected: number
  readonly zarinpalCancelled: number
  readonly subscriptions: number
  readonly subscriptionsProvisioned: number
  /** The shop's platform wallet, charged per GB sold. */
  readonly platformWallet: number
}

export interface ServiceMetrics {
  readonly updatesByBot: ReadonlyMap<number, number>
  readonly botsRunning: number | undefined
  readonly rssBytes: number | undefined
  readonly eventLoopLagP99Seconds: number | undefined
}

export interface Snapshot {
  readonly at: number
  readonly tenants: ReadonlyArray<TenantCounts>
  readonly metrics: ServiceMetrics | undefined
}

type Run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Promise<A>

const countsQuery = (botIds: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{
      botId: number
      users: number
      byCard: number
      byZarinpal: number
      byWallet: number
      sales: number
      topUps: number
      awaitingReview: number
      rejected: number
      zarinpalCancelled: number
      subscriptions: number
      provisioned: number
      walletBalance: number
    }>`
      SELECT b.id AS bot_id, b.wallet_balance,
        (SELECT count(*)::int FROM users u WHERE u.bot_id = b.id) AS users,
        (SELECT count(*)::int FROM transactions t WHERE t.bot_id = b.id AND t.type = 'purchase' AND t.payment_method = 'card_to_card') AS by_card,
        (SELECT count(*)::int FROM transactions t WHERE t.bot_id = b.id AND t.type = 'purchase' AND t.payment_method = 'zarinpal') AS by_zarinpal,
        (SELECT count(*)::int FROM transactions t WHERE t.bot_id = b.id AND t.type = 'purchase' AND t.payment_method = 'wallet') AS by_wallet,
        (SELECT coalesce(sum(-t.amount), 0)::bigint FROM transactions t WHERE t.bot_id = b.id AND t.type = 'purchase') AS sales,
        (SELECT count(*)::int FROM card_to_card_payments p WHERE p.bot_id = b.id AND p.status = 'approved' AND p.plan_id IS NULL)
          + (SELECT count(*)::int FROM zarinpal_payments z WHERE z.bot_id = b.id AND z.status = 'paid' AND z.plan_id IS NULL) AS top_ups,
        (SELECT count(*)::int FROM card_to_card_payments p
          WHERE p.bot_id = b.id AND p.status = 'pending' AND p.receipt_submitted_at IS NOT NULL) AS awaiting_review,
        (SELECT count(*)::int FROM card_to_card_payments p WHERE p.bot_id = b.id AND p.status = 'rejected') AS rejected,
        (SELECT count(*)::int FROM zarinpal_payments z WHERE z.bot_id = b.id AND z.status = 'cancelled') AS zarinpal_cancelled,
        (SELECT count(*)::int FROM subscriptions s WHERE s.bot_id = b.id) AS subscriptions,
        (SELECT count(*)::int FROM subscriptions s WHERE s.bot_id = b.id AND s.provisioned_at IS NOT NULL) AS provisioned
      FROM bots b WHERE b.id IN ${sql.in(botIds)} ORDER BY b.id`
  })

/** The few series the summary shows, read from the Prometheus text. */
export const parseMetrics = (text: string): ServiceMetrics => {
  const updatesByBot = new Map<number, number>()
  let botsRunning: number | undefined
  let rssBytes: number | undefined
  let eventLoopLagP99Seconds: number | undefined
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue
    const updates = /^botfleet_bot_updates_total\{bot_id="(\d+)"\} ([0-9.e+]+)$/.exec(line)
    if (updates) updatesByBot.set(Number(updates[1]), Number(updates[2]))
    else if (line.startsWith("botfleet_bots_running ")) botsRunning = Number(line.split(" ")[1])
    else if (line.startsWith("process_resident_memory_bytes ")) rssBytes = Number(line.split(" ")[1])
    else if (line.startsWith("nodejs_eventloop_lag_p99_seconds ")) eventLoopLagP99Seconds = Number(line.split(" ")[1])
  }
  return { updatesByBot, botsRunning, rssBytes, eventLoopLagP99Seconds }
}

export const takeSnapshot = async (
  run: Run,
  metricsUrl: string,
  tenants: ReadonlyArray<DemoTenant>
): Promise<Snapshot> => {
  const [rows, metrics] = await Promise.all([
    run(countsQuery(tenants.map((t) => t.botId))),
    fetch(metricsUrl, { signal: AbortSignal.timeout(3000) })
      .then((r) => r.text())
      .then(parseMetrics, () => undefined)
  ])
  const byBot = new Map(rows.map((r) => [r.botId, r]))
  return {
    at: Date.now(),
    metrics,
    tenants: tenants.map((t) => {
      const r = byBot.get(t.botId)
      return {
        botId: t.botId,
        users: r?.users ?? 0,
        purchases: { card_to_card: r?.byCard ?? 0, zarinpal: r?.byZarinpal ?? 0, wallet: r?.byWallet ?? 0 },
        sales: Number(r?.sales ?? 0),
        topUps: r?.topUps ?? 0,
        receiptsAwaitingReview: r?.awaitingReview ?? 0,
        receiptsRejected: r?.rejected ?? 0,
        zarinpalCancelled: r?.zarinpalCancelled ?? 0,
        subscriptions: r?.subscriptions ?? 0,
        subscriptionsProvisioned: r?.provisioned ?? 0,
        platformWallet: Number(r?.walletBalance ?? 0)
      }
    })
  }
}

// ---------------------------------------------------------------- drawing

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
  platformWallet: all.reduce((s, c) => s + c.platformWallet, 0)
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
