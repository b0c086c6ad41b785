/**
 * Every user-facing text in fa (the default), en and ru: the tenant's default
 * language, the user's own choice (stored on the user, so it holds in later
 * updates and in messages sent outside updates), and the menus in each.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  buttonData,
  createTenant,
  mark,
  nextMessage,
  press,
  query,
  say,
  startCardPurchase,
  startChat,
  startShop,
  until
} from "./harness.ts"
import type { Shop, Tenant } from "./harness.ts"

let shop: Shop
let persian: Tenant
let english: Tenant

beforeAll(async () => {
  shop = await startShop()
  persian = await createTenant(shop, { name: "فروشگاه" })
  english = await createTenant(shop, { name: "English Shop", config: { DEFAULT_LANGUAGE: "en" } })
})
afterAll(() => shop?.close())

const languageOf = async (t: Tenant, telegramId: number) =>
  (
    await query<{ language: string | null }>(
      shop,
      "SELECT language FROM users WHERE bot_id = $1 AND telegram_id = $2",
      t.botId,
      telegramId
    )
  )[0]!.language

describe("languages", () => {
  it("Persian by default: welcome, menu, plans and amounts in Persian", async () => {
    const user = 4001
    const welcome = await startChat(shop, persian, user)
    expect(welcome.text).toContain("به فروشگاه خوش آمدید")
    const keyboard = JSON.stringify(welcome.replyMarkup)
    expect(keyboard).toContain("🛒 خرید اشتراک")
    expect(keyboard).toContain("👛 کیف پول")
    const since = mark(shop, persian, user)
    say(shop, persian, user, "🛒 خرید اشتراک")
    const plans = await nextMessage(shop, persian, user, since, "پلن‌های ما")
    expect(plans.text).toContain("۱۵۰٬۰۰۰ تومان")
    expect(plans.text).toContain("۳۰ روز")
    const card = await startCardPurchase(shop, persian, user, persian.planIds[0]!)
    expect(card.text).toContain("شماره کارت")
    expect(await languageOf(persian, user)).toBeNull()
  })

  it("English by the user's choice, kept for later updates", async () => {
    const user = 4002
    await startChat(shop, persian, user)
    let since = mark(shop, persian, user)
    say(shop, persian, user, "🌐 زبان")
    const picker = await nextMessage(shop, persian, user, since, "زبان خود را انتخاب کنید")
    since = mark(shop, persian, user)
    press(shop, persian, user, picker, buttonData(picker, "lang:en"))
    const set = await nextMessage(shop, persian, user, since, "Your language is now English.")
    expect(JSON.stringify(set.replyMarkup)).toContain("🛒 Buy a plan")
    await until(
      () => languageOf(persian, user),
      (l) => l === "en"
    )
    since = mark(shop, persian, user)
    say(shop, persian, user, "👛 Wallet")
    await nextMessage(shop, persian, user, since, "Your wallet balance: 0 toman")
    since = mark(shop, persian, user)
    say(shop, persian, user, "/nonsense")
    await nextMessage(shop, persian, user, since, "I don't know that command")
  })

  it("Russian by the user's choice: menus, plans, support", async () => {
    const user = 4003
    const welcome = await startChat(shop, persian, user)
    let since = mark(shop, persian, user)
    press(shop, persian, user, welcome, "lang:ru")
    await nextMessage(shop, persian, user, since, "Теперь бот говорит по-русски.")
    since = mark(shop, persian, user)
    say(shop, persian, user, "🛒 Купить тариф")
    const plans = await nextMessage(shop, persian, user, since, "Наши тарифы")
    expect(plans.text).toMatch(/150\s000 томан/)
    since = mark(shop, persian, user)
    say(shop, persian, user, "💬 Поддержка")
    const support = await nextMessage(shop, persian, user, since, "Связаться с поддержкой")
    expect(support.text).toContain("@shop_support")
    since = mark(shop, persian, user)
    say(shop, persian, user, "📱 Моя подписка")
    await nextMessage(shop, persian, user, since, "У вас пока нет подписки")
    const payment = await startCardPurchase(shop, persian, user, persian.planIds[0]!)
    expect(payment.text).toContain("Переведите ровно")
    // Messages sent outside an update (the subscription link, from the outbox worker) use the user's language too.
    await until(
      () =>
        query(
          shop,
          "UPDATE card_to_card_payments SET status = 'cancelled' WHERE tracking_number = $1 RETURNING id",
          /C2C[0-9A-F]{16}/.exec(payment.text!)![0]
        ),
      (rows) => rows.length === 1
    )
    await query(shop, "UPDATE users SET balance = 150000 WHERE bot_id = $1 AND telegram_id = $2", persian.botId, user)
    since = mark(shop, persian, user)
    press(shop, persian, user, welcome, `pc:w:${persian.planIds[0]}`)
    await nextMessage(shop, persian, user, since, "Вы купили")
    const link = await nextMessage(shop, persian, user, since, "Ваша подписка готова")
    expect(link.text).toContain("/api/sub/")
  })

  it("the tenant's default language applies to users who did not choose; their choice overrides it", async () => {
    const welcome = await startChat(shop, english, 4004)
    expect(welcome.text).toContain("Welcome to English Shop")
    const since = mark(shop, english, 4004)
    press(shop, english, 4004, welcome, "lang:fa")
    await nextMessage(shop, english, 4004, since, "زبان شما فارسی شد.")
    const again = await startChat(shop, english, 4004)
    expect(again.text).toContain("به English Shop خوش آمدید")
  })
})
