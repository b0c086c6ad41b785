## Growth: promo codes and the referral program (issue 19)

menu-promo = 🎟 Промокод
menu-invite = 👥 Пригласить друзей
tx-promo = промокод
tx-referral = реферальное вознаграждение

promo-ask = Отправьте промокод.
promo-credited = 🎉 Промокод принят: { $amount } зачислено на кошелёк. Баланс: { $balance }.
promo-extended = 🎉 Промокод принят: +{ $days } дн. Подписка теперь действует до { $date }.
promo-discount = 🎉 Промокод принят: скидка { $percent }% на следующую покупку.
promo-trial = 🎉 Промокод принят: пробный период { $plan } до { $date }. Ссылка придёт следом.
promo-discount-applied = 🎟 Ваша скидка { $percent }%: { $full } → { $price }
promo-refused-unknown = ❌ Такого промокода нет.
promo-refused-disabled = ❌ Этот промокод отключён.
promo-refused-not-started = ❌ Этот промокод ещё не действует.
promo-refused-expired = ❌ Срок действия промокода истёк.
promo-refused-used-up = ❌ Промокод исчерпан.
promo-refused-already-redeemed = ❌ Вы уже использовали этот промокод.
promo-refused-first-purchase-only = ❌ Этот промокод только для первой покупки.
promo-refused-no-subscription = ❌ Промокод продлевает активную подписку, а у вас её нет.
promo-refused-has-subscription = ❌ Этот пробный промокод только для новых клиентов без подписки.
promo-refused-plan-unavailable = ❌ Тариф этого промокода больше недоступен.
promo-refused-discount-waiting = ❌ У вас уже есть неиспользованная скидка на следующую покупку.

invite-summary = 👥 Приглашайте друзей и получайте { $percent }% от их покупок на кошелёк.
    Ваша ссылка: { $link }
    Приглашено друзей: { $invited }
    Заработано: { $earned }

admin-promo-button = 🎟 Промокоды
admin-promo-title = 🎟 Промокоды (сначала новые):
admin-promo-none = Промокодов пока нет.
admin-promo-line = { $state } { $code }: { $kind } { $value } · использовано { $used }/{ $max } · до { $until }
admin-promo-kind-credit = зачисление
admin-promo-kind-days = дни
admin-promo-kind-discount = скидка
admin-promo-kind-trial = пробный период
admin-promo-days = { $days } дн.
admin-promo-plan = тарифа #{ $plan }
admin-promo-on = 🟢
admin-promo-off = ⚪️
admin-promo-new-button = ➕ Новый код
admin-promo-ask = Отправьте новый код одной строкой:
    CODE kind value [uses=N] [days=N] [from=YYYY-MM-DD] [until=YYYY-MM-DD] [first]
    kind: credit (сумма), days (дни), discount (процент), trial (id тарифа).
    Пример: SPRING discount 20 uses=100 until=2026-12-31
admin-promo-invalid = ❌ Неверный код: { $reason }. Отправьте ещё раз или /cancel.
admin-promo-created = ✅ Промокод { $code } создан.
admin-promo-not-found = Такого промокода нет.
admin-promo-disabled = { $code } отключён.
