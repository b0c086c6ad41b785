## Admins

admin-receipt = 🧾 New card payment receipt
    Tracking: { $tracking }
    Amount: { $amount }
    User: { $user }
    For: { $purpose }
    Card: ending { $card }
    Receipt text: { $text }
admin-receipt-topup = wallet top-up
review-approve-button = ✅ Approve
review-reject-button = ❌ Reject
review-not-admin = Only this shop's admins can do this.
review-not-found = This payment was not found.
review-already = This payment was already reviewed ({ $status }).
status-pending = pending
status-submitted = receipt already sent
status-approved = approved
status-rejected = rejected
status-cancelled = cancelled
status-expired = expired
review-approved-answer = Approved ✅
review-approved-note = ✅ { $tracking } approved by { $admin }.
review-reason-prompt = Send the reason for rejecting { $tracking } as your next message, or reject it without a reason:
review-reject-no-reason-button = ❌ Reject without a reason
review-reason-text-only = Please send the reason as text.
review-rejected-answer = Rejected ❌
review-rejected-note = ❌ { $tracking } rejected by { $admin }.
admin-menu = 🛠 { $shop } admin panel
admin-pending-button = 📥 Pending receipts
admin-sales-button = 📊 Today's sales
admin-cards-button = 💳 Cards
admin-no-pending = No receipts are waiting for review.
admin-pending-title = 📥 Receipts waiting for review:
admin-pending-line = { $tracking }: { $amount }
    { $user }, { $submitted }
    { $text }
admin-sales = 📊 Today
    Sales: { $sales } ({ $amount })
    Card top-ups: { $card }
    Online top-ups: { $zarinpal }
    New users: { $users }
    Receipts waiting: { $pending }
admin-no-cards = This shop has no cards yet.
admin-cards-title = 💳 Cards (tap to turn on or off):
admin-card-line = { $card } ({ $holder }): { $state }, { $uses } approved payments
admin-card-on = on
admin-card-off = off
admin-card-not-found = This card was not found.
admin-ticket = 🎫 Ticket #{ $ticket } from { $user }:
    { $text }
    (Reply to this message to answer.)
alert-sale-refused = ⚠️ { $shop }: a sale of { $plan } to user { $user } was refused because the platform wallet balance ({ $balance }) does not cover its cost ({ $required }). Please top up the shop's wallet.
alert-low-balance = ⚠️ { $shop }: the platform wallet balance is low ({ $balance }, below { $threshold }). Please top it up to keep selling.
alert-provision-failed = ⚠️ { $shop }: subscription { $subscription } could not be created in the VPN panel ({ $reason }). The user has paid; please check.
alert-zarinpal-failed = ⚠️ { $shop }: online payment { $payment } failed ({ $reason }).


## Admins: plans and their squads

admin-plans-button = 📦 Plans
admin-plans-title = 📦 Plans — tap one to change it:
admin-no-plans = There are no plans yet: add them through the REST API.
admin-plan-card = 📦 { $name }
    { $days } days · { $traffic } · { $devices } device(s) · { $price }
    { $state }
    Squads: { $squads }

    Tap a squad to give it to this plan's buyers or take it away: new sales and renewals get it.
admin-plan-on-sale = 🟢 On sale
admin-plan-off-sale = ⚪️ Not on sale
admin-plan-stop-selling = ⏸ Stop selling
admin-plan-sell-again = ▶️ Sell again
admin-plan-squads-default = the shop's default squads
admin-plan-no-known-squads = The panel's squads are not known yet: the panel sync reads them every few minutes.
admin-plan-back = « Plans
admin-plan-not-found = This plan no longer exists.
admin-squad-unknown = This squad is not on the panel (any more).
admin-squad-too-many = A plan can have at most { $max } squads.
