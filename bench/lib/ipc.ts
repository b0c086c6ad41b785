/**
 * Request/response over a forked child's IPC channel: the runner drives the
 * emulator host and the systems under test with it, so bulk operations (create
 * 25,000 bots, inject 10,000 messages at once) never cost HTTP round trips that
 * would themselves be measured.
 */
import type { ChildProcess } from "node:child_process"

interface Request {
  readonly rpc: number
  readonly op: string
  readonly args: unknown
}
interface Response {
  readonly rpc: number
  readonly op?: string
  readonly ok: boolean
  readonly result?: unknown
  readonly error?: string
}

const isResponse = (m: unknown): m is Response =>
  typeof m === "object" && m !== null && typeof (m as Response).rpc === "number" && "ok" in m

/** The parent's side. */
export class RpcClient {
  private next = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly child: ChildProcess
  private readonly name: string

  constructor(child: ChildProcess, name: string) {
    this.child = child
    this.name = name
    child.on("message", (m) => {
      if (!isResponse(m)) return
      const p = this.pending.get(m.rpc)
      if (!p) return
      this.pending.delete(m.rpc)
      if (m.ok) p.resolve(m.result)
      else p.reject(new Error(`${this.name}: ${m.op ?? "call"} failed: ${m.error}`))
    })
    child.on("exit", (code, signal) => {
      for (const p of this.pending.values())
        p.reject(new Error(`${this.name} exited (${code ?? signal}) during a call`))
      this.pending.clear()
    })
  }

  call<A>(op: string, args: unknown = {}, timeoutMs = 120_000): Promise<A> {
    const rpc = this.next++
    return new Promise<A>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rpc)
        reject(new Error(`${this.name}: ${op} timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(rpc, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v as A)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        }
      })
      const request: Request = { rpc, op, args }
      if (!this.child.connected) {
        this.pending.delete(rpc)
        clearTimeout(timer)
        reject(new Error(`${this.name} is not connected`))
        return
      }
      this.child.send(request)
    })
  }
}

// biome-ignore lint/suspicious/noExplicitAny: each handler narrows its own arguments; the IPC boundary cannot type them
type Handler = (args: any) => unknown

/**
 * The child's side: answers calls, and ends the child when the parent goes away
 * (a runner killed with SIGKILL leaves no orphans behind).
 */
export const serveRpc = (handlers: Record<string, Handler>, onParentGone: () => void): void => {
  if (!process.send) throw new Error("serveRpc: this process was not started with an IPC channel")
  process.on("message", async (m: unknown) => {
    const req = m as Request
    if (typeof req?.rpc !== "number" || typeof req.op !== "string") return
    const handler = handlers[req.op]
    let response: Response
    try {
      if (!handler) throw new Error(`unknown operation ${req.op}`)
      response = { rpc: req.rpc, op: req.op, ok: true, result: await handler(req.args) }
    } catch (e) {
      response = { rpc: req.rpc, op: req.op, ok: false, error: e instanceof Error ? e.message : String(e) }
    }
    if (process.connected) process.send!(response)
  })
  process.on("disconnect", onParentGone)
}
