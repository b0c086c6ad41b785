/**
 * HTTP_PORT and METRICS_PORT of a pod run by worker processes: the parent answers
 * the probes and the scrape itself, and passes everything else on HTTP_PORT
 * (tenant API, payment callbacks, webhooks) to a ready worker, round robin.
 *
 * - `/healthz`: the parent answers (a worker that dies is restarted by the
 *   parent; the pod need not be).
 * - `/readyz`: 200 while not stopping and at least one worker is ready. One
 *   crashed worker must not make the pod unready: with RUNNER_HEALTH=k8s an
 *   unready pod counts as a dead runner, which would move every worker's bots.
 * - `/metrics`, on METRICS_PORT only: every worker's series, labelled `worker`,
 *   one HELP/TYPE each.
 */
import * as http from "node:http"
import { Effect } from "effect"
import type { Scope } from "effect"
import { mergeMetrics } from "./prometheus-merge.ts"
import type { Worker } from "./worker-processes.ts"

const SCRAPE_TIMEOUT_MS = 5_000
const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"

export interface ParentHttpOptions {
  readonly port: number
  readonly metricsPort: number
  readonly workers: ReadonlyArray<Worker>
  readonly isStopping: () => boolean
}

const scrape = async (worker: Worker): Promise<{ worker: string; text: string } | undefined> => {
  if (worker.metricsPort === undefined || worker.pid === undefined) return undefined
  try {
    const res = await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`, {
      signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS)
    })
    return res.ok ? { worker: String(worker.index), text: await res.text() } : undefined
  } catch {
    return undefined
  }
}

const listen = (port: number, handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) =>
  Effect.acquireRelease(
    Effect.callback<http.Server, Error>((resume) => {
      const server = http.createServer((req, res) => {
        handle(req, res).catch(() => {
          if (!res.headersSent) res.writeHead(500)
          res.end()
        })
      })
      server.once("error", (e) => resume(Effect.fail(e)))
      server.listen(port, () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  ).pipe(
    Effect.map((server) => {
      const address = server.address()
      return typeof address === "object" && address ? address.port : port
    })
  )

/** Serves both ports; resolves with the bound HTTP and metrics ports. */
export const serveParentHttp = (
  options: ParentHttpOptions
): Effect.Effect<{ readonly http: number; readonly metrics: number }, Error, Scope.Scope> => {
  let next = 0
  const pickWorker = (): Worker | undefined => {
    const ready = options.workers.filter((w) => w.ready && w.httpPort !== undefined)
    if (ready.length === 0) return undefined
    return ready[next++ % ready.length]
  }

  const proxy = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const worker = pickWorker()
    if (!worker) {
      res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: "no worker is ready" }))
      return
    }
    const forwardedFor = [req.headers["x-forwarded-for"], req.socket.remoteAddress].filter(Boolean).join(", ")
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: worker.httpPort,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, "x-forwarded-for": forwardedFor }
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" })
      res.end(res.headersSent ? undefined : JSON.stringify({ error: "worker did not answer" }))
    })
    req.pipe(upstream)
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]
    if (req.method === "GET" && path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok")
    } else if (req.method === "GET" && path === "/readyz") {
      const workers = options.workers.map((w) => ({
        worker: w.index,
        pid: w.pid ?? null,
        ready: w.ready,
        restarts: w.restarts
      }))
      const ready = !options.isStopping() && options.workers.some((w) => w.ready)
      res
        .writeHead(ready ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ ready, checks: { accepting: !options.isStopping() }, workers }))
    } else {
      proxy(req, res)
    }
  }

  const handleMetrics = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]
    if (req.method === "GET" && path === "/metrics") {
      const texts = (await Promise.all(options.workers.map(scrape))).filter((t) => t !== undefined)
      res.writeHead(200, { "content-type": PROMETHEUS_TEXT }).end(mergeMetrics(texts))
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found")
    }
  }

  return Effect.all({ http: listen(options.port, handle), metrics: listen(options.metricsPort, handleMetrics) })
}
