## Customer management (the tenant's admins) and the banned customer's refusal

admin-customers-button = 👤 Customers
customer-search-prompt = Send the customer's Telegram id or @username.
customer-not-found = No customer { $query } in this shop.
customer-search-missed = No customer { $query } in this shop. Send another Telegram id or @username, or /cancel.
customer-card = 👤 { $user }
    Wallet: { $balance }
    { $state }
    Subscription: { $subscription }
    Payments:
    { $payments }
    Wallet ledger:
    { $ledger }
    Admin actions:
    { $actions }
customer-state-ok = Status: can use the shop
customer-state-banned = Status: 🚫 banned since { $date }
customer-subscription-none = none
customer-subscription-line = { $plan }, { $status }, until { $expires }
customer-subscription-trial = trial
customer-subscription-active = active
customer-subscription-ended = ended
customer-none-yet = —
customer-payment-line = { $date } · { $method } · { $amount } · { $status }
customer-method-card = card
customer-method-zarinpal = ZarinPal
customer-payment-pending = pending
customer-payment-approved = approved
customer-payment-paid = paid
customer-payment-rejected = rejected
customer-payment-failed = failed
customer-payment-cancelled = cancelled
customer-payment-expired = expired
customer-ledger-line = { $date } · { $amount } → { $balance } · { $note }
customer-action-line = { $date } · { $who }: { $what }
customer-actor-admin = admin { $admin }
customer-actor-api = API
customer-did-credit = credited { $amount } ({ $reason })
customer-did-debit = debited { $amount } ({ $reason })
customer-did-days = subscription { $days } days, until { $expires }
customer-did-grant = granted { $plan }, until { $expires }
customer-did-ban = banned
customer-did-unban = unbanned
customer-wallet-button = 👛 Adjust wallet
customer-days-button = 📅 Change days
customer-grant-button = 🎁 Grant a plan
customer-ban-button = 🚫 Ban
customer-unban-button = ✅ Unban
customer-refresh-button = 🔄 Refresh
customer-wallet-prompt = Send the amount with + to credit or − to debit, then the reason, e.g. "+50000 compensation" or "-20000 correction".
customer-wallet-invalid = Please send a signed amount and a reason, e.g. "+50000 compensation" (up to { $max } characters of reason).
customer-wallet-short = The wallet holds { $balance }: it cannot be debited { $amount }. Nothing was changed.
customer-wallet-done = Done: the wallet now holds { $balance }.
customer-days-prompt = Send the number of days to add (e.g. "+7") or to take away (e.g. "-3").
customer-days-invalid = Please send a signed number of days from 1 to { $max }, e.g. "+7" or "-3".
customer-days-none = This customer has no subscription whose days can be changed (none, or it has already ended and cannot be shortened).
customer-days-done = Done: the subscription now ends { $expires }.
customer-grant-choose = Which plan to give { $user } (free of charge)?
customer-grant-no-plans = This shop has no plan on sale.
customer-grant-done = Done: { $plan } granted until { $expires }.
customer-grant-refused = The shop's platform balance ({ $balance }) does not cover this plan's traffic ({ $required }). Nothing was granted.
customer-plan-unavailable = This plan is no longer on sale.
customer-stale = This button is out of date (the customer was changed meanwhile): nothing was done. Open the customer again to see the current card.
customer-ban-done = Banned. They will be told once and then ignored.
customer-unban-done = Unbanned. They can use the shop again.
customer-ban-unchanged = Nothing to change.
customer-banned-refusal = Sorry, this shop can no longer serve you. If you think this is a mistake, please contact the shop's support.
