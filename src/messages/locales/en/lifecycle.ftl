## Free trial

menu-trial = 🎁 Free trial
trial-granted = 🎁 Your free trial has started: { $days } days, { $traffic }, { $devices } devices. Your link follows in a moment.
trial-unavailable = The free trial is not available to you: it is given once, and only before a first purchase.

## Expiry reminders

subscription-expiring = ⏰ Your subscription ends on { $expires } (in { $days } days or less). Renew now to keep your connection.
subscription-expired-now = ⛔️ Your subscription ended on { $expires }. Renew to connect again; your link stays the same.
subscription-expired-reminder = ⛔️ Your subscription ended { $days } days ago ({ $expires }). Renew to connect again; your link stays the same.

## Auto-renewal

auto-renewed = 🔄 Your subscription ({ $plan }) was renewed automatically from your wallet: { $amount } paid, valid until { $expires }. Wallet balance: { $balance }.
auto-renew-low-balance = ⚠️ Auto-renewal could not renew your subscription: it costs { $price } and your wallet has { $balance }. Please add { $shortfall } before { $expires }.
auto-renew-status = Auto-renewal from the wallet: { $state }
auto-renew-on = on ✅
auto-renew-off = off
auto-renew-turn-on = 🔄 Turn auto-renewal on
auto-renew-turn-off = ⏸ Turn auto-renewal off
auto-renew-set-on = Auto-renewal is on: your subscription renews from your wallet before it ends.
auto-renew-set-off = Auto-renewal is off.
alert-panel-drift = ⚠️ { $shop }: the VPN panel shows subscriptions { $drift } outside the bot: { $users }. Nothing was changed; please check the panel.
panel-drift-deleted = deleted
panel-drift-disabled = disabled

## Devices

devices-reset-button = 🧹 Reset devices
devices-reset-queued = Resetting your devices…
devices-reset-done = 🧹 Your devices were reset: connect the ones you use again with your link.
subscription-qr-button = 📷 QR code
subscription-qr-caption = Scan this code in your VPN app to add your subscription.
devices-connected-of = { $used } of { $limit } connected
