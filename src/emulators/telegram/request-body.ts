import type { IncomingMessage } from "node:http"
import { ApiError, badRequest } from "./errors.ts"
import { boundaryOf, isUploadedFile, parseMultipart } from "./multipart.ts"
import type { Params } from "./params.ts"

/** Telegram accepts uploads up to 50 MB; a larger body is refused outright. */
const MAX_BODY_BYTES = 50 * 1024 * 1024 + 64 * 1024

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, "Request Entity Too Large"))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on("error", reject)
  })
}

/** Query parameters merged with the body, whatever encoding the client chose. */
export async function readParams(req: IncomingMessage, query: URLSearchParams): Promise<Params> {
  // Null prototype: a JSON body carrying "__proto__" must stay a plain key.
  const params: Params = Object.create(null) as Params
  for (const [k, v] of query) params[k] = v
  if (req.method === "GET" || req.method === "HEAD") return params
  const body = await readBody(req)
  if (body.length === 0) return params
  const type = (req.headers["content-type"] ?? "").toLowerCase()
  if (type.startsWith("application/json")) {
    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString("utf8"))
    } catch {
      throw badRequest("can't parse JSON")
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw badRequest("can't parse JSON: expected an object")
    }
    for (const [k, v] of Object.entries(parsed)) params[k] = v
  } else if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v
  } else if (type.startsWith("multipart/form-data")) {
    const boundary = boundaryOf(req.headers["content-type"] ?? "")
    if (boundary === undefined) throw badRequest("can't parse multipart/form-data: no boundary")
    let parts: ReturnType<typeof parseMultipart>
    try {
      parts = parseMultipart(body, boundary)
    } catch (e) {
      throw badRequest(`can't parse multipart/form-data: ${(e as Error).message}`)
    }
    for (const [k, v] of parts) params[k] = v
    // grammY sends `photo=attach://<id>` plus a file part named <id>.
    for (const [k, v] of Object.entries(params)) {
      if (typeof v === "string" && v.startsWith("attach://")) {
        const part = parts.get(v.slice("attach://".length))
        if (isUploadedFile(part)) params[k] = part
      }
    }
  }
  return params
}
