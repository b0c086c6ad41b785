import { badRequest } from "./errors.ts"
import { isUploadedFile } from "./multipart.ts"
import type { UploadedFile } from "./multipart.ts"

/**
 * Request parameters as they arrived: JSON bodies keep their types, query
 * strings, urlencoded and multipart bodies carry strings (objects JSON-encoded),
 * so every reader below accepts both forms like Telegram does.
 */
export type Params = Record<string, unknown>

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== ""

export function str(p: Params, name: string): string | undefined {
  const v = p[name]
  if (!present(v)) return undefined
  if (typeof v === "string") return v
  if (typeof v === "number" || typeof v === "boolean") return String(v)
  return undefined
}

export function int(p: Params, name: string): number | undefined {
  const v = p[name]
  if (!present(v)) return undefined
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN
  return Number.isSafeInteger(n) ? n : undefined
}

export function bool(p: Params, name: string): boolean {
  const v = p[name]
  return v === true || v === 1 || v === "true" || v === "1" || v === "True"
}

/** JSON-typed parameter (object or array), decoding string transports. */
export function json(p: Params, name: string, errorText: string): unknown {
  const v = p[name]
  if (!present(v)) return undefined
  if (typeof v !== "string") return v
  try {
    return JSON.parse(v) as unknown
  } catch {
    throw badRequest(errorText)
  }
}

/** A file parameter: either a string (file_id / URL) or an uploaded part. */
export function fileParam(p: Params, name: string): string | UploadedFile | undefined {
  const v = p[name]
  if (isUploadedFile(v)) return v
  return str(p, name)
}

/** chat_id as an integer or an "@username" string. */
export function chatIdParam(p: Params): number | string | undefined {
  const v = p.chat_id
  if (!present(v)) return undefined
  const n = int(p, "chat_id")
  if (n !== undefined) return n
  return typeof v === "string" ? v.trim() : undefined
}
