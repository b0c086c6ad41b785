## Рассылки: администратор составляет, смотрит превью и подтверждает; клиенты получают сообщение

admin-broadcast-button = 📣 Рассылка
broadcast-ask-content = 📣 Пришлите сообщение для клиентов: текст или фото с подписью. Форматирование сохранится. /cancel — отмена.
broadcast-content-unsupported = Разослать можно только текст или фото с подписью. Пришлите одно из них или /cancel.
broadcast-too-long = Слишком длинно: не больше { $max } символов (подпись к фото: 1024). Пришлите короче или /cancel.
broadcast-ask-button = Добавить кнопку под сообщением?
broadcast-button-none = Без кнопки
broadcast-button-menu = 🛍 «Открыть меню»
broadcast-button-url = 🔗 Ссылка
broadcast-ask-url = Пришлите кнопку как подпись и ссылку: Подпись | https://example.com
broadcast-url-invalid = Пришлите в виде Подпись | https://ссылка (подпись до 64 символов, ссылка http(s)).
broadcast-ask-segment = Кому отправить?
broadcast-segment-all = Всем клиентам
broadcast-segment-active = Активным подписчикам
broadcast-segment-expired = С истёкшей подпиской
broadcast-segment-never_bought = Никогда не покупавшим
broadcast-segment-trial = Пользователям пробного периода
broadcast-preview = ⬆️ Так клиенты увидят сообщение.
broadcast-confirm = 📣 { $segment }: сообщение получат { $count } клиентов (заблокировавшие бота, { $blocked }, пропускаются). Отправить сейчас?
broadcast-send-button = ✅ Отправить
broadcast-discard-button = ✖️ Отменить
broadcast-discarded = Рассылка отменена.
broadcast-empty = Ни одному клиенту из этой группы нельзя написать.
broadcast-busy = Предыдущая рассылка ещё идёт: дождитесь её окончания или остановите её.
broadcast-draft-gone = Этого черновика больше нет: начните заново с /admin.
broadcast-progress = 📣 Рассылка #{ $id } отправляется…
    Отправлено: { $sent } · Заблокировали: { $blocked } · Ошибки: { $failed }
    Осталось: { $left } из { $total }
broadcast-report = 📣 Рассылка #{ $id } завершена.
    Отправлено: { $sent } · Заблокировали: { $blocked } · Ошибки: { $failed } (из { $total })
broadcast-report-cancelled = 📣 Рассылка #{ $id } остановлена.
    Отправлено: { $sent } · Заблокировали: { $blocked } · Ошибки: { $failed } · Не отправлено: { $left } (из { $total })
broadcast-stop-button = ⏹ Остановить рассылку
broadcast-stopped = Рассылка остановлена.
broadcast-not-running = Эта рассылка уже не отправляется.
broadcast-menu-button = 🛍 Открыть меню
