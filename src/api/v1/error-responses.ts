/**
 * The innermost middleware: a request whose path, query or body does not
 * decode gets 400 with every offending field (Effect's default is an empty
 * 400), and an unexpected failure — a database error, a bug — gets a JSON 500
 * with a stable code, logged here with its cause.
 */
import { Cause, Effect, Layer, SchemaIssue } from "effect"
import { HttpApiError } from "effect/http-api"
import type { unhandled } from "effect/Types"
import { causeSummary } from "../../logging.ts"
import { InternalError, ValidationFailed } from "./errors.ts"
import type { FieldError } from "./errors.ts"
import { ErrorResponses } from "./middleware.ts"

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const SLOT: Record<string, FieldError["in"] | undefined> = { Params: "path", Query: "query", Payload: "body" }

const toFields = (error: HttpApiError.HttpApiSchemaError, slot: FieldError["in"]): ReadonlyArray<FieldError> =>
  formatIssues(error.cause.issue).issues.map((issue) => ({
    in: slot,
    path: (issue.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment)).join("."),
    message: issue.message
  }))

const internal = (cause: Cause.Cause<unknown>, endpoint: string): Effect.Effect<never, InternalError> =>
  Effect.logError(`API request failed: ${causeSummary(cause)}`).pipe(
    Effect.annotateLogs({ endpoint }),
    Effect.andThen(Effect.fail(InternalError.instance))
  )

export const ErrorResponsesLive = Layer.succeed(
  ErrorResponses,
  ErrorResponses.of((httpEffect, { endpoint }) =>
    httpEffect.pipe(
      Effect.catch((error): Effect.Effect<never, unhandled | ValidationFailed | InternalError> => {
        if (!HttpApiError.HttpApiSchemaError.is(error)) return Effect.fail(error)
        const slot = SLOT[error.kind]
        // Body / ResponseHeaders: our own response failed to encode. A bug, not the caller's fault.
        if (slot === undefined) return internal(Cause.fail(error), endpoint.identifier)
        return Effect.fail(ValidationFailed.of(toFields(error, slot)))
      }),
      Effect.catchDefect((defect) => internal(Cause.die(defect), endpoint.identifier))
    )
  )
)
