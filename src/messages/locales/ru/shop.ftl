## Старт, меню и общее

welcome = Добро пожаловать в { $shop }, { $name }!
    Выберите нужное в меню ниже.
menu-buy = 🛒 Купить тариф
menu-subscription = 📱 Моя подписка
menu-wallet = 👛 Кошелёк
menu-support = 💬 Поддержка
menu-language = 🌐 Язык
unknown-command = Я не знаю такой команды. Отправьте /start, чтобы увидеть меню.
use-menu = Пожалуйста, воспользуйтесь меню ниже.
button-expired = Эта кнопка больше не действует.
flow-cancelled = Отменено. Что дальше?
language-choose = Выберите язык:
language-set = Теперь бот говорит по-русски.
currency-name = { $currency ->
    [IRT] томан
    [IRR] риал
   *[other] { $currency }
}

## Тарифы и покупка

plans-empty = Сейчас нет тарифов в продаже. Загляните позже.
plans-title = 🛒 Наши тарифы:
plan-line = 🔹 { $name }: { $days } дн., { $traffic }, устройств: { $devices } — { $price }
traffic-unlimited = безлимитный трафик
traffic-gb = { $gb } ГБ
traffic-used-of = использовано { $used } из { $limit }
plan-unavailable = Этот тариф больше недоступен.
wallet-balance-line = 👛 Баланс кошелька: { $balance }
choose-method = Как вы хотите оплатить?
no-payment-method = Сейчас нет доступного способа оплаты для этой суммы. Обратитесь в поддержку.
method-card = 💳 Перевод на карту
method-zarinpal = 🌐 Онлайн-оплата (ZarinPal)
method-wallet = 👛 Из кошелька
method-unavailable = Этот способ оплаты недоступен.
confirm-purchase = Подтвердите заказ:
    Тариф: { $plan }
    Цена: { $price }
    Оплата: { $method }
confirm-button = ✅ Подтвердить
back-button = ⬅️ Назад

## Перевод на карту

card-payment-instructions = 💳 Переведите ровно { $amount } на эту карту:
    Номер карты: { $card }
    Владелец: { $holder }
    Банк: { $bank }
    Номер платежа: { $tracking }
    Срок: { $deadline } ({ $minutes } мин.)
    Затем пришлите сюда чек: фото, данные перевода текстом или и то и другое.
card-payment-cancel-button = ✖️ Отменить платёж
payment-pending-exists = У вас уже есть ожидающий платёж ({ $tracking }). Дождитесь проверки или сначала отмените его.
amount-out-of-range = Сумма должна быть от { $min } до { $max }.
card-unavailable = Оплата переводом на карту сейчас недоступна. Попробуйте другой способ или обратитесь в поддержку.
payment-cancelled = Платёж { $tracking } отменён.
payment-cancel-too-late = Этот платёж уже нельзя отменить.
receipt-invalid = Пришлите чек фотографией или текстом (стикеры, файлы и другие сообщения не принимаются).
receipt-no-pending = Нет платежа, ожидающего чек.
payment-expired = Время на этот платёж истекло. Если вы всё ещё хотите оплатить, начните заново.
receipt-received = ✅ Чек для { $tracking } получен. Мы сообщим, как только он будет проверен.
receipt-saved = 📝 Чек для { $tracking } сохранён, но администраторы магазина пока недоступны. Мы продолжаем попытки и сообщим, как только он будет проверен.
payment-rejected = ❌ Ваш платёж { $tracking } отклонён.
    Причина: { $reason }
payment-rejected-no-reason = ❌ Ваш платёж { $tracking } отклонён. Если вы считаете, что это ошибка, обратитесь в поддержку.

## Поступление денег и покупка

payment-credited = ✅ Ваш платёж на { $amount } получен и зачислен в кошелёк.
    Баланс кошелька: { $balance }
purchase-paid = ✅ Ваш платёж на { $amount } получен, тариф { $plan } активен до { $expires }.
    Ссылка на подписку скоро придёт.
purchase-refused-kept = ⚠️ Ваш платёж на { $amount } получен, но магазин сейчас не может оформить { $plan }. Деньги сохранены в вашем кошельке; обратитесь в поддержку.
purchase-completed = ✅ Вы купили { $plan } за { $price }. Тариф активен до { $expires }.
    Баланс кошелька: { $balance }
    Ссылка на подписку скоро придёт.
purchase-refused = ⚠️ Магазин сейчас не может оформить { $plan }. С кошелька ничего не списано; попробуйте позже или обратитесь в поддержку.
wallet-insufficient = Баланса кошелька ({ $balance }) не хватает на { $price }.
wallet-insufficient-short = Недостаточно средств в кошельке.

## ZarinPal

zarinpal-preparing = ⏳ Готовим ссылку на оплату…
zarinpal-pay-link = 🌐 Оплатите { $amount } онлайн кнопкой ниже до { $deadline }.
zarinpal-pay-button = 💳 Оплатить
zarinpal-unavailable = ⚠️ Онлайн-оплата сейчас недоступна. Попробуйте позже или выберите другой способ.
zarinpal-cancelled = Ваша онлайн-оплата отменена.
zarinpal-failed = ⚠️ Не удалось подтвердить вашу онлайн-оплату. Если деньги списались, обратитесь в поддержку.
zarinpal-page-title = Оплата
zarinpal-page-paid = ✅ Оплата прошла успешно. Можно вернуться в бота.
zarinpal-page-cancelled = Оплата отменена.
zarinpal-page-not-paid = Оплата не завершена.
zarinpal-page-failed = Не удалось подтвердить оплату. Обратитесь в поддержку.
zarinpal-page-unavailable = Сейчас не удаётся проверить оплату. Обновите страницу через минуту.
zarinpal-page-not-found = Неизвестный платёж.
zarinpal-page-expired = Срок этого платежа истёк.
zarinpal-page-back = Вернуться в бота

## Подписка

subscription-ready = 🎉 Ваша подписка готова! Действует до { $expires }.
    Ваша ссылка: { $link }
subscription-extended = 🎉 Ваша подписка продлена до { $expires }.
    Ваша ссылка: { $link }
subscription-none = У вас пока нет подписки.
subscription-info = 📱 Ваша подписка
    Тариф: { $plan }
    Статус: { $status }
    Действует до: { $expires } (осталось дней: { $days })
    Трафик: { $traffic }
    Устройства: { $devices }
    Ссылка: { $link }
subscription-status-active = активна ✅
subscription-status-expired = истекла ⛔️
subscription-link-pending = готовится…
subscription-renew-button = 🔄 Продлить или сменить тариф
subscription-renew-same = 🔄 Продлить { $plan }

## Кошелёк

wallet-summary = 👛 Баланс кошелька: { $balance }
wallet-topup-button = ➕ Пополнить
wallet-history-button = 📜 История
history-empty = Операций пока нет.
history-title = 📜 Последние операции:
history-line = { $date }: { $amount } ({ $type }), баланс { $balance }
tx-deposit = пополнение
tx-purchase = покупка
tx-refund = возврат
tx-adjustment = корректировка
topup-ask = На какую сумму пополнить? Отправьте сумму от { $min } до { $max }.
topup-invalid = Отправьте число от { $min } до { $max }.
topup-choose-method = Как вы хотите оплатить { $amount }?
topup-description = пополнение кошелька

## Поддержка

support-contact = 💬 Связаться с поддержкой: { $username }
support-ticket-hint = Или напишите нам здесь, и мы ответим в этом чате.
support-ticket-button = ✉️ Написать в поддержку
support-unavailable = Поддержка сейчас недоступна.
ticket-ask = Напишите ваше сообщение одним текстом:
ticket-text-only = Пожалуйста, напишите сообщение текстом.
ticket-sent = ✅ Сообщение отправлено (обращение #{ $ticket }). Мы ответим здесь.
ticket-reply = 💬 Поддержка (обращение #{ $ticket }):
    { $text }
ticket-reply-sent = ✅ Отправлено пользователю (обращение #{ $ticket }).
ticket-reply-failed = ⚠️ Не удалось доставить ответ пользователю.

