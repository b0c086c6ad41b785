welcome = به { $shop } خوش آمدید، { $name }!
    از منوی زیر گزینه مورد نظر خود را انتخاب کنید.
menu-buy = 🛒 خرید اشتراک
menu-subscription = 📱 اشتراک من
menu-wallet = 👛 کیف پول
menu-support = 💬 پشتیبانی
unknown-command = این دستور را نمی‌شناسم. برای دیدن منو /start را بفرستید.
