/** The emulator's "bank": a tiny StartPay page with a pay and a cancel link. */
import type { PaymentView } from "./gateway.ts"

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

export const bankPage = (payment: PaymentView, startPayPath: string): string => {
  const unit = payment.currency === "IRT" ? "toman" : "rial"
  const decided = payment.state !== "pending"
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ZarinPal emulator — payment ${escapeHtml(payment.authority)}</title></head>
<body>
<h1>ZarinPal emulator${payment.sandbox ? " (sandbox)" : ""}</h1>
<p>Authority: <code>${escapeHtml(payment.authority)}</code></p>
<p>Amount: ${payment.amount.toLocaleString("en-US")} ${unit}</p>
<p>Description: ${escapeHtml(payment.description)}</p>
<p>State: <strong>${payment.state}</strong></p>
${decided ? "<p>This payment has already been decided; either link returns to the merchant.</p>" : ""}
<p><a id="pay" href="${escapeHtml(startPayPath)}?outcome=pay">Pay</a> · <a id="cancel" href="${escapeHtml(startPayPath)}?outcome=cancel">Cancel</a></p>
</body>
</html>
`
}

export const notFoundPage = (authority: string): string => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ZarinPal emulator — not found</title></head>
<body><h1>Payment not found</h1><p>No payment with authority <code>${escapeHtml(authority)}</code>.</p></body>
</html>
`
