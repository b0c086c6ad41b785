/**
 * `botfleet emulator telegram|zarinpal|remnawave --port P`: the project's own
 * stand-ins for the external APIs, for demos and benchmarks on a machine
 * without internet. Each runs until SIGINT/SIGTERM.
 */
import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"

const port = Flag.Int("port").pipe(Flag.withDescription("TCP port (0 picks a free one)"), Flag.withDefault(0))
const host = Flag.String("host").pipe(Flag.withDescription("Interface to listen on"), Flag.withDefault("127.0.0.1"))

interface Running {
  readonly url: string
  close(): Promise<void>
}

const serve = (name: string, start: (options: { port: number; host: string }) => Promise<Running>) =>
  Command.make(name, { port, host }, (options) =>
    Effect.acquireUseRelease(
      Effect.promise(() => start(options)),
      (emulator) => Console.log(`${name} emulator listening on ${emulator.url}`).pipe(Effect.andThen(Effect.never)),
      (emulator) => Effect.promise(() => emulator.close())
    )
  ).pipe(Command.withDescription(`Run the ${name} API emulator`))

export const emulatorCommand = Command.make("emulator").pipe(
  Command.withDescription("Run one of the API emulators"),
  Command.withSubcommands([
    serve("telegram", async (o) => (await import("../emulators/telegram/index.ts")).startTelegramEmulator(o)),
    serve("zarinpal", async (o) => (await import("../emulators/zarinpal/index.ts")).startZarinpalEmulator(o)),
    serve("remnawave", async (o) => (await import("../emulators/remnawave/index.ts")).startRemnawaveEmulator(o))
  ])
)
