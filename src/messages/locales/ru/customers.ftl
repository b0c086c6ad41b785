## Управление клиентами (администраторы магазина) и единственный отказ заблокированному клиенту

admin-customers-button = 👤 Клиенты
customer-search-prompt = Отправьте Telegram id клиента или его @username.
customer-not-found = Клиент { $query } в этом магазине не найден.
customer-search-missed = Клиент { $query } в этом магазине не найден. Отправьте другой Telegram id или @username, или /cancel.
customer-card = 👤 { $user }
    Кошелёк: { $balance }
    { $state }
    Подписка: { $subscription }
    Платежи:
    { $payments }
    Операции кошелька:
    { $ledger }
    Действия администраторов:
    { $actions }
customer-state-ok = Статус: может пользоваться магазином
customer-state-banned = Статус: 🚫 заблокирован с { $date }
customer-subscription-none = нет
customer-subscription-line = { $plan }, { $status }, до { $expires }
customer-subscription-trial = пробная
customer-subscription-active = активна
customer-subscription-ended = закончилась
customer-none-yet = —
customer-payment-line = { $date } · { $method } · { $amount } · { $status }
customer-method-card = карта
customer-method-zarinpal = ZarinPal
customer-payment-pending = ожидает
customer-payment-approved = подтверждён
customer-payment-paid = оплачен
customer-payment-rejected = отклонён
customer-payment-failed = не прошёл
customer-payment-cancelled = отменён
customer-payment-expired = истёк
customer-ledger-line = { $date } · { $amount } → { $balance } · { $note }
customer-action-line = { $date } · { $who }: { $what }
customer-actor-admin = администратор { $admin }
customer-actor-api = API
customer-did-credit = начислено { $amount } ({ $reason })
customer-did-debit = списано { $amount } ({ $reason })
customer-did-days = подписка { $days } дн., до { $expires }
customer-did-grant = выдан тариф { $plan }, до { $expires }
customer-did-ban = заблокирован
customer-did-unban = разблокирован
customer-wallet-button = 👛 Изменить баланс
customer-days-button = 📅 Изменить дни
customer-grant-button = 🎁 Выдать тариф
customer-ban-button = 🚫 Заблокировать
customer-unban-button = ✅ Разблокировать
customer-refresh-button = 🔄 Обновить
customer-wallet-prompt = Отправьте сумму со знаком + (начислить) или − (списать) и причину, например «+50000 компенсация» или «-20000 исправление».
customer-wallet-invalid = Отправьте сумму со знаком и причину, например «+50000 компенсация» (причина — до { $max } символов).
customer-wallet-short = На кошельке { $balance }: списать { $amount } нельзя. Ничего не изменено.
customer-wallet-done = Готово: на кошельке теперь { $balance }.
customer-days-prompt = Отправьте число дней, которое нужно добавить (например «+7») или убрать (например «-3»).
customer-days-invalid = Отправьте число дней со знаком, от 1 до { $max }, например «+7» или «-3».
customer-days-none = У клиента нет подписки, дни которой можно изменить (её нет, или она уже закончилась и сократить её нельзя).
customer-days-done = Готово: подписка теперь заканчивается { $expires }.
customer-grant-choose = Какой тариф выдать { $user } (бесплатно)?
customer-grant-no-plans = В магазине нет тарифов в продаже.
customer-grant-done = Готово: тариф { $plan } выдан до { $expires }.
customer-grant-refused = Баланса магазина на платформе ({ $balance }) не хватает на трафик этого тарифа ({ $required }). Ничего не выдано.
customer-plan-unavailable = Этот тариф больше не продаётся.
customer-stale = Эта кнопка устарела (клиента уже изменили): ничего не сделано. Откройте клиента заново, чтобы увидеть актуальную карточку.
customer-ban-done = Заблокирован. Клиент получит одно сообщение об этом, дальше бот будет молчать.
customer-unban-done = Разблокирован. Клиент снова может пользоваться магазином.
customer-ban-unchanged = Менять нечего.
customer-banned-refusal = К сожалению, этот магазин больше не может вас обслуживать. Если вы считаете это ошибкой, свяжитесь с поддержкой магазина.
