/**
 * A ZarinPal v4 emulator over plain node:http, for tests, the demo and the
 * bench. It serves the production API at its root and the sandbox API under
 * `/sandbox` (so `url` and `sandboxUrl` play the roles of
 * https://payment.zarinpal.com and https://sandbox.zarinpal.com):
 *
 *   POST {root}/pg/v4/payment/request.json
 *   POST {root}/pg/v4/payment/verify.json
 *   POST {root}/pg/v4/payment/unVerified.json
 *   GET  {root}/pg/StartPay/:authority              the "bank" page
 *   GET  {root}/pg/StartPay/:authority?outcome=pay   302 to callback_url?Authority=…&Status=OK
 *   GET  {root}/pg/StartPay/:authority?outcome=cancel  302 to …&Status=NOK
 *
 * Control API (also available as methods of the returned handle):
 *
 *   GET  /control/payments                    every payment with its state
 *   GET  /control/payments/:authority
 *   POST /control/payments/:authority/pay     {follow?, cardPan?} → {authority, status, callbackUrl, followed?}
 *   POST /control/payments/:authority/cancel  {follow?}
 *   POST /control/faults                      {failNext?, status?, disconnect?, endpoint?, latencyMs?}
 *   POST /control/merchants                   {merchantId, active?}
 *   GET  /control/requests                    the API calls received, in order
 *   POST /control/reset
 *
 * Faults and latency apply to the three JSON endpoints only. Latency delays
 * the answer after the request was processed, as a slow network would: a
 * client that times out may still have created or verified a payment.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { ControlError, readControlBody } from "../shared/control.ts"
import { answerFault, controlFaults, makeFaults } from "../shared/faults.ts"
import type { Fault } from "../shared/faults.ts"
import { BadJson, parseJson, readBody, sendJson, sendText, sleep } from "../shared/http.ts"
import { serve } from "../shared/server.ts"
import { bankPage, notFoundPage } from "./bank-page.ts"
import { makeGateway } from "./gateway.ts"
import type { BankOutcome, GatewayOptions, Host, PaymentView, Reply } from "./gateway.ts"

export type { BankOutcome, Currency, Host, PaymentState, PaymentView } from "./gateway.ts"

export interface ZarinpalEmulatorOptions extends GatewayOptions {
  readonly port?: number
  readonly host?: string
}

export interface FollowedCallback {
  readonly status: number
  readonly location: string | undefined
  readonly body: string
}

export interface BankRedirect extends BankOutcome {
  /** The merchant's answer to the callback, when `follow` was asked. */
  readonly followed?: FollowedCallback
}

export interface FaultOptions extends Fault {
  /** Only calls to this endpoint take the fault (default: any of the three). */
  readonly endpoint?: ApiEndpoint
}

export type ApiEndpoint = "request" | "verify" | "unVerified"

export interface RequestRecord {
  readonly at: string
  readonly endpoint: ApiEndpoint
  readonly sandbox: boolean
  /** HTTP status answered, or 0 when the connection was dropped. */
  readonly status: number
  readonly body: unknown
}

export interface ZarinpalEmulator {
  /** Production API root (stands for https://payment.zarinpal.com). */
  readonly url: string
  /** Sandbox API root (stands for https://sandbox.zarinpal.com). */
  readonly sandboxUrl: string
  readonly port: number
  close(): Promise<void>
  payments(): ReadonlyArray<PaymentView>
  payment(authority: string): PaymentView | undefined
  /** The bank accepts the payment; the user would be sent to the returned callback URL. */
  pay(authority: string, options?: { readonly follow?: boolean; readonly cardPan?: string }): Promise<BankRedirect>
  /** The user cancels at the bank; the callback URL carries Status=NOK. */
  cancel(authority: string, options?: { readonly follow?: boolean }): Promise<BankRedirect>
  /** The next `count` API calls (to `endpoint` when given) fail: HTTP 5xx, or a dropped connection. */
  failNext(count: number, options?: FaultOptions): void
  /** Delay every API answer by `ms` (0 to stop). */
  setLatency(ms: number): void
  /** Register a production merchant (or change whether it is active). */
  registerMerchant(merchantId: string, options?: { readonly active?: boolean }): void
  requests(): ReadonlyArray<RequestRecord>
  reset(): void
}

const API_PATHS: Record<string, ApiEndpoint> = {
  "/pg/v4/payment/request.json": "request",
  "/pg/v4/payment/verify.json": "verify",
  "/pg/v4/payment/unVerified.json": "unVerified"
}

const follow = async (callbackUrl: string): Promise<FollowedCallback> => {
  // Like a browser arriving at the callback; redirects are reported, not
  // followed (they usually point at Telegram, which is not reachable here).
  const response = await fetch(callbackUrl, { redirect: "manual" })
  return {
    status: response.status,
    location: response.headers.get("location") ?? undefined,
    body: await response.text()
  }
}

export const startZarinpalEmulator = async (options: ZarinpalEmulatorOptions = {}): Promise<ZarinpalEmulator> => {
  const gateway = makeGateway(options)
  const faults = makeFaults<FaultOptions>()
  let log: Array<RequestRecord> = []

  const settle = async (
    authority: string,
    outcome: "pay" | "cancel",
    opts: { readonly follow?: boolean; readonly cardPan?: string } = {}
  ): Promise<BankRedirect> => {
    const result = gateway.settle(authority, outcome, opts.cardPan)
    if (result === undefined) throw new ControlError(404, `no payment with authority ${authority}`)
    return opts.follow === true ? { ...result, followed: await follow(result.callbackUrl) } : result
  }

  const handleApi = async (req: IncomingMessage, res: ServerResponse, host: Host, endpoint: ApiEndpoint) => {
    if (req.method !== "POST") {
      res.setHeader("allow", "POST")
      return sendJson(res, 405, { message: "The GET method is not supported for this route. Supported methods: POST." })
    }
    const raw = await readBody(req)
    const body = parseJson(raw)
    const record = (status: number) =>
      log.push({
        at: new Date().toISOString(),
        endpoint,
        sandbox: host === "sandbox",
        status,
        body: body === BadJson ? raw : body
      })
    const fault = faults.take((f) => f.endpoint === undefined || f.endpoint === endpoint)
    if (fault !== undefined) {
      return answerFault(req, fault, record, (status) =>
        sendText(res, status, `<html><body><h1>${status}</h1>injected fault</body></html>`, "text/html; charset=utf-8")
      )
    }
    const input = body === BadJson ? undefined : body
    const reply: Reply =
      endpoint === "request"
        ? gateway.request(host, input)
        : endpoint === "verify"
          ? gateway.verify(host, input)
          : gateway.unVerified(host, input)
    record(reply.status)
    if (faults.latencyMs() > 0) await sleep(faults.latencyMs())
    if (!res.destroyed) sendJson(res, reply.status, reply.body)
  }

  const handleStartPay = async (res: ServerResponse, url: URL, host: Host, prefix: string, authority: string) => {
    const payment = gateway.find(authority, host)
    if (payment === undefined) return sendText(res, 404, notFoundPage(authority), "text/html; charset=utf-8")
    const outcome = url.searchParams.get("outcome")
    if (outcome === "pay" || outcome === "cancel") {
      const result = gateway.settle(authority, outcome)!
      res.writeHead(302, { location: result.callbackUrl, "content-length": 0 })
      return res.end()
    }
    return sendText(res, 200, bankPage(payment, `${prefix}/pg/StartPay/${authority}`), "text/html; charset=utf-8")
  }

  const handleControl = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const parts = path
      .split("/")
      .filter((p) => p.length > 0)
      .slice(1) // drop "control"
    const method = req.method ?? "GET"
    if (parts[0] === "payments" && method === "GET" && parts.length === 1) {
      return sendJson(res, 200, { payments: gateway.list() })
    }
    if (parts[0] === "payments" && parts.length === 2 && method === "GET") {
      const payment = gateway.find(decodeURIComponent(parts[1]!))
      if (payment === undefined) throw new ControlError(404, `no payment with authority ${parts[1]}`)
      return sendJson(res, 200, payment)
    }
    if (
      parts[0] === "payments" &&
      parts.length === 3 &&
      method === "POST" &&
      (parts[2] === "pay" || parts[2] === "cancel")
    ) {
      const body = await readControlBody(req)
      const result = await settle(decodeURIComponent(parts[1]!), parts[2], {
        follow: body.follow === true,
        ...(typeof body.cardPan === "string" ? { cardPan: body.cardPan } : {})
      })
      return sendJson(res, 200, result)
    }
    if (parts[0] === "faults" && parts.length === 1 && method === "POST") {
      const answer = controlFaults(faults, await readControlBody(req), (body) => {
        const endpoint = Object.values(API_PATHS).find((e) => e === body.endpoint)
        return endpoint !== undefined ? { endpoint } : {}
      })
      return sendJson(res, 200, answer)
    }
    if (parts[0] === "merchants" && parts.length === 1 && method === "POST") {
      const body = await readControlBody(req)
      if (typeof body.merchantId !== "string") throw new ControlError(400, "merchantId is required")
      gateway.registerMerchant(body.merchantId, body.active !== false)
      return sendJson(res, 200, { ok: true })
    }
    if (parts[0] === "requests" && parts.length === 1 && method === "GET") {
      return sendJson(res, 200, { requests: log })
    }
    if (parts[0] === "reset" && parts.length === 1 && method === "POST") {
      handle.reset()
      return sendJson(res, 200, { ok: true })
    }
    throw new ControlError(404, `no control route ${method} ${path}`)
  }

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://emulator.local")
    const path = url.pathname
    if (path === "/control" || path.startsWith("/control/")) return handleControl(req, res, path)
    const sandbox = path === "/sandbox" || path.startsWith("/sandbox/")
    const host: Host = sandbox ? "sandbox" : "production"
    const prefix = sandbox ? "/sandbox" : ""
    const rest = sandbox ? path.slice("/sandbox".length) : path
    const endpoint = API_PATHS[rest]
    if (endpoint !== undefined) return handleApi(req, res, host, endpoint)
    const startPay = /^\/pg\/StartPay\/([^/]+)\/?$/.exec(rest)
    if (startPay !== null && (req.method === "GET" || req.method === "HEAD")) {
      return handleStartPay(res, url, host, prefix, decodeURIComponent(startPay[1]!))
    }
    return sendText(res, 404, "Not Found")
  }

  const server = await serve(route, {
    port: options.port,
    host: options.host,
    tooLargeBody: (message) => ({ error: message })
  })

  const handle: ZarinpalEmulator = {
    url: server.url,
    sandboxUrl: `${server.url}/sandbox`,
    port: server.port,
    close: server.close,
    payments: () => gateway.list(),
    payment: (authority) => gateway.find(authority),
    pay: (authority, opts) => settle(authority, "pay", opts),
    cancel: (authority, opts) => settle(authority, "cancel", opts),
    failNext: (count, opts = {}) => faults.failNext(count, opts),
    setLatency: faults.setLatency,
    registerMerchant: (merchantId, opts = {}) => gateway.registerMerchant(merchantId, opts.active !== false),
    requests: () => [...log],
    reset: () => {
      gateway.reset()
      faults.reset()
      log = []
    }
  }
  return handle
}
