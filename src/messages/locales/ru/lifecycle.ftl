## Бесплатный пробный период

menu-trial = 🎁 Бесплатный пробный период
trial-granted = 🎁 Ваш бесплатный пробный период начался: { $days } дн., { $traffic }, устройств: { $devices }. Ссылка придёт через мгновение.
trial-unavailable = Пробный период вам недоступен: он даётся один раз и только до первой покупки.

## Напоминания об окончании

subscription-expiring = ⏰ Ваша подписка заканчивается { $expires } (не более чем через { $days } дн.). Продлите её, чтобы не потерять подключение.
subscription-expired-now = ⛔️ Ваша подписка закончилась { $expires }. Продлите, чтобы снова подключиться; ссылка останется прежней.
subscription-expired-reminder = ⛔️ Ваша подписка закончилась { $days } дн. назад ({ $expires }). Продлите, чтобы снова подключиться; ссылка останется прежней.

## Автопродление

auto-renewed = 🔄 Ваша подписка ({ $plan }) автоматически продлена из кошелька: оплачено { $amount }, действует до { $expires }. Баланс кошелька: { $balance }.
auto-renew-low-balance = ⚠️ Автопродление не удалось: подписка стоит { $price }, а в кошельке { $balance }. Пополните кошелёк на { $shortfall } до { $expires }.
auto-renew-status = Автопродление из кошелька: { $state }
auto-renew-on = включено ✅
auto-renew-off = выключено
auto-renew-turn-on = 🔄 Включить автопродление
auto-renew-turn-off = ⏸ Выключить автопродление
auto-renew-set-on = Автопродление включено: подписка продлится из кошелька до окончания.
auto-renew-set-off = Автопродление выключено.
alert-panel-drift = ⚠️ { $shop }: в панели VPN подписки изменены в обход бота ({ $drift }): { $users }. Ничего не изменено; проверьте панель.
panel-drift-deleted = удалены
panel-drift-disabled = отключены

## Устройства

devices-reset-button = 🧹 Сбросить устройства
devices-reset-queued = Сбрасываем устройства…
devices-reset-done = 🧹 Ваши устройства сброшены: подключите нужные заново по своей ссылке.
subscription-qr-button = 📷 QR-код
subscription-qr-caption = Отсканируйте этот код в VPN-приложении, чтобы добавить подписку.
devices-connected-of = подключено { $used } из { $limit }
