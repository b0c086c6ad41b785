## Собственные тексты магазина (приветствие, правила, FAQ, поддержка) и маршруты уведомлений

menu-rules = 📜 Правила
menu-faq = ❓ Вопросы и ответы
text-rules-builtin = 📜 Магазин ещё не опубликовал правила на вашем языке. Если у вас есть вопрос, напишите в поддержку.
text-faq-builtin = ❓ Магазин ещё не опубликовал ответы на вашем языке. Если у вас есть вопрос, напишите в поддержку.

admin-texts-button = 📝 Тексты
admin-texts-title = 📝 Тексты магазина. Выберите, какой изменить:
text-kind-welcome = 👋 Приветствие
text-kind-rules = 📜 Правила
text-kind-faq = ❓ Вопросы и ответы
text-kind-support = 💬 Поддержка
admin-text-languages = { $text }: выберите язык (✅ = свой текст магазина, ▫️ = встроенный текст).
admin-text-prompt = Отправьте новый текст «{ $text }» для языка { $language } следующим сообщением, — с форматированием в редакторе Telegram или в HTML Telegram: <b>жирный</b>, <i>курсив</i>, <u>подчёркнутый</u>, <s>зачёркнутый</s>, <tg-spoiler>спойлер</tg-spoiler>, <a href="https://example.com">ссылка</a>, <code>код</code>, <pre>блок</pre>, <blockquote>цитата</blockquote>. Сами символы пишите как &lt; &gt; &amp;. Не более 4096 символов. Отправьте /cancel, чтобы отменить.
admin-text-current-custom = Сейчас показывается свой текст магазина (выше).
admin-text-current-builtin = Сейчас показывается встроенный текст.
admin-text-reset-button = ↩️ Вернуть встроенный текст
admin-text-text-only = Пожалуйста, отправьте текст текстовым сообщением.
admin-text-invalid = ⚠️ Этот текст нельзя использовать: { $reason }
    Ничего не сохранено; отправьте исправленный текст или /cancel.
admin-text-preview = ☝️ Так его увидят покупатели. Сохранить?
admin-text-save-button = ✅ Сохранить
admin-text-cancel-button = ✖️ Отмена
admin-text-saved = ✅ Сохранено: { $text } ({ $language }).
admin-text-reset-done = ↩️ { $text } ({ $language }) снова показывает встроенный текст.
admin-text-nothing-to-save = Нет текста, ожидающего сохранения. Начните заново с /admin.
admin-text-cancelled = Ничего не изменено.

notify-method-card = перевод на карту
notify-method-zarinpal = ZarinPal
notify-method-wallet = кошелёк
notify-method-admin = администратор
notify-sale-purchase = 🛒 { $shop }: { $user } купил(а) { $plan } за { $amount } ({ $method }).
notify-sale-renewal = 🔁 { $shop }: { $user } продлил(а) { $plan } за { $amount } ({ $method }).
notify-sale-trial = 🎁 { $shop }: { $user } начал(а) бесплатный пробный период.
notify-sale-top-up = 💰 { $shop }: { $user } пополнил(а) кошелёк на { $amount } ({ $method }).
notify-sale-referral-reward = 🤝 { $shop }: { $user } получил(а) реферальное вознаграждение { $amount }.
notify-summary = 📊 { $shop }: сутки до { $date }
    Новые покупатели: { $customers }
    Пробные периоды: { $trials }
    Первые покупки: { $conversions }
    Продления: { $renewals }
    Продажи:
notify-summary-sales-line = • { $method }: { $count } ({ $amount })
notify-summary-no-sales = • нет
