/** A Bot API failure, rendered as Telegram's `{ok:false,...}` envelope. */
export class ApiError extends Error {
  readonly status: number
  readonly retryAfter: number | undefined

  constructor(status: number, description: string, retryAfter?: number) {
    super(description)
    this.status = status
    this.retryAfter = retryAfter
  }

  toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = { ok: false, error_code: this.status, description: this.message }
    if (this.retryAfter !== undefined) body.parameters = { retry_after: this.retryAfter }
    return body
  }
}

export const badRequest = (what: string): ApiError => new ApiError(400, `Bad Request: ${what}`)
export const forbidden = (what: string): ApiError => new ApiError(403, `Forbidden: ${what}`)
export const conflict = (what: string): ApiError => new ApiError(409, `Conflict: ${what}`)
export const unauthorized = (): ApiError => new ApiError(401, "Unauthorized")
export const notFound = (): ApiError => new ApiError(404, "Not Found")
export const tooManyRequests = (retryAfter: number): ApiError =>
  new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter)

const SERVER_ERROR_TEXT: Record<number, string> = {
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}
export const serverErrorText = (status: number): string => SERVER_ERROR_TEXT[status] ?? "Internal Server Error"

/** Misuse of the control API (bad input, unknown bot); not a Bot API answer. */
export class ControlError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}
