## دوره آزمایشی رایگان

menu-trial = 🎁 دوره آزمایشی رایگان
trial-granted = 🎁 دوره آزمایشی رایگان شما شروع شد: { $days } روز، { $traffic }، { $devices } دستگاه. لینک شما تا لحظاتی دیگر می‌رسد.
trial-unavailable = دوره آزمایشی رایگان برای شما در دسترس نیست: فقط یک بار و پیش از اولین خرید داده می‌شود.

## یادآوری انقضا

subscription-expiring = ⏰ اشتراک شما در { $expires } (حداکثر { $days } روز دیگر) تمام می‌شود. برای قطع نشدن اتصال، همین حالا تمدید کنید.
subscription-expired-now = ⛔️ اشتراک شما در { $expires } تمام شد. برای اتصال دوباره تمدید کنید؛ لینک شما همان می‌ماند.
subscription-expired-reminder = ⛔️ اشتراک شما { $days } روز پیش ({ $expires }) تمام شد. برای اتصال دوباره تمدید کنید؛ لینک شما همان می‌ماند.

## تمدید خودکار

auto-renewed = 🔄 اشتراک شما ({ $plan }) به‌طور خودکار از کیف پول تمدید شد: { $amount } پرداخت شد، معتبر تا { $expires }. موجودی کیف پول: { $balance }.
auto-renew-low-balance = ⚠️ تمدید خودکار انجام نشد: هزینه { $price } است و موجودی کیف پول شما { $balance }. لطفاً پیش از { $expires } مبلغ { $shortfall } به کیف پول اضافه کنید.
auto-renew-status = تمدید خودکار از کیف پول: { $state }
auto-renew-on = روشن ✅
auto-renew-off = خاموش
auto-renew-turn-on = 🔄 روشن کردن تمدید خودکار
auto-renew-turn-off = ⏸ خاموش کردن تمدید خودکار
auto-renew-set-on = تمدید خودکار روشن شد: اشتراک شما پیش از پایان از کیف پول تمدید می‌شود.
auto-renew-set-off = تمدید خودکار خاموش شد.
alert-panel-drift = ⚠️ { $shop }: در پنل VPN اشتراک‌هایی بیرون از ربات { $drift } شده‌اند: { $users }. چیزی تغییر داده نشد؛ لطفاً پنل را بررسی کنید.
panel-drift-deleted = حذف
panel-drift-disabled = غیرفعال

## دستگاه‌ها

devices-reset-button = 🧹 بازنشانی دستگاه‌ها
devices-reset-queued = در حال بازنشانی دستگاه‌ها…
devices-reset-done = 🧹 دستگاه‌های شما بازنشانی شد: دستگاه‌هایی را که استفاده می‌کنید دوباره با لینک خود وصل کنید.
subscription-qr-button = 📷 کد QR
subscription-qr-caption = این کد را در برنامه VPN خود اسکن کنید تا اشتراک شما اضافه شود.
devices-connected-of = { $used } از { $limit } متصل
