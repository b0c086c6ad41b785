## پیام همگانی: مدیر می‌نویسد، پیش‌نمایش می‌بیند و تأیید می‌کند؛ مشتریان پیام را می‌گیرند

admin-broadcast-button = 📣 پیام همگانی
broadcast-ask-content = 📣 پیامی را که مشتریان باید بگیرند بفرستید: یک متن، یا یک عکس با توضیح. قالب‌بندی حفظ می‌شود. برای انصراف /cancel.
broadcast-content-unsupported = فقط متن یا عکس با توضیح را می‌توان همگانی فرستاد. یکی بفرستید، یا /cancel.
broadcast-too-long = بیش از حد طولانی است: حداکثر { $max } نویسه (توضیح عکس: ۱۰۲۴). کوتاه‌ترش را بفرستید، یا /cancel.
broadcast-ask-button = دکمه‌ای زیر پیام اضافه شود؟
broadcast-button-none = بدون دکمه
broadcast-button-menu = 🛍 «باز کردن منو»
broadcast-button-url = 🔗 یک پیوند
broadcast-ask-url = دکمه را به شکل عنوان و پیوند بفرستید: عنوان | https://example.com
broadcast-url-invalid = به شکل عنوان | https://پیوند بفرستید (عنوان تا ۶۴ نویسه، پیوند http(s)).
broadcast-ask-segment = چه کسانی پیام را بگیرند؟
broadcast-segment-all = همهٔ مشتریان
broadcast-segment-active = مشترکان فعال
broadcast-segment-expired = اشتراک‌های منقضی‌شده
broadcast-segment-never_bought = کسانی که هرگز نخریده‌اند
broadcast-segment-trial = کاربران آزمایشی
broadcast-preview = ⬆️ مشتریان پیام را این‌گونه می‌بینند.
broadcast-confirm = 📣 { $segment }: { $count } مشتری پیام را می‌گیرند ({ $blocked } نفر که ربات را مسدود کرده‌اند کنار گذاشته می‌شوند). اکنون فرستاده شود؟
broadcast-send-button = ✅ بفرست
broadcast-discard-button = ✖️ دور بینداز
broadcast-discarded = پیام همگانی دور انداخته شد.
broadcast-empty = به هیچ مشتری‌ای از این گروه نمی‌توان پیام داد.
broadcast-busy = یک پیام همگانی هنوز در حال ارسال است: صبر کنید تا تمام شود یا آن را متوقف کنید.
broadcast-draft-gone = این پیش‌نویس دیگر نیست: از /admin دوباره شروع کنید.
broadcast-progress = 📣 پیام همگانی #{ $id } در حال ارسال است…
    ارسال‌شده: { $sent } · مسدود: { $blocked } · ناموفق: { $failed }
    باقی‌مانده: { $left } از { $total }
broadcast-report = 📣 پیام همگانی #{ $id } تمام شد.
    ارسال‌شده: { $sent } · مسدود: { $blocked } · ناموفق: { $failed } (از { $total })
broadcast-report-cancelled = 📣 پیام همگانی #{ $id } متوقف شد.
    ارسال‌شده: { $sent } · مسدود: { $blocked } · ناموفق: { $failed } · ارسال‌نشده: { $left } (از { $total })
broadcast-stop-button = ⏹ توقف پیام همگانی
broadcast-stopped = پیام همگانی متوقف شد.
broadcast-not-running = این پیام همگانی دیگر در حال ارسال نیست.
broadcast-menu-button = 🛍 باز کردن منو
