/**
 * Payment provider callbacks, mounted on the HTTP server:
 * `GET /payments/zarinpal/callback/:botId?Authority=&Status=` answers the
 * user's browser with a short page in their language (settle.ts
 * decides what changes). The path and query are untrusted: decoded with Schema,
 * anything malformed is a 400 and reaches no database.
 */
import { Effect, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { translator } from "../../messages/i18n.ts"
import { causeSummary } from "../../logging.ts"
import { handleZarinpalCallback } from "./settle.ts"
import type { CallbackResult } from "./settle.ts"

const PathParams = Schema.Struct({
  botId: Schema.NumberFromString.check(
    Schema.isInt(),
    Schema.isGreaterThan(0),
    Schema.isLessThanOrEqualTo(Number.MAX_SAFE_INTEGER)
  )
})
const Query = Schema.Struct({
  Authority: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9]{1,64}$/)),
  Status: Schema.Literals(["OK", "NOK"])
})

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

const page = (result: CallbackResult) => {
  const t = translator(result.locale)
  const dir = result.locale === "fa" ? "rtl" : "ltr"
  const back = result.botUsername
    ? `<p><a href="https://t.me/${encodeURIComponent(result.botUsername)}">${escapeHtml(t("zarinpal-page-back"))}</a></p>`
    : ""
  const body =
    `<!doctype html><html lang="${result.locale}" dir="${dir}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(t("zarinpal-page-title"))}</title></head>` +
    `<body><h1>${escapeHtml(t(`zarinpal-page-${result.page}`))}</h1>${back}</body></html>`
  return HttpServerResponse.text(body, { status: result.status, contentType: "text/html; charset=utf-8" })
}

const badRequest = HttpServerResponse.text("bad request", { status: 400 })

export const PaymentCallbackRoutes = HttpRouter.add(
  "GET",
  "/payments/zarinpal/callback/:botId",
  Effect.gen(function* () {
    const path = yield* HttpRouter.schemaPathParams(PathParams).pipe(Effect.option)
    const query = yield* HttpServerRequest.schemaSearchParams(Query).pipe(Effect.option)
    if (path._tag === "None" || query._tag === "None") return badRequest
    const result = yield* handleZarinpalCallback(path.value.botId, query.value.Authority, query.value.Status)
    return page(result)
  }).pipe(
    Effect.catchCause((cause) =>
      Effect.logError(`ZarinPal callback failed: ${causeSummary(cause)}`).pipe(
        Effect.as(HttpServerResponse.text("temporarily unavailable", { status: 503 }))
      )
    )
  )
)
