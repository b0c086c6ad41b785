welcome = Добро пожаловать в { $shop }, { $name }!
    Выберите нужное в меню ниже.
menu-buy = 🛒 Купить тариф
menu-subscription = 📱 Моя подписка
menu-wallet = 👛 Кошелёк
menu-support = 💬 Поддержка
unknown-command = Я не знаю такой команды. Отправьте /start, чтобы увидеть меню.
