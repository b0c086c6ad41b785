/**
 * A promo code's discount (src/shop/promo-codes.ts) applied to the customer's
 * next purchase, whichever way it is paid. The price is quoted with the open
 * discount; a card or ZarinPal payment keeps the discount's id
 * (promo_redemption_id), so no other sale takes it while that payment is
 * pending; the sale that completes (src/payments/purchase.ts) marks it used in
 * its own transaction. A payment that ends unpaid holds it no longer.
 */
import { Effect } from "effect"
import { openDiscount } from "../tenants/promo-codes.ts"

/** The price less `percent`, rounded in the tenant's favour (whole units). */
export const discountedPrice = (price: number, percent: number) => price - Math.floor((price * percent) / 100)

export interface Quote {
  readonly price: number
  /** The price before the discount. */
  readonly listPrice: number
  /** The discount that priced it, to pass on to the payment and the sale. */
  readonly discount: { readonly redemptionId: number; readonly percent: number } | undefined
}

/** What this customer pays for `listPrice` now. Runs in the caller's tenant transaction. */
export const quote = Effect.fn("quote")(function* (botId: number, userId: number, listPrice: number) {
  const discount = yield* openDiscount(botId, userId)
  if (!discount) return { price: listPrice, listPrice, discount: undefined } satisfies Quote
  return {
    price: discountedPrice(listPrice, discount.percent),
    listPrice,
    discount
  } satisfies Quote
})
