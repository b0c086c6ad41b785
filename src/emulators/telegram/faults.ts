import { ControlError } from "./errors.ts"

/**
 * A scripted failure. `rate_limit` answers 429 with retry_after, `server_error`
 * answers 5xx (JSON envelope, or nginx-style HTML when `html` is set, as
 * Telegram's front end sometimes does), `network` drops the connection.
 * Applies to the next `count` matching calls (default 1) and/or for
 * `durationMs`; `method` restricts it to one Bot API method.
 */
export interface FaultInput {
  kind: "rate_limit" | "server_error" | "network"
  retryAfter?: number
  status?: number
  html?: boolean
  count?: number
  durationMs?: number
  method?: string
}

export interface FaultRule {
  kind: FaultInput["kind"]
  retryAfter: number | undefined
  status: number
  html: boolean
  remaining: number
  until: number
  method: string | undefined
}

export function makeFaultRule(input: FaultInput, now: number): FaultRule {
  if (!["rate_limit", "server_error", "network"].includes(input.kind)) {
    throw new ControlError(400, `unknown fault kind ${JSON.stringify(input.kind)}`)
  }
  const status = input.status ?? 502
  if (input.kind === "server_error" && (status < 500 || status > 599)) {
    throw new ControlError(400, "server_error status must be 5xx")
  }
  const duration = input.durationMs
  return {
    kind: input.kind,
    retryAfter: input.retryAfter,
    status,
    html: input.html ?? false,
    remaining: input.count ?? (duration === undefined ? 1 : Infinity),
    until: duration === undefined ? Infinity : now + duration,
    method: input.method?.toLowerCase()
  }
}

/** Consumes one use of the first rule that applies to this call. */
export function takeFault(rules: FaultRule[], method: string, now: number): FaultRule | undefined {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!
    if (rule.remaining <= 0 || rule.until <= now) {
      rules.splice(i--, 1)
      continue
    }
    if (rule.method !== undefined && rule.method !== method) continue
    rule.remaining--
    if (rule.remaining <= 0) rules.splice(i, 1)
    return rule
  }
  return undefined
}

/** Telegram's retry_after tracks how long the flood wait really lasts. */
export function retryAfterOf(rule: FaultRule, now: number): number {
  if (rule.retryAfter !== undefined) return rule.retryAfter
  return rule.until === Infinity ? 1 : Math.max(1, Math.ceil((rule.until - now) / 1000))
}

/** Added latency: per-method entries win over the "*" entry. */
export function latencyFor(latency: Map<string, number>, method: string): number {
  return latency.get(method) ?? latency.get("*") ?? 0
}
