welcome = Welcome to { $shop }, { $name }!
    Choose what you need from the menu below.
menu-buy = 🛒 Buy a plan
menu-subscription = 📱 My subscription
menu-wallet = 👛 Wallet
menu-support = 💬 Support
unknown-command = I don't know that command. Send /start to see the menu.
