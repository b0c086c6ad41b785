## Администраторы

admin-receipt = 🧾 Новый чек перевода на карту
    Номер: { $tracking }
    Сумма: { $amount }
    Пользователь: { $user }
    За: { $purpose }
    Карта: последние цифры { $card }
    Текст чека: { $text }
admin-receipt-topup = пополнение кошелька
review-approve-button = ✅ Подтвердить
review-reject-button = ❌ Отклонить
review-not-admin = Это могут делать только администраторы этого магазина.
review-not-found = Платёж не найден.
review-already = Этот платёж уже проверен ({ $status }).
status-pending = ожидает
status-submitted = чек уже отправлен
status-approved = подтверждён
status-rejected = отклонён
status-cancelled = отменён
status-expired = истёк
review-approved-answer = Подтверждено ✅
review-approved-note = ✅ { $tracking } подтвердил(а) { $admin }.
review-reason-prompt = Отправьте следующим сообщением причину отклонения { $tracking } или отклоните без причины:
review-reject-no-reason-button = ❌ Отклонить без причины
review-reason-text-only = Отправьте причину текстом.
review-rejected-answer = Отклонено ❌
review-rejected-note = ❌ { $tracking } отклонил(а) { $admin }.
admin-menu = 🛠 Панель администратора { $shop }
admin-pending-button = 📥 Чеки на проверке
admin-sales-button = 📊 Продажи за сегодня
admin-cards-button = 💳 Карты
admin-no-pending = Нет чеков, ожидающих проверки.
admin-pending-title = 📥 Чеки, ожидающие проверки:
admin-pending-line = { $tracking }: { $amount }
    { $user }, { $submitted }
    { $text }
admin-sales = 📊 Сегодня
    Продажи: { $sales } ({ $amount })
    Пополнения картой: { $card }
    Онлайн-пополнения: { $zarinpal }
    Новые пользователи: { $users }
    Чеков на проверке: { $pending }
admin-no-cards = У магазина пока нет карт.
admin-cards-title = 💳 Карты (нажмите, чтобы включить или выключить):
admin-card-line = { $card } ({ $holder }): { $state }, подтверждённых платежей: { $uses }
admin-card-on = включена
admin-card-off = выключена
admin-card-not-found = Карта не найдена.
admin-ticket = 🎫 Обращение #{ $ticket } от { $user }:
    { $text }
    (Ответьте на это сообщение, чтобы ответить.)
alert-sale-refused = ⚠️ { $shop }: продажа { $plan } пользователю { $user } отклонена: баланс кошелька платформы ({ $balance }) не покрывает её стоимость ({ $required }). Пополните кошелёк магазина.
alert-low-balance = ⚠️ { $shop }: баланс кошелька платформы низкий ({ $balance }, ниже { $threshold }). Пополните его, чтобы продолжать продажи.
alert-provision-failed = ⚠️ { $shop }: подписку { $subscription } не удалось создать в VPN-панели ({ $reason }). Пользователь оплатил; проверьте, пожалуйста.
alert-zarinpal-failed = ⚠️ { $shop }: онлайн-платёж { $payment } не прошёл ({ $reason }).


## Администраторы: тарифы и их сквады

admin-plans-button = 📦 Тарифы
admin-plans-title = 📦 Тарифы — нажмите, чтобы изменить:
admin-no-plans = Тарифов пока нет: добавьте их через REST API.
admin-plan-card = 📦 { $name }
    { $days } дн. · { $traffic } · устройств: { $devices } · { $price }
    { $state }
    Сквады: { $squads }

    Нажмите на сквад, чтобы выдать его покупателям тарифа или убрать: его получат новые продажи и продления.
admin-plan-on-sale = 🟢 В продаже
admin-plan-off-sale = ⚪️ Не продаётся
admin-plan-stop-selling = ⏸ Снять с продажи
admin-plan-sell-again = ▶️ Вернуть в продажу
admin-plan-squads-default = сквады магазина по умолчанию
admin-plan-no-known-squads = Сквады панели пока неизвестны: синхронизация с панелью читает их каждые несколько минут.
admin-plan-back = « Тарифы
admin-plan-not-found = Этого тарифа больше нет.
admin-squad-unknown = Этого сквада нет на панели (больше нет).
admin-squad-too-many = У тарифа может быть не больше { $max } сквадов.
