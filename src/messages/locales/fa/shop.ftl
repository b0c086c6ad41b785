## شروع، منو و عمومی

welcome = به { $shop } خوش آمدید، { $name }!
    از منوی زیر گزینه مورد نظر خود را انتخاب کنید.
menu-buy = 🛒 خرید اشتراک
menu-subscription = 📱 اشتراک من
menu-wallet = 👛 کیف پول
menu-support = 💬 پشتیبانی
menu-language = 🌐 زبان
unknown-command = این دستور را نمی‌شناسم. برای دیدن منو /start را بفرستید.
use-menu = لطفاً از منوی زیر استفاده کنید.
button-expired = این دکمه دیگر معتبر نیست.
flow-cancelled = لغو شد. قدم بعدی چیست؟
language-choose = زبان خود را انتخاب کنید:
language-set = زبان شما فارسی شد.
currency-name = { $currency ->
    [IRT] تومان
    [IRR] ریال
   *[other] { $currency }
}

## پلن‌ها و خرید

plans-empty = در حال حاضر پلنی برای فروش نیست. لطفاً بعداً سر بزنید.
plans-title = 🛒 پلن‌های ما:
plan-line = 🔹 { $name }: { $days } روز، { $traffic }، { $devices } دستگاه — { $price }
traffic-unlimited = ترافیک نامحدود
traffic-gb = { $gb } گیگابایت
traffic-used-of = { $used } مصرف‌شده از { $limit }
plan-unavailable = این پلن دیگر در دسترس نیست.
wallet-balance-line = 👛 موجودی کیف پول شما: { $balance }
choose-method = روش پرداخت را انتخاب کنید:
no-payment-method = در حال حاضر روش پرداختی برای این مبلغ در دسترس نیست. لطفاً با پشتیبانی تماس بگیرید.
method-card = 💳 کارت به کارت
method-zarinpal = 🌐 پرداخت آنلاین (زرین‌پال)
method-wallet = 👛 از کیف پول
method-unavailable = این روش پرداخت در دسترس نیست.
confirm-purchase = لطفاً سفارش خود را تأیید کنید:
    پلن: { $plan }
    مبلغ: { $price }
    روش پرداخت: { $method }
confirm-button = ✅ تأیید
back-button = ⬅️ بازگشت

## کارت به کارت

card-payment-instructions = 💳 لطفاً دقیقاً مبلغ { $amount } را به این کارت واریز کنید:
    شماره کارت: { $card }
    به نام: { $holder }
    بانک: { $bank }
    کد پیگیری: { $tracking }
    مهلت: { $deadline } ({ $minutes } دقیقه)
    سپس رسید را همین‌جا بفرستید: عکس رسید، مشخصات واریز به صورت متن، یا هر دو.
card-payment-cancel-button = ✖️ لغو این پرداخت
payment-pending-exists = شما یک پرداخت کارت به کارت در انتظار دارید ({ $tracking }). لطفاً تا بررسی آن صبر کنید یا ابتدا آن را لغو کنید.
amount-out-of-range = مبلغ باید بین { $min } و { $max } باشد.
card-unavailable = پرداخت کارت به کارت فعلاً در دسترس نیست. لطفاً روش دیگری را امتحان کنید یا با پشتیبانی تماس بگیرید.
payment-cancelled = پرداخت { $tracking } لغو شد.
payment-cancel-too-late = این پرداخت دیگر قابل لغو نیست.
receipt-invalid = لطفاً رسید را به صورت عکس یا متن بفرستید (استیکر، فایل و پیام‌های دیگر پذیرفته نمی‌شوند).
receipt-no-pending = پرداختی در انتظار رسید نیست.
payment-expired = مهلت این پرداخت تمام شده است. اگر هنوز می‌خواهید پرداخت کنید، پرداخت جدیدی شروع کنید.
receipt-received = ✅ رسید { $tracking } دریافت شد. به محض بررسی به شما خبر می‌دهیم.
receipt-saved = 📝 رسید { $tracking } ذخیره شد، اما هنوز به مدیران فروشگاه نرسیده است. دوباره تلاش می‌کنیم و به محض بررسی به شما خبر می‌دهیم.
payment-rejected = ❌ پرداخت { $tracking } شما رد شد.
    دلیل: { $reason }
payment-rejected-no-reason = ❌ پرداخت { $tracking } شما رد شد. اگر فکر می‌کنید اشتباهی رخ داده، با پشتیبانی تماس بگیرید.

## دریافت وجه و نتیجه خرید

payment-credited = ✅ پرداخت { $amount } شما دریافت و به کیف پولتان اضافه شد.
    موجودی کیف پول: { $balance }
purchase-paid = ✅ پرداخت { $amount } شما دریافت شد و پلن { $plan } تا { $expires } فعال است.
    لینک اشتراک شما به زودی ارسال می‌شود.
purchase-refused-kept = ⚠️ پرداخت { $amount } شما دریافت شد، اما فروشگاه فعلاً نمی‌تواند خرید { $plan } را انجام دهد. مبلغ در کیف پول شما محفوظ است؛ لطفاً با پشتیبانی تماس بگیرید.
purchase-completed = ✅ پلن { $plan } را به مبلغ { $price } خریدید. تا { $expires } فعال است.
    موجودی کیف پول: { $balance }
    لینک اشتراک شما به زودی ارسال می‌شود.
purchase-refused = ⚠️ فروشگاه فعلاً نمی‌تواند خرید { $plan } را انجام دهد. مبلغی از کیف پول شما کم نشد؛ لطفاً بعداً دوباره تلاش کنید یا با پشتیبانی تماس بگیرید.
wallet-insufficient = موجودی کیف پول شما ({ $balance }) برای { $price } کافی نیست.
wallet-insufficient-short = موجودی کیف پول شما کافی نیست.

## زرین‌پال

zarinpal-preparing = ⏳ در حال آماده‌سازی لینک پرداخت…
zarinpal-pay-link = 🌐 مبلغ { $amount } را تا { $deadline } با دکمه زیر به صورت آنلاین پرداخت کنید.
zarinpal-pay-button = 💳 پرداخت
zarinpal-unavailable = ⚠️ پرداخت آنلاین فعلاً در دسترس نیست. لطفاً بعداً دوباره تلاش کنید یا از روش دیگری استفاده کنید.
zarinpal-cancelled = پرداخت آنلاین شما لغو شد.
zarinpal-failed = ⚠️ پرداخت آنلاین شما تأیید نشد. اگر مبلغی از حساب شما کم شده، با پشتیبانی تماس بگیرید.
zarinpal-page-title = پرداخت
zarinpal-page-paid = ✅ پرداخت موفق بود. می‌توانید به ربات برگردید.
zarinpal-page-cancelled = پرداخت لغو شد.
zarinpal-page-not-paid = پرداخت انجام نشده است.
zarinpal-page-failed = پرداخت تأیید نشد. لطفاً با پشتیبانی تماس بگیرید.
zarinpal-page-unavailable = فعلاً امکان تأیید پرداخت نیست. لطفاً یک دقیقه دیگر این صفحه را دوباره باز کنید.
zarinpal-page-not-found = پرداخت ناشناخته است.
zarinpal-page-expired = مهلت این پرداخت تمام شده است.
zarinpal-page-back = بازگشت به ربات

## اشتراک

subscription-ready = 🎉 اشتراک شما آماده است! تا { $expires } معتبر است.
    لینک شما: { $link }
subscription-extended = 🎉 اشتراک شما تا { $expires } تمدید شد.
    لینک شما: { $link }
subscription-none = هنوز اشتراکی ندارید.
subscription-info = 📱 اشتراک شما
    پلن: { $plan }
    وضعیت: { $status }
    اعتبار تا: { $expires } ({ $days } روز مانده)
    ترافیک: { $traffic }
    دستگاه‌ها: { $devices }
    لینک: { $link }
subscription-status-active = فعال ✅
subscription-status-expired = منقضی ⛔️
subscription-link-pending = در حال آماده‌سازی…
subscription-renew-button = 🔄 تمدید یا تغییر پلن
subscription-renew-same = 🔄 تمدید { $plan }

## کیف پول

wallet-summary = 👛 موجودی کیف پول شما: { $balance }
wallet-topup-button = ➕ افزایش موجودی
wallet-history-button = 📜 تاریخچه
history-empty = هنوز تراکنشی ندارید.
history-title = 📜 آخرین تراکنش‌های شما:
history-line = { $date }: { $amount } ({ $type })، موجودی { $balance }
tx-deposit = افزایش موجودی
tx-purchase = خرید
tx-refund = بازگشت وجه
tx-adjustment = اصلاح
topup-ask = چه مبلغی می‌خواهید اضافه کنید؟ مبلغی بین { $min } و { $max } بفرستید.
topup-invalid = لطفاً عددی بین { $min } و { $max } بفرستید.
topup-choose-method = مبلغ { $amount } را چگونه پرداخت می‌کنید؟
topup-description = افزایش موجودی کیف پول

## پشتیبانی

support-contact = 💬 تماس با پشتیبانی: { $username }
support-ticket-hint = یا پیام خود را همین‌جا بنویسید تا در همین گفتگو پاسخ دهیم.
support-ticket-button = ✉️ پیام به پشتیبانی
support-unavailable = پشتیبانی فعلاً در دسترس نیست.
ticket-ask = پیام خود را در یک پیام متنی بنویسید:
ticket-text-only = لطفاً پیام خود را به صورت متن بنویسید.
ticket-sent = ✅ پیام شما ارسال شد (تیکت #{ $ticket }). پاسخ را همین‌جا دریافت می‌کنید.
ticket-reply = 💬 پشتیبانی (تیکت #{ $ticket }):
    { $text }
ticket-reply-sent = ✅ برای کاربر ارسال شد (تیکت #{ $ticket }).
ticket-reply-failed = ⚠️ پاسخ به کاربر نرسید.

