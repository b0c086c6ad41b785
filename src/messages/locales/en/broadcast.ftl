## Broadcasts: the admin composes, previews and confirms; customers get the message

admin-broadcast-button = 📣 Broadcast
broadcast-ask-content = 📣 Send the message for your customers: a text, or a photo with a caption. Formatting is kept. /cancel stops.
broadcast-content-unsupported = Only a text or a photo with a caption can be broadcast. Send one, or /cancel.
broadcast-too-long = Too long: at most { $max } characters (a photo's caption: 1,024). Send a shorter one, or /cancel.
broadcast-ask-button = Add a button under the message?
broadcast-button-none = No button
broadcast-button-menu = 🛍 “Open the menu”
broadcast-button-url = 🔗 A link
broadcast-ask-url = Send the button as its label and link: Label | https://example.com
broadcast-url-invalid = Send it as Label | https://link (a label of up to 64 characters, an http(s) link).
broadcast-ask-segment = Who should get it?
broadcast-segment-all = All customers
broadcast-segment-active = Active subscribers
broadcast-segment-expired = Expired subscriptions
broadcast-segment-never_bought = Never bought
broadcast-segment-trial = Trial users
broadcast-preview = ⬆️ This is how your customers will see it.
broadcast-confirm = 📣 { $segment }: { $count } customers will get it ({ $blocked } who blocked the bot are skipped). Send it now?
broadcast-send-button = ✅ Send
broadcast-discard-button = ✖️ Discard
broadcast-discarded = Broadcast discarded.
broadcast-empty = No customer of this segment can be reached.
broadcast-busy = A broadcast is still being sent: wait for it to finish or stop it.
broadcast-draft-gone = This draft is gone: start again from /admin.
broadcast-progress = 📣 Broadcast #{ $id } is being sent…
    Sent: { $sent } · Blocked: { $blocked } · Failed: { $failed }
    Left: { $left } of { $total }
broadcast-report = 📣 Broadcast #{ $id } finished.
    Sent: { $sent } · Blocked: { $blocked } · Failed: { $failed } (of { $total })
broadcast-report-cancelled = 📣 Broadcast #{ $id } was stopped.
    Sent: { $sent } · Blocked: { $blocked } · Failed: { $failed } · Not sent: { $left } (of { $total })
broadcast-stop-button = ⏹ Stop the broadcast
broadcast-stopped = Broadcast stopped.
broadcast-not-running = This broadcast is no longer being sent.
broadcast-menu-button = 🛍 Open the menu
