## متن‌های خود فروشگاه (خوش‌آمد، قوانین، پرسش‌های متداول، پشتیبانی) و مسیر اعلان‌ها

menu-rules = 📜 قوانین
menu-faq = ❓ پرسش‌های متداول
text-rules-builtin = 📜 این فروشگاه هنوز قوانین خود را به زبان شما منتشر نکرده است. اگر پرسشی دارید با پشتیبانی در تماس باشید.
text-faq-builtin = ❓ این فروشگاه هنوز پاسخ پرسش‌های متداول را به زبان شما منتشر نکرده است. اگر پرسشی دارید با پشتیبانی در تماس باشید.

admin-texts-button = 📝 متن‌ها
admin-texts-title = 📝 متن‌های فروشگاه. یکی را برای تغییر انتخاب کنید:
text-kind-welcome = 👋 خوش‌آمد
text-kind-rules = 📜 قوانین
text-kind-faq = ❓ پرسش‌های متداول
text-kind-support = 💬 پشتیبانی
admin-text-languages = { $text }: یک زبان انتخاب کنید (✅ = متن خود فروشگاه، ▫️ = متن پیش‌فرض).
admin-text-prompt = متن جدید «{ $text }» را برای { $language } در پیام بعدی بفرستید، — با قالب‌بندی خود تلگرام، یا با قالب HTML تلگرام: <b>پررنگ</b>، <i>کج</i>، <u>زیرخط</u>، <s>خط‌خورده</s>، <tg-spoiler>پنهان</tg-spoiler>، <a href="https://example.com">پیوند</a>، <code>کد</code>، <pre>بلوک</pre>، <blockquote>نقل‌قول</blockquote>. برای خود نویسه‌ها &lt; &gt; &amp; بنویسید. حداکثر ۴۰۹۶ نویسه. برای انصراف /cancel را بفرستید.
admin-text-current-custom = اکنون متن خود فروشگاه نمایش داده می‌شود (بالا).
admin-text-current-builtin = اکنون متن پیش‌فرض نمایش داده می‌شود.
admin-text-reset-button = ↩️ بازگشت به متن پیش‌فرض
admin-text-text-only = لطفاً متن را به صورت پیام متنی بفرستید.
admin-text-invalid = ⚠️ این متن قابل استفاده نیست: { $reason }
    چیزی ذخیره نشد؛ متن اصلاح‌شده را بفرستید یا /cancel.
admin-text-preview = ☝️ مشتریان آن را این‌گونه می‌بینند. ذخیره شود؟
admin-text-save-button = ✅ ذخیره
admin-text-cancel-button = ✖️ انصراف
admin-text-saved = ✅ ذخیره شد: { $text } ({ $language }).
admin-text-reset-done = ↩️ { $text } ({ $language }) دوباره متن پیش‌فرض را نشان می‌دهد.
admin-text-nothing-to-save = متنی برای ذخیره در انتظار نیست. از /admin دوباره شروع کنید.
admin-text-cancelled = چیزی تغییر نکرد.

notify-method-card = کارت به کارت
notify-method-zarinpal = زرین‌پال
notify-method-wallet = کیف پول
notify-method-admin = مدیر
notify-sale-purchase = 🛒 { $shop }: { $user } اشتراک { $plan } را به مبلغ { $amount } خرید ({ $method }).
notify-sale-renewal = 🔁 { $shop }: { $user } اشتراک { $plan } را به مبلغ { $amount } تمدید کرد ({ $method }).
notify-sale-trial = 🎁 { $shop }: { $user } دوره آزمایشی رایگان را شروع کرد.
notify-sale-top-up = 💰 { $shop }: { $user } کیف پول خود را { $amount } شارژ کرد ({ $method }).
notify-sale-referral-reward = 🤝 { $shop }: { $user } پاداش معرفی به مبلغ { $amount } دریافت کرد.
notify-summary = 📊 { $shop }: روز منتهی به { $date }
    مشتریان جدید: { $customers }
    دوره‌های آزمایشی: { $trials }
    نخستین خریدها: { $conversions }
    تمدیدها: { $renewals }
    فروش:
notify-summary-sales-line = • { $method }: { $count } ({ $amount })
notify-summary-no-sales = • هیچ
