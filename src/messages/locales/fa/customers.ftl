## مدیریت مشتریان (مدیران فروشگاه) و تنها پاسخ ردّ به مشتری مسدودشده

admin-customers-button = 👤 مشتریان
customer-search-prompt = شناسه تلگرام یا @نام‌کاربری مشتری را بفرستید.
customer-not-found = مشتری { $query } در این فروشگاه پیدا نشد.
customer-search-missed = مشتری { $query } در این فروشگاه پیدا نشد. شناسه تلگرام یا @نام‌کاربری دیگری بفرستید، یا /cancel.
customer-card = 👤 { $user }
    کیف پول: { $balance }
    { $state }
    اشتراک: { $subscription }
    پرداخت‌ها:
    { $payments }
    گردش کیف پول:
    { $ledger }
    اقدامات مدیران:
    { $actions }
customer-state-ok = وضعیت: می‌تواند از فروشگاه استفاده کند
customer-state-banned = وضعیت: 🚫 مسدود از { $date }
customer-subscription-none = ندارد
customer-subscription-line = { $plan }، { $status }، تا { $expires }
customer-subscription-trial = آزمایشی
customer-subscription-active = فعال
customer-subscription-ended = تمام‌شده
customer-none-yet = —
customer-payment-line = { $date } · { $method } · { $amount } · { $status }
customer-method-card = کارت
customer-method-zarinpal = زرین‌پال
customer-payment-pending = در انتظار
customer-payment-approved = تأییدشده
customer-payment-paid = پرداخت‌شده
customer-payment-rejected = ردشده
customer-payment-failed = ناموفق
customer-payment-cancelled = لغوشده
customer-payment-expired = منقضی
customer-ledger-line = { $date } · { $amount } ← { $balance } · { $note }
customer-action-line = { $date } · { $who }: { $what }
customer-actor-admin = مدیر { $admin }
customer-actor-api = API
customer-did-credit = { $amount } افزوده شد ({ $reason })
customer-did-debit = { $amount } کسر شد ({ $reason })
customer-did-days = اشتراک { $days } روز، تا { $expires }
customer-did-grant = طرح { $plan } اهدا شد، تا { $expires }
customer-did-ban = مسدود شد
customer-did-unban = رفع مسدودی شد
customer-wallet-button = 👛 تغییر موجودی
customer-days-button = 📅 تغییر روزها
customer-grant-button = 🎁 اهدای طرح
customer-ban-button = 🚫 مسدود کردن
customer-unban-button = ✅ رفع مسدودی
customer-refresh-button = 🔄 به‌روزرسانی
customer-wallet-prompt = مبلغ را با + (افزودن) یا − (کسر) و سپس دلیل را بفرستید، مثلاً «+50000 جبران» یا «-20000 اصلاح».
customer-wallet-invalid = لطفاً مبلغ علامت‌دار و دلیل را بفرستید، مثلاً «+50000 جبران» (دلیل حداکثر { $max } نویسه).
customer-wallet-short = موجودی کیف پول { $balance } است: کسر { $amount } ممکن نیست. چیزی تغییر نکرد.
customer-wallet-done = انجام شد: موجودی کیف پول اکنون { $balance } است.
customer-days-prompt = تعداد روزهای افزودنی (مثلاً «+7») یا کاستنی (مثلاً «-3») را بفرستید.
customer-days-invalid = لطفاً تعداد روز علامت‌دار از ۱ تا { $max } بفرستید، مثلاً «+7» یا «-3».
customer-days-none = این مشتری اشتراکی ندارد که بتوان روزهایش را تغییر داد (ندارد، یا تمام شده و کوتاه‌کردنش ممکن نیست).
customer-days-done = انجام شد: اشتراک اکنون در { $expires } تمام می‌شود.
customer-grant-choose = کدام طرح به { $user } (رایگان) اهدا شود؟
customer-grant-no-plans = این فروشگاه طرح فعالی برای فروش ندارد.
customer-grant-done = انجام شد: طرح { $plan } تا { $expires } اهدا شد.
customer-grant-refused = موجودی فروشگاه در پلتفرم ({ $balance }) هزینه ترافیک این طرح ({ $required }) را پوشش نمی‌دهد. چیزی اهدا نشد.
customer-plan-unavailable = این طرح دیگر فروخته نمی‌شود.
customer-stale = این دکمه قدیمی است (مشتری در این فاصله تغییر کرده): کاری انجام نشد. برای دیدن کارت فعلی، مشتری را دوباره باز کنید.
customer-ban-done = مسدود شد. یک بار به او اطلاع داده می‌شود و پس از آن پاسخی نمی‌گیرد.
customer-unban-done = رفع مسدودی شد. دوباره می‌تواند از فروشگاه استفاده کند.
customer-ban-unchanged = چیزی برای تغییر نیست.
customer-banned-refusal = متأسفیم، این فروشگاه دیگر نمی‌تواند به شما خدمت ارائه دهد. اگر فکر می‌کنید اشتباهی رخ داده، لطفاً با پشتیبانی فروشگاه تماس بگیرید.
