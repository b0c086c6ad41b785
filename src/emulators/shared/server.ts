/**
 * The node:http server under the ZarinPal and Remnawave emulators: listening,
 * the URL clients use, answering a route that failed, and a close that never
 * waits on a client.
 */
import { createServer } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { ControlError } from "./control.ts"
import { BodyTooLarge, sendJson } from "./http.ts"

export interface EmulatorServer {
  /** `http://host:port`; a wildcard address is given as 127.0.0.1, where clients can reach it. */
  readonly url: string
  readonly port: number
  /** Stops listening and drops open connections (idle keep-alive ones too). */
  close(): Promise<void>
}

export interface ServeOptions {
  /** Default 0: any free port. */
  readonly port?: number | undefined
  /** Default 127.0.0.1. */
  readonly host?: string | undefined
  /** The body of the 413 answered to a request body over the cap, in the emulated API's error shape. */
  readonly tooLargeBody: (message: string) => unknown
}

/**
 * Serves `route`. When the promise it returns rejects and no answer was
 * started, the request is answered here: a ControlError with its status, a body
 * over the cap with 413, anything else with 500.
 */
export const serve = async (
  route: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>,
  options: ServeOptions
): Promise<EmulatorServer> => {
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    // A synchronous throw (e.g. `new URL` on a path like `//`) must answer 500, not crash the emulator.
    Promise.resolve()
      .then(() => route(req, res))
      .catch((error: unknown) => {
        if (res.headersSent || res.destroyed) return
        if (error instanceof ControlError) return sendJson(res, error.status, { error: error.message })
        if (error instanceof BodyTooLarge) return sendJson(res, 413, options.tooLargeBody(error.message))
        sendJson(res, 500, { error: String(error) })
      })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const hostName = address.family === "IPv6" ? `[${address.address}]` : address.address
  return {
    url: `http://${hostName === "0.0.0.0" || hostName === "[::]" ? "127.0.0.1" : hostName}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
