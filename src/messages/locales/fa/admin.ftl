## مدیران

admin-receipt = 🧾 رسید جدید کارت به کارت
    کد پیگیری: { $tracking }
    مبلغ: { $amount }
    کاربر: { $user }
    بابت: { $purpose }
    کارت: پایان { $card }
    متن رسید: { $text }
admin-receipt-topup = افزایش موجودی کیف پول
review-approve-button = ✅ تأیید
review-reject-button = ❌ رد
review-not-admin = فقط مدیران این فروشگاه می‌توانند این کار را انجام دهند.
review-not-found = این پرداخت پیدا نشد.
review-already = این پرداخت قبلاً بررسی شده است ({ $status }).
status-pending = در انتظار
status-submitted = رسید قبلاً ارسال شده
status-approved = تأیید شده
status-rejected = رد شده
status-cancelled = لغو شده
status-expired = منقضی
review-approved-answer = تأیید شد ✅
review-approved-note = ✅ { $tracking } توسط { $admin } تأیید شد.
review-reason-prompt = دلیل رد { $tracking } را در پیام بعدی بفرستید، یا بدون دلیل رد کنید:
review-reject-no-reason-button = ❌ رد بدون دلیل
review-reason-text-only = لطفاً دلیل را به صورت متن بفرستید.
review-rejected-answer = رد شد ❌
review-rejected-note = ❌ { $tracking } توسط { $admin } رد شد.
admin-menu = 🛠 پنل مدیریت { $shop }
admin-pending-button = 📥 رسیدهای در انتظار
admin-sales-button = 📊 فروش امروز
admin-cards-button = 💳 کارت‌ها
admin-no-pending = رسیدی در انتظار بررسی نیست.
admin-pending-title = 📥 رسیدهای در انتظار بررسی:
admin-pending-line = { $tracking }: { $amount }
    { $user }، { $submitted }
    { $text }
admin-sales = 📊 امروز
    فروش: { $sales } ({ $amount })
    افزایش موجودی کارتی: { $card }
    افزایش موجودی آنلاین: { $zarinpal }
    کاربران جدید: { $users }
    رسیدهای در انتظار: { $pending }
admin-no-cards = این فروشگاه هنوز کارتی ندارد.
admin-cards-title = 💳 کارت‌ها (برای روشن یا خاموش کردن بزنید):
admin-card-line = { $card } ({ $holder }): { $state }، { $uses } پرداخت تأییدشده
admin-card-on = روشن
admin-card-off = خاموش
admin-card-not-found = این کارت پیدا نشد.
admin-ticket = 🎫 تیکت #{ $ticket } از { $user }:
    { $text }
    (برای پاسخ، به این پیام ریپلای کنید.)
alert-sale-refused = ⚠️ { $shop }: فروش { $plan } به کاربر { $user } انجام نشد، چون موجودی کیف پول پلتفرم ({ $balance }) هزینه آن ({ $required }) را پوشش نمی‌دهد. لطفاً کیف پول فروشگاه را شارژ کنید.
alert-low-balance = ⚠️ { $shop }: موجودی کیف پول پلتفرم کم است ({ $balance }، کمتر از { $threshold }). برای ادامه فروش آن را شارژ کنید.
alert-provision-failed = ⚠️ { $shop }: اشتراک { $subscription } در پنل VPN ساخته نشد ({ $reason }). کاربر پرداخت کرده است؛ لطفاً بررسی کنید.
alert-zarinpal-failed = ⚠️ { $shop }: پرداخت آنلاین { $payment } ناموفق بود ({ $reason }).


## مدیران: پلن‌ها و اسکوادهایشان

admin-plans-button = 📦 پلن‌ها
admin-plans-title = 📦 پلن‌ها — برای تغییر، یکی را بزنید:
admin-no-plans = هنوز پلنی وجود ندارد: آن‌ها را از طریق REST API اضافه کنید.
admin-plan-card = 📦 { $name }
    { $days } روز · { $traffic } · { $devices } دستگاه · { $price }
    { $state }
    اسکوادها: { $squads }

    یک اسکواد را بزنید تا به خریداران این پلن داده شود یا از آن‌ها گرفته شود: فروش‌ها و تمدیدهای بعدی آن را می‌گیرند.
admin-plan-on-sale = 🟢 در حال فروش
admin-plan-off-sale = ⚪️ فروخته نمی‌شود
admin-plan-stop-selling = ⏸ توقف فروش
admin-plan-sell-again = ▶️ فروش دوباره
admin-plan-squads-default = اسکوادهای پیش‌فرض فروشگاه
admin-plan-no-known-squads = اسکوادهای پنل هنوز معلوم نیستند: همگام‌سازی پنل هر چند دقیقه آن‌ها را می‌خواند.
admin-plan-back = « پلن‌ها
admin-plan-not-found = این پلن دیگر وجود ندارد.
admin-squad-unknown = این اسکواد در پنل نیست (دیگر نیست).
admin-squad-too-many = یک پلن حداکثر { $max } اسکواد می‌تواند داشته باشد.
