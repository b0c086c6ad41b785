/**
 * What each emulator's `main.ts` does around starting it: reading the
 * command-line flags and stopping on SIGINT/SIGTERM.
 */

/** `--port 8080 --host 0.0.0.0` (or `--port=8080`) from argv. */
export const parseFlags = (argv: ReadonlyArray<string>): Record<string, string> => {
  const flags: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith("--")) continue
    const eq = arg.indexOf("=")
    if (eq > 0) {
      flags[arg.slice(2, eq)] = arg.slice(eq + 1)
    } else {
      const next = argv[i + 1]
      if (next !== undefined && !next.startsWith("--")) {
        flags[arg.slice(2)] = next
        i++
      } else {
        flags[arg.slice(2)] = "true"
      }
    }
  }
  return flags
}

/** Where to listen: `--port` (default 0, any free port) and `--host` (default 127.0.0.1). */
export const listenFlags = (flags: Record<string, string>): { port: number; host: string } => ({
  port: flags.port === undefined ? 0 : Number(flags.port),
  host: flags.host ?? "127.0.0.1"
})

/** Closes the emulator on SIGINT or SIGTERM, then exits (1 when closing failed). */
export const closeOnSignals = (emulator: { close(): Promise<void> }): void => {
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}
