/** The demo's command line. */

export interface DemoOptions {
  /** Seconds of simulation before stopping by itself; undefined = until Ctrl-C. */
  readonly duration: number | undefined
  /** No live summary; one JSON report on stdout at the end. */
  readonly json: boolean
  /** New customers per second across the three shops. */
  readonly rate: number
  /** The service's HTTP port; undefined = 8080 when free, else any free port. */
  readonly port: number | undefined
  readonly dataDir: string
  readonly help: boolean
}

export const USAGE = `npm run demo [-- options]

Runs botfleet with three demo shops against the Telegram, ZarinPal and Remnawave
emulators and an embedded PostgreSQL, with simulated customers buying plans
(card-to-card and ZarinPal) and admins reviewing receipts. Ctrl-C stops it.

  --duration <seconds>  stop by itself after this much simulation
  --json                no live summary; print a JSON report at the end
  --rate <n>            new customers per second across the shops (default 3)
  --port <n>            the service's HTTP port (default 8080, or a free one)
  --data-dir <dir>      where the demo's PostgreSQL lives (default ./.botfleet-demo)
  --help                this text
`

export class UsageError extends Error {}

const positive = (flag: string, value: string | undefined, integer: boolean): number => {
  const n = Number(value)
  if (value === undefined || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} needs a positive ${integer ? "integer" : "number"}, got ${value ?? "nothing"}`)
  }
  return n
}

export const parseOptions = (argv: ReadonlyArray<string>): DemoOptions => {
  let duration: number | undefined
  let json = false
  let rate = 3
  let port: number | undefined
  let dataDir = "./.botfleet-demo"
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.includes("=")
      ? (argv[i]!.split(/=(.*)/s, 2) as [string, string])
      : [argv[i]!, undefined]
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case "--duration":
        duration = positive(flag, value(), false)
        break
      case "--json":
        json = true
        break
      case "--rate":
        rate = positive(flag, value(), false)
        break
      case "--port":
        port = positive(flag, value(), true)
        break
      case "--data-dir": {
        const dir = value()
        if (dir === undefined || dir === "") throw new UsageError("--data-dir needs a directory")
        dataDir = dir
        break
      }
      case "--help":
      case "-h":
        help = true
        break
      default:
        throw new UsageError(`unknown option ${argv[i]}`)
    }
  }
  return { duration, json, rate, port, dataDir, help }
}
