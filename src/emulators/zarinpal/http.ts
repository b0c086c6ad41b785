/**
 * Small node:http helpers shared by the ZarinPal emulator's routes: body
 * reading with a size cap, JSON and text replies, and CLI flag parsing for
 * `main.ts`.
 */
import type { IncomingMessage, ServerResponse } from "node:http"

const MAX_BODY_BYTES = 1024 * 1024

export class BodyTooLarge extends Error {}

export const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge("request body too large"))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** `undefined` for an empty body, `BadJson` when the body is not JSON. */
export const BadJson: unique symbol = Symbol("BadJson")

export const parseJson = (raw: string): unknown => {
  if (raw.trim() === "") return undefined
  try {
    return JSON.parse(raw) as unknown
  } catch {
    return BadJson
  }
}

export const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload)
  })
  res.end(payload)
}

export const sendText = (res: ServerResponse, status: number, body: string, contentType = "text/plain; charset=utf-8"): void => {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) })
  res.end(body)
}

export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** `--port 8080 --host 0.0.0.0` (or `--port=8080`) from argv. */
export const parseFlags = (argv: ReadonlyArray<string>): Record<string, string> => {
  const flags: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith("--")) continue
    const eq = arg.indexOf("=")
    if (eq > 0) {
      flags[arg.slice(2, eq)] = arg.slice(eq + 1)
    } else {
      const next = argv[i + 1]
      if (next !== undefined && !next.startsWith("--")) {
        flags[arg.slice(2)] = next
        i++
      } else {
        flags[arg.slice(2)] = "true"
      }
    }
  }
  return flags
}
