/**
 * How every CLI command reports: a human line or a JSON document on stdout, and
 * on failure one clear line on stderr (with the error's stable code) and exit 1.
 */
import { Console, Effect } from "effect"
import type { CliError } from "effect/cli"
import { CliOutput } from "effect/cli"
import { stripControlCharacters } from "../tenants/limits.ts"

/**
 * A stored value (a tenant's name, a runtime error) as one printable field: its
 * control characters (ESC, CR, LF, …) become `?`, so a hostile name can neither
 * forge rows nor drive the operator's terminal.
 */
export const field = (value: string): string => stripControlCharacters(value)

/** Human output line by line, each line's control characters replaced; JSON escapes them itself. */
export const print = (json: boolean, data: unknown, human: () => string) =>
  Console.log(json ? JSON.stringify(data, null, 2) : human().split("\n").map(field).join("\n"))

const describe = (error: unknown): string => {
  const e = error as { code?: unknown; message?: unknown; _tag?: unknown }
  const code = typeof e?.code === "string" ? e.code : typeof e?._tag === "string" ? e._tag : "error"
  const message = typeof e?.message === "string" && e.message.length > 0 ? e.message : String(error)
  return field(`error (${code}): ${message.split("\n")[0]}`)
}

const usageLine = (commandPath: ReadonlyArray<string>, problem: string) =>
  field(`error (usage): ${problem}; see \`${commandPath.join(" ")} --help\``)

const firstLine = (error: CliError.CliError) => (error.message.split("\n").find((l) => l.trim() !== "") ?? "").trim()

/**
 * Misuse (an unknown subcommand, a missing flag, a bad value, a group without
 * its subcommand) is one line on stderr, as README says, not the whole help on
 * stdout; `--help` and `--version` still print in full.
 */
export const OneLinePresenter = CliOutput.layerPresenter({
  present: (event) => {
    switch (event._tag) {
      case "InvalidInvocation":
        return Console.error(usageLine(event.commandPath, event.errors.map(firstLine).join("; ")))
      case "Help":
        return event.reason === "Requested"
          ? Console.log(CliOutput.defaultFormatter({ colors: false }).formatHelpDoc(event.helpDoc))
          : Console.error(usageLine(event.commandPath, "a subcommand is required")).pipe(
              Effect.andThen(
                Effect.sync(() => {
                  process.exitCode = 1
                })
              )
            )
      case "Version":
        return Console.log(`${event.name} ${event.version}`)
    }
  }
})

/** A failure already printed for the operator; main.ts exits 1 without printing it again. */
export class Reported extends Error {}

/** Runs a command body; a failure becomes one stderr line and exit code 1. */
export const reportFailure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.catchCause((cause) =>
      Effect.gen(function* () {
        const failure = cause.reasons.find((r) => r._tag === "Fail" || r._tag === "Die")
        const error = failure?._tag === "Fail" ? failure.error : failure?._tag === "Die" ? failure.defect : cause
        yield* Console.error(describe(error))
        return yield* Effect.die(new Reported())
      })
    )
  )
