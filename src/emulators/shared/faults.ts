/**
 * Failures injected into an emulator's API calls: a queue of one-shot faults,
 * each taken by the first call it applies to, and a delay added to every answer.
 */
import type { IncomingMessage } from "node:http"

export interface Fault {
  /** HTTP status of the injected failures (default 500). */
  readonly status?: number
  /** Drop the connection instead of answering (a network error for the client). */
  readonly disconnect?: boolean
}

export const makeFaults = <F extends Fault>() => {
  let queue: Array<F> = []
  let latencyMs = 0
  return {
    /** The next `count` calls that `fault` applies to fail. */
    failNext: (count: number, fault: F): void => {
      for (let i = 0; i < count; i++) queue.push(fault)
    },
    /** Removes and returns the first queued fault that applies to this call. */
    take: (applies: (fault: F) => boolean): F | undefined => {
      const index = queue.findIndex(applies)
      return index < 0 ? undefined : queue.splice(index, 1)[0]
    },
    pending: (): number => queue.length,
    latencyMs: (): number => latencyMs,
    setLatency: (ms: number): void => {
      latencyMs = Math.max(0, ms)
    },
    reset: (): void => {
      queue = []
      latencyMs = 0
    }
  }
}

export type Faults<F extends Fault> = ReturnType<typeof makeFaults<F>>

/**
 * `POST /control/faults` `{failNext?, status?, disconnect?, latencyMs?, …}`:
 * sets the latency and queues faults; `appliesTo` reads the emulator's own
 * fields saying which calls a fault is for. Returns the answer's body.
 */
export const controlFaults = <F extends Fault>(
  faults: Faults<F>,
  body: Record<string, unknown>,
  appliesTo: (body: Record<string, unknown>) => F
): { pendingFaults: number; latencyMs: number } => {
  if (typeof body.latencyMs === "number") faults.setLatency(body.latencyMs)
  if (typeof body.failNext === "number") {
    faults.failNext(body.failNext, {
      ...(typeof body.status === "number" ? { status: body.status } : {}),
      ...appliesTo(body),
      disconnect: body.disconnect === true
    })
  }
  return { pendingFaults: faults.pending(), latencyMs: faults.latencyMs() }
}

/**
 * Answers a call that took `fault`: drops the connection (recorded as status
 * 0), or records the fault's status (default 500) and answers it with `reply`.
 */
export const answerFault = (
  req: IncomingMessage,
  fault: Fault,
  record: (status: number) => void,
  reply: (status: number) => void
): void => {
  if (fault.disconnect === true) {
    record(0)
    req.socket.destroy()
    return
  }
  const status = fault.status ?? 500
  record(status)
  reply(status)
}
