/**
 * A TCP proxy in front of PostgreSQL that a test can cut, to cut one runner off
 * from the database while everything else keeps working. (In front of the
 * Telegram emulator, one per runner, it tells the emulator's clients apart:
 * `carries`.)
 *
 * - `reset`: every connection is destroyed at once and new ones are refused
 *   (the server sees the sessions end and drops their advisory locks at once:
 *   the harsher case for "stop before anyone else starts").
 * - `blackhole`: connections stay open but nothing passes, new ones hang (a
 *   network partition: the server keeps the sessions until they time out).
 */
import * as net from "node:net"

export interface TcpProxy {
  readonly port: number
  /** Whether this proxy's open connection to the target leaves from this local port (who a server's client is). */
  readonly carries: (localPort: number | undefined) => boolean
  readonly cut: (mode: "reset" | "blackhole") => void
  readonly restore: () => void
  readonly close: () => Promise<void>
}

export const startTcpProxy = async (target: { host: string; port: number }): Promise<TcpProxy> => {
  let mode: "open" | "reset" | "blackhole" = "open"
  const pairs = new Set<[net.Socket, net.Socket]>()
  const server = net.createServer((client) => {
    if (mode === "reset") {
      client.destroy()
      return
    }
    const upstream = net.connect(target)
    const pair: [net.Socket, net.Socket] = [client, upstream]
    pairs.add(pair)
    const forget = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on("error", forget).on("close", forget)
    // In a partition the client does not hear the server hang up either.
    upstream.on("error", () => (mode === "blackhole" ? upstream.destroy() : forget()))
    upstream.on("close", () => (mode === "blackhole" ? undefined : forget()))
    client.on("data", (chunk) => {
      if (mode === "open") upstream.write(chunk)
    })
    upstream.on("data", (chunk) => {
      if (mode === "open") client.write(chunk)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address() as net.AddressInfo
  return {
    port: address.port,
    carries: (localPort) => {
      if (localPort === undefined) return false
      for (const [, upstream] of pairs) if (upstream.localPort === localPort) return true
      return false
    },
    cut: (next) => {
      mode = next
      if (next === "reset") {
        for (const [client, upstream] of pairs) {
          client.destroy()
          upstream.destroy()
        }
        pairs.clear()
      }
    },
    restore: () => {
      // Connections that were black-holed are out of step with the server: end them.
      if (mode === "blackhole") {
        for (const [client, upstream] of pairs) {
          client.destroy()
          upstream.destroy()
        }
        pairs.clear()
      }
      mode = "open"
    },
    close: () =>
      new Promise((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy()
          upstream.destroy()
        }
        server.close(() => resolve())
      })
  }
}
