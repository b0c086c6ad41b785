/**
 * The innermost middleware, between the caller's checks and the request's
 * decoding:
 *
 * - a body is read here first, bounded (REQUEST_BODY_MAX_BYTES → 413, a type
 *   other than JSON → 415) and its nesting counted on the text
 *   (REQUEST_JSON_MAX_DEPTH → 400) before any parser or schema recurses into it;
 * - a request whose path, query or body does not decode gets 400 with every
 *   offending field (Effect's default is an empty 400);
 * - an unexpected failure — a database error, a bug — gets a JSON 500 with a
 *   stable code, logged here with its cause; a statement the database cancelled
 *   (statement_timeout) a JSON 503.
 */
import { ByteSize, Cause, Effect, Layer, SchemaIssue } from "effect"
import { HttpIncomingMessage, HttpServerRequest } from "effect/http"
import { HttpApiError } from "effect/http-api"
import type { unhandled } from "effect/Types"
import { causeSummary } from "../../logging.ts"
import { jsonTextDepth, REQUEST_BODY_MAX_BYTES, REQUEST_JSON_MAX_DEPTH } from "../../tenants/limits.ts"
import { InternalError, PayloadTooLarge, ServiceUnavailable, UnsupportedMediaType, ValidationFailed } from "./errors.ts"
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

/** PostgreSQL's query_canceled: our statement_timeout, or a cancel we sent. */
const isCancelledStatement = (defect: unknown): boolean => {
  const e = defect as { _tag?: unknown; reason?: { cause?: { code?: unknown } } }
  return e?._tag === "SqlError" && e.reason?.cause?.code === "57014"
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"])

/** Reads and checks the body of a request whose endpoint takes one; the text stays cached for decoding. */
const checkBody: Effect.Effect<
  void,
  PayloadTooLarge | UnsupportedMediaType | ValidationFailed,
  HttpServerRequest.HttpServerRequest
> = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  if (!BODY_METHODS.has(request.method)) return
  const declared = Number(request.headers["content-length"] ?? 0)
  if (declared > REQUEST_BODY_MAX_BYTES) return yield* tooLarge
  const text = yield* request.text.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(REQUEST_BODY_MAX_BYTES)),
    Effect.catchCause(() => Effect.fail(tooLarge))
  )
  if (text.length === 0) return
  const type = (request.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase()
  if (type !== "application/json") {
    return yield* new UnsupportedMediaType({
      code: "unsupported_media_type",
      message: "send the body as application/json"
    })
  }
  if (jsonTextDepth(text, REQUEST_JSON_MAX_DEPTH) > REQUEST_JSON_MAX_DEPTH) {
    return yield* ValidationFailed.of([
      { in: "body", path: "", message: `JSON must nest at most ${REQUEST_JSON_MAX_DEPTH} levels deep` }
    ])
  }
})

const tooLarge = new PayloadTooLarge({
  code: "payload_too_large",
  message: `the request body must be at most ${REQUEST_BODY_MAX_BYTES} bytes`
})

export const ErrorResponsesLive = Layer.succeed(
  ErrorResponses,
  ErrorResponses.of((httpEffect, { endpoint }) =>
    (endpoint.payload.size > 0 ? Effect.andThen(checkBody, httpEffect) : httpEffect).pipe(
      Effect.catch(
        (
          error
        ): Effect.Effect<
          never,
          unhandled | ValidationFailed | PayloadTooLarge | UnsupportedMediaType | InternalError | ServiceUnavailable
        > => {
          if (!HttpApiError.HttpApiSchemaError.is(error)) return Effect.fail(error)
          const slot = SLOT[error.kind]
          // Body / ResponseHeaders: our own response failed to encode. A bug, not the caller's fault.
          if (slot === undefined) return internal(Cause.fail(error), endpoint.identifier)
          return Effect.fail(ValidationFailed.of(toFields(error, slot)))
        }
      ),
      Effect.catchDefect(
        (defect): Effect.Effect<never, InternalError | ServiceUnavailable> =>
          isCancelledStatement(defect)
            ? Effect.logWarning(`API request's statement cancelled: ${causeSummary(Cause.die(defect))}`).pipe(
                Effect.annotateLogs({ endpoint: endpoint.identifier }),
                Effect.andThen(Effect.fail(ServiceUnavailable.database))
              )
            : internal(Cause.die(defect), endpoint.identifier)
      )
    )
  )
)
