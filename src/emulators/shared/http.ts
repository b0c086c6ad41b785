/**
 * Small node:http helpers shared by the ZarinPal and Remnawave emulators'
 * routes: body reading with a size cap, JSON and text replies.
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

export const sendText = (
  res: ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8"
): void => {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) })
  res.end(body)
}

export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
