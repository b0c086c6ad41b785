## Start, menu and general

welcome = Welcome to { $shop }, { $name }!
    Choose what you need from the menu below.
menu-buy = 🛒 Buy a plan
menu-subscription = 📱 My subscription
menu-wallet = 👛 Wallet
menu-support = 💬 Support
menu-language = 🌐 Language
unknown-command = I don't know that command. Send /start to see the menu.
use-menu = Please use the menu below.
button-expired = This button is no longer valid.
flow-cancelled = Cancelled. What would you like to do next?
language-choose = Choose your language:
language-set = Your language is now English.
currency-name = { $currency ->
    [IRT] toman
    [IRR] rial
   *[other] { $currency }
}

## Plans and purchase

plans-empty = There are no plans for sale right now. Please check back later.
plans-title = 🛒 Our plans:
plan-line = 🔹 { $name }: { $days } days, { $traffic }, { $devices } device(s) — { $price }
traffic-unlimited = unlimited traffic
traffic-gb = { $gb } GB
traffic-used-of = { $used } used of { $limit }
plan-unavailable = This plan is no longer available.
wallet-balance-line = 👛 Your wallet balance: { $balance }
choose-method = How would you like to pay?
no-payment-method = No payment method is available for this amount right now. Please contact support.
method-card = 💳 Card transfer
method-zarinpal = 🌐 Online payment (ZarinPal)
method-wallet = 👛 From my wallet
method-unavailable = This payment method is not available.
confirm-purchase = Please confirm your order:
    Plan: { $plan }
    Price: { $price }
    Payment: { $method }
confirm-button = ✅ Confirm
back-button = ⬅️ Back

## Card-to-card

card-payment-instructions = 💳 Please transfer exactly { $amount } to this card:
    Card number: { $card }
    Card holder: { $holder }
    Bank: { $bank }
    Tracking number: { $tracking }
    Deadline: { $deadline } ({ $minutes } minutes)
    Then send the receipt here: a photo of it, the transfer details as text, or both.
card-payment-cancel-button = ✖️ Cancel this payment
payment-pending-exists = You already have a pending card payment ({ $tracking }). Please wait until it is reviewed, or cancel it first.
amount-out-of-range = The amount must be between { $min } and { $max }.
card-unavailable = Card payments are not available right now. Please try another method or contact support.
payment-cancelled = Payment { $tracking } was cancelled.
payment-cancel-too-late = This payment can no longer be cancelled.
receipt-invalid = Please send the receipt as a photo or as text (stickers, files and other messages are not accepted).
receipt-no-pending = There is no payment waiting for a receipt.
payment-expired = The time for this payment has run out. Please start a new one if you still want to pay.
receipt-received = ✅ Receipt received for { $tracking }. We will let you know as soon as it is reviewed.
receipt-saved = 📝 Receipt saved for { $tracking }, but the shop's admins could not be reached yet. We keep trying and will let you know as soon as it is reviewed.
payment-rejected = ❌ Your payment { $tracking } was rejected.
    Reason: { $reason }
payment-rejected-no-reason = ❌ Your payment { $tracking } was rejected. Please contact support if you think this is a mistake.

## Money in, purchase results

payment-credited = ✅ Your payment of { $amount } was received and added to your wallet.
    Wallet balance: { $balance }
purchase-paid = ✅ Your payment of { $amount } was received and your { $plan } plan is active until { $expires }.
    Your subscription link is on its way.
purchase-refused-kept = ⚠️ Your payment of { $amount } was received, but the shop cannot complete the { $plan } purchase right now. The money is safe in your wallet; please contact support.
purchase-completed = ✅ You bought { $plan } for { $price }. It is active until { $expires }.
    Wallet balance: { $balance }
    Your subscription link is on its way.
purchase-refused = ⚠️ The shop cannot complete the { $plan } purchase right now. Nothing was taken from your wallet; please try again later or contact support.
wallet-insufficient = Your wallet balance ({ $balance }) does not cover { $price }.
wallet-insufficient-short = Your wallet balance is not enough.

## ZarinPal

zarinpal-preparing = ⏳ Preparing your payment link…
zarinpal-pay-link = 🌐 Pay { $amount } online with the button below before { $deadline }.
zarinpal-pay-button = 💳 Pay now
zarinpal-unavailable = ⚠️ Online payment is not available right now. Please try again later or use another method.
zarinpal-cancelled = Your online payment was cancelled.
zarinpal-failed = ⚠️ Your online payment could not be verified. If money left your account, please contact support.
zarinpal-page-title = Payment
zarinpal-page-paid = ✅ Payment successful. You can go back to the bot.
zarinpal-page-cancelled = Payment cancelled.
zarinpal-page-not-paid = The payment has not been completed.
zarinpal-page-failed = The payment could not be verified. Please contact support.
zarinpal-page-unavailable = We could not verify the payment right now. Please reload this page in a minute.
zarinpal-page-not-found = Unknown payment.
zarinpal-page-expired = This payment has expired.
zarinpal-page-back = Back to the bot

## Subscription

subscription-ready = 🎉 Your subscription is ready! It is valid until { $expires }.
    Your link: { $link }
subscription-extended = 🎉 Your subscription was extended until { $expires }.
    Your link: { $link }
subscription-none = You don't have a subscription yet.
subscription-info = 📱 Your subscription
    Plan: { $plan }
    Status: { $status }
    Valid until: { $expires } ({ $days } days left)
    Traffic: { $traffic }
    Devices: { $devices }
    Link: { $link }
subscription-status-active = active ✅
subscription-status-expired = expired ⛔️
subscription-link-pending = being prepared…
subscription-renew-button = 🔄 Renew or change plan
subscription-renew-same = 🔄 Renew { $plan }

## Wallet

wallet-summary = 👛 Your wallet balance: { $balance }
wallet-topup-button = ➕ Top up
wallet-history-button = 📜 History
history-empty = No transactions yet.
history-title = 📜 Your latest transactions:
history-line = { $date }: { $amount } ({ $type }), balance { $balance }
tx-deposit = top-up
tx-purchase = purchase
tx-refund = refund
tx-adjustment = adjustment
topup-ask = How much would you like to add? Send an amount between { $min } and { $max }.
topup-invalid = Please send a number between { $min } and { $max }.
topup-choose-method = How would you like to pay { $amount }?
topup-description = wallet top-up

## Support

support-contact = 💬 Contact support: { $username }
support-ticket-hint = Or write to us here and we will answer in this chat.
support-ticket-button = ✉️ Write to support
support-unavailable = Support is not available right now.
ticket-ask = Write your message in one text message:
ticket-text-only = Please write your message as text.
ticket-sent = ✅ Your message was sent (ticket #{ $ticket }). We will answer here.
ticket-reply = 💬 Support (ticket #{ $ticket }):
    { $text }
ticket-reply-sent = ✅ Sent to the user (ticket #{ $ticket }).
ticket-reply-failed = ⚠️ The reply could not be delivered to the user.

