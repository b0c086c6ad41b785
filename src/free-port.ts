/** A TCP port free right now on `host` (RUNNER_PORT=0, worker ports, the embedded PostgreSQL, tests and the bench). */
import { Effect } from "effect"
import * as net from "node:net"

export const freePort = (host = "127.0.0.1") =>
  Effect.callback<number, Error>((resume) => {
    const server = net.createServer()
    server.once("error", (e) => resume(Effect.fail(e)))
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() =>
        resume(
          typeof address === "object" && address ? Effect.succeed(address.port) : Effect.fail(new Error("no free port"))
        )
      )
    })
  })
