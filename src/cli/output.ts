/**
 * How every CLI command reports: a human line or a JSON document on stdout, and
 * on failure one clear line on stderr (with the error's stable code) and exit 1.
 */
import { Console, Effect } from "effect"

export const print = (json: boolean, data: unknown, human: () => string) =>
  Console.log(json ? JSON.stringify(data, null, 2) : human())

const describe = (error: unknown): string => {
  const e = error as { code?: unknown; message?: unknown; _tag?: unknown }
  const code = typeof e?.code === "string" ? e.code : typeof e?._tag === "string" ? e._tag : "error"
  const message = typeof e?.message === "string" && e.message.length > 0 ? e.message : String(error)
  return `error (${code}): ${message.split("\n")[0]}`
}

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
