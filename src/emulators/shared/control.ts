/** Pieces of the emulators' control APIs (`/control/...`), where tests steer them. */
import type { IncomingMessage } from "node:http"
import { isRecord, parseJson, readBody } from "./http.ts"

/** A control request the emulator refuses; answered `{error: message}` with `status`. */
export class ControlError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

/** A control request's body, which must be a JSON object; an empty body reads as `{}`. */
export const readControlBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  const body = parseJson(await readBody(req))
  if (body === undefined) return {}
  if (!isRecord(body)) throw new ControlError(400, "the body must be a JSON object")
  return body
}
