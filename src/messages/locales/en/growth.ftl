## Growth: promo codes and the referral program (issue 19)

menu-promo = 🎟 Promo code
menu-invite = 👥 Invite friends
tx-promo = promo code
tx-referral = referral reward

promo-ask = Send your promo code.
promo-credited = 🎉 Promo code accepted: { $amount } added to your wallet. Balance: { $balance }.
promo-extended = 🎉 Promo code accepted: { $days } extra days. Your subscription now ends on { $date }.
promo-discount = 🎉 Promo code accepted: { $percent }% off your next purchase.
promo-trial = 🎉 Promo code accepted: a trial of { $plan } until { $date }. Your link follows shortly.
promo-discount-applied = 🎟 Your { $percent }% promo discount: { $full } → { $price }
promo-refused-unknown = ❌ This promo code does not exist.
promo-refused-disabled = ❌ This promo code has been turned off.
promo-refused-not-started = ❌ This promo code is not valid yet.
promo-refused-expired = ❌ This promo code has expired.
promo-refused-used-up = ❌ This promo code has been used up.
promo-refused-already-redeemed = ❌ You have already used this promo code.
promo-refused-first-purchase-only = ❌ This promo code is only for a first purchase.
promo-refused-no-subscription = ❌ This promo code adds days to an active subscription, and you have none.
promo-refused-has-subscription = ❌ This trial code is for new customers without a subscription.
promo-refused-plan-unavailable = ❌ The plan of this promo code is no longer available.
promo-refused-discount-waiting = ❌ You already have a discount waiting for your next purchase.

invite-summary = 👥 Invite friends and earn { $percent }% of their purchases in your wallet.
    Your link: { $link }
    Friends invited: { $invited }
    Earned: { $earned }

admin-promo-button = 🎟 Promo codes
admin-promo-title = 🎟 Promo codes (newest first):
admin-promo-none = There are no promo codes yet.
admin-promo-line = { $state } { $code }: { $kind } { $value } · used { $used }/{ $max } · until { $until }
admin-promo-kind-credit = credit
admin-promo-kind-days = extra days
admin-promo-kind-discount = discount
admin-promo-kind-trial = trial
admin-promo-days = { $days } days
admin-promo-plan = of plan #{ $plan }
admin-promo-on = 🟢
admin-promo-off = ⚪️
admin-promo-new-button = ➕ New code
admin-promo-ask = Send the new code on one line:
    CODE kind value [uses=N] [days=N] [from=YYYY-MM-DD] [until=YYYY-MM-DD] [first]
    kind: credit (value = amount), days (value = days), discount (value = percent), trial (value = plan id).
    Example: SPRING discount 20 uses=100 until=2026-12-31
admin-promo-invalid = ❌ Not a valid code: { $reason }. Send it again, or /cancel.
admin-promo-created = ✅ Promo code { $code } created.
admin-promo-not-found = This promo code does not exist.
admin-promo-disabled = { $code } turned off.
