## Growth: promo codes and the referral program (issue 19)

menu-promo = 🎟 کد هدیه
menu-invite = 👥 دعوت از دوستان
tx-promo = کد هدیه
tx-referral = پاداش معرفی

promo-ask = کد هدیه خود را بفرستید.
promo-credited = 🎉 کد پذیرفته شد: { $amount } به کیف پول شما اضافه شد. موجودی: { $balance }.
promo-extended = 🎉 کد پذیرفته شد: { $days } روز اضافه. اشتراک شما اکنون در { $date } تمام می‌شود.
promo-discount = 🎉 کد پذیرفته شد: { $percent }٪ تخفیف برای خرید بعدی شما.
promo-trial = 🎉 کد پذیرفته شد: آزمایش { $plan } تا { $date }. لینک شما به‌زودی ارسال می‌شود.
promo-discount-applied = 🎟 تخفیف { $percent }٪ شما: { $full } ← { $price }
promo-refused-unknown = ❌ این کد وجود ندارد.
promo-refused-disabled = ❌ این کد غیرفعال شده است.
promo-refused-not-started = ❌ این کد هنوز معتبر نیست.
promo-refused-expired = ❌ این کد منقضی شده است.
promo-refused-used-up = ❌ ظرفیت استفاده از این کد تمام شده است.
promo-refused-already-redeemed = ❌ شما قبلاً از این کد استفاده کرده‌اید.
promo-refused-first-purchase-only = ❌ این کد فقط برای اولین خرید است.
promo-refused-no-subscription = ❌ این کد به اشتراک فعال روز اضافه می‌کند و شما اشتراک فعالی ندارید.
promo-refused-has-subscription = ❌ این کد آزمایشی برای مشتریان جدید بدون اشتراک است.
promo-refused-plan-unavailable = ❌ پلن این کد دیگر در دسترس نیست.
promo-refused-discount-waiting = ❌ شما یک تخفیف استفاده‌نشده برای خرید بعدی دارید.

invite-summary = 👥 دوستان خود را دعوت کنید و { $percent }٪ از خریدهایشان را در کیف پول خود بگیرید.
    لینک شما: { $link }
    دوستان دعوت‌شده: { $invited }
    درآمد: { $earned }

admin-promo-button = 🎟 کدهای هدیه
admin-promo-title = 🎟 کدهای هدیه (جدیدترین اول):
admin-promo-none = هنوز کدی ساخته نشده است.
admin-promo-line = { $state } { $code }: { $kind } { $value } · استفاده { $used }/{ $max } · تا { $until }
admin-promo-kind-credit = اعتبار
admin-promo-kind-days = روز اضافه
admin-promo-kind-discount = تخفیف
admin-promo-kind-trial = آزمایشی
admin-promo-days = { $days } روز
admin-promo-plan = پلن #{ $plan }
admin-promo-on = 🟢
admin-promo-off = ⚪️
admin-promo-new-button = ➕ کد جدید
admin-promo-ask = کد جدید را در یک خط بفرستید:
    CODE kind value [uses=N] [days=N] [from=YYYY-MM-DD] [until=YYYY-MM-DD] [first]
    kind: credit (مبلغ)، days (تعداد روز)، discount (درصد)، trial (شناسه پلن).
    مثال: SPRING discount 20 uses=100 until=2026-12-31
admin-promo-invalid = ❌ کد نامعتبر: { $reason }. دوباره بفرستید یا /cancel.
admin-promo-created = ✅ کد { $code } ساخته شد.
admin-promo-not-found = این کد وجود ندارد.
admin-promo-disabled = { $code } غیرفعال شد.
