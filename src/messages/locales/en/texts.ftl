## The tenant's own texts (welcome, rules, FAQ, support) and notification routing

menu-rules = 📜 Rules
menu-faq = ❓ FAQ
text-rules-builtin = 📜 This shop has not published its rules in your language yet. Please ask support if you have a question.
text-faq-builtin = ❓ This shop has not published answers in your language yet. Please ask support if you have a question.

admin-texts-button = 📝 Texts
admin-texts-title = 📝 The shop's texts. Pick one to change it:
text-kind-welcome = 👋 Welcome
text-kind-rules = 📜 Rules
text-kind-faq = ❓ FAQ
text-kind-support = 💬 Support
admin-text-languages = { $text }: pick a language (✅ = the shop's own text, ▫️ = the built-in text).
admin-text-prompt = Send the new { $text } text for { $language } as your next message, — formatted with Telegram's own editor, or in Telegram HTML: <b>bold</b>, <i>italic</i>, <u>underline</u>, <s>strikethrough</s>, <tg-spoiler>spoiler</tg-spoiler>, <a href="https://example.com">link</a>, <code>code</code>, <pre>block</pre>, <blockquote>quote</blockquote>. Write &lt; &gt; &amp; for the characters themselves. At most 4096 characters. Send /cancel to stop.
admin-text-current-custom = Now the shop's own text is shown (above).
admin-text-current-builtin = Now the built-in text is shown.
admin-text-reset-button = ↩️ Reset to the built-in text
admin-text-text-only = Please send the text as a text message.
admin-text-invalid = ⚠️ This text cannot be used: { $reason }
    Nothing was saved; send a corrected text, or /cancel.
admin-text-preview = ☝️ This is how customers will see it. Save it?
admin-text-save-button = ✅ Save
admin-text-cancel-button = ✖️ Cancel
admin-text-saved = ✅ Saved: { $text } ({ $language }).
admin-text-reset-done = ↩️ { $text } ({ $language }) shows the built-in text again.
admin-text-nothing-to-save = There is no text waiting to be saved. Start again from /admin.
admin-text-cancelled = Nothing was changed.

notify-method-card = card transfer
notify-method-zarinpal = ZarinPal
notify-method-wallet = wallet
notify-method-admin = admin
notify-sale-purchase = 🛒 { $shop }: { $user } bought { $plan } for { $amount } ({ $method }).
notify-sale-renewal = 🔁 { $shop }: { $user } renewed { $plan } for { $amount } ({ $method }).
notify-sale-trial = 🎁 { $shop }: { $user } started the free trial.
notify-sale-top-up = 💰 { $shop }: { $user } topped up their wallet with { $amount } ({ $method }).
notify-sale-referral-reward = 🤝 { $shop }: { $user } earned a referral reward of { $amount }.
notify-summary = 📊 { $shop }: the day up to { $date }
    New customers: { $customers }
    Trials: { $trials }
    First purchases: { $conversions }
    Renewals: { $renewals }
    Sales:
notify-summary-sales-line = • { $method }: { $count } ({ $amount })
notify-summary-no-sales = • none
