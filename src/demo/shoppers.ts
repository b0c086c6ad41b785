/**
 * Simulated customers. Each "journey" is one person who opens a shop bot and
 * buys something, only by reading what the bot shows and using it:
 *
 *  - card:        menu → plan → card-to-card → confirm → transfer → receipt photo
 *                 (or text) → waits for the admins → subscription link (or the
 *                 rejection with its reason);
 *  - zarinpal:    menu → plan → ZarinPal → confirm → the payment link → pays on
 *                 the bank page (the emulator) and the browser follows the
 *                 redirect to the shop's callback → subscription link;
 *  - zarinpal_cancel: the same, but cancels on the bank page;
 *  - topup_card / topup_zarinpal: wallet → top up → types the amount (in their
 *                 own digits) → pays it → then buys a plan from the wallet;
 *  - trial:       menu → free trial → subscription link → a while later buys a
 *                 plan by ZarinPal, which replaces the trial (same link);
 *  - promo:       menu → promo code → types the shop's code (20 % off) → buys a
 *                 plan by ZarinPal at the discounted price;
 *  - referral:    buys by ZarinPal, opens "Invite friends" and passes the link
 *                 on: a friend starts the bot through it and buys too, and the
 *                 first customer's wallet is credited the commission.
 *
 * Some customers first switch the bot to another language. New customers
 * arrive at `rate` per second across the shops; the first three in every shop
 * pay by card, by ZarinPal and take the free trial, so each shows up at once.
 */
import type { SentMessage, TelegramEmulator } from "../emulators/telegram/index.ts"
import type { ZarinpalEmulator } from "../emulators/zarinpal/index.ts"
import { translator } from "../messages/i18n.ts"
import type { JourneyKind, SimStats, TenantSimStats } from "./stats.ts"
import {
  buttonsWith,
  buttonWith,
  replyKeyboard,
  sleep,
  Stopped,
  TelegramUser,
  textOf,
  urlButton
} from "./telegram-user.ts"
import { DEMO_PROMO_CODE } from "./tenants.ts"
import type { DemoTenant, Language } from "./tenants.ts"

export interface ShoppersOptions {
  readonly telegram: TelegramEmulator
  readonly zarinpal: ZarinpalEmulator
  /** Subscription links start with this (the Remnawave emulator's /api/sub). */
  readonly subscriptionPrefix: string
  readonly tenants: ReadonlyArray<DemoTenant>
  readonly stats: SimStats
  /** New customers per second, across all shops. */
  readonly rate: number
  /** Most customers in the middle of a journey at once. */
  readonly maxInFlight?: number
}

export interface Shoppers {
  /**
   * No new customers; those in the middle of a journey get `graceMs` to finish
   * (the admins are still reviewing), then are interrupted.
   */
  readonly stop: (graceMs: number) => Promise<void>
}

const TRACKING = /C2C[0-9A-F]{16}/

const KIND_WEIGHTS: ReadonlyArray<readonly [JourneyKind, number]> = [
  ["card", 42],
  ["zarinpal", 36],
  ["zarinpal_cancel", 4],
  ["topup_card", 8],
  ["topup_zarinpal", 10],
  ["trial", 12],
  ["promo", 8],
  ["referral", 6]
]

const pickKind = (): JourneyKind => {
  const total = KIND_WEIGHTS.reduce((s, [, w]) => s + w, 0)
  let r = Math.random() * total
  for (const [kind, weight] of KIND_WEIGHTS) {
    r -= weight
    if (r < 0) return kind
  }
  return "card"
}

const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(Math.random() * items.length)]!
const between = (min: number, max: number) => min + Math.random() * (max - min)

const PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"

/** An amount as a person in this language would type it. */
const typedAmount = (amount: number, language: Language): string =>
  language === "fa"
    ? amount
        .toLocaleString("en-US")
        .replace(/,/g, "٬")
        .replace(/[0-9]/g, (d) => PERSIAN_DIGITS[Number(d)]!)
    : language === "ru"
      ? amount.toLocaleString("en-US").replace(/,/g, " ")
      : amount.toLocaleString("en-US")

class Refused extends Error {}

const hasKeyboard = (m: SentMessage) => replyKeyboard(m) !== undefined

interface Journey {
  readonly user: TelegramUser
  readonly tenant: DemoTenant
  readonly stats: TenantSimStats
  readonly options: ShoppersOptions
  readonly signal: AbortSignal
  menu: ReadonlyArray<ReadonlyArray<string>>
  /** The language the bot speaks to them: the shop's, until they choose another. */
  language: Language
}

/** A pause a person takes to read, decide or type. */
const think = (j: Journey, min = 150, max = 700) => sleep(between(min, max), j.signal)

/** The main menu's button for `key` (a message id of the shop's texts), read as the customer reads it. */
const menuButton = (j: Journey, key: string): string => {
  const label = translator(j.language)(key)
  if (!j.menu.some((row) => row.includes(label)))
    throw new Refused(`the main menu has no "${label}": ${JSON.stringify(j.menu)}`)
  return label
}

const isSubscriptionLink = (j: Journey) => (m: SentMessage) => textOf(m).includes(j.options.subscriptionPrefix)

/** /start, and perhaps a different language than the shop's. */
const open = async (j: Journey) => {
  const welcome = await j.user.act(() => j.user.say("/start"), hasKeyboard, "waiting for the welcome message")
  j.menu = replyKeyboard(welcome)!
  if (Math.random() < 0.12) {
    await think(j)
    const picker = await j.user.act(
      () => j.user.say(menuButton(j, "menu-language")),
      (m) => buttonWith(m, "lang:") !== undefined,
      "opening the language picker"
    )
    const others = buttonsWith(picker, "lang:").filter((b) => b.callbackData !== `lang:${j.tenant.spec.language}`)
    const language = pick(others)
    const chosen = await j.user.act(() => j.user.press(picker, language), hasKeyboard, "choosing a language")
    j.menu = replyKeyboard(chosen)!
    j.language = language.callbackData!.slice("lang:".length) as Language
    j.stats.languageSwitches++
  }
}

/** Buy menu → a plan → a payment method → the confirmation; returns the confirmation and its button. */
const choosePlan = async (j: Journey, method: "c" | "z" | "w", planId?: number) => {
  await think(j)
  const plans = await j.user.act(
    () => j.user.say(menuButton(j, "menu-buy")),
    (m) => buttonWith(m, "plan:") !== undefined,
    "opening the plans"
  )
  await think(j, 300, 1200)
  const planButton = planId === undefined ? pick(buttonsWith(plans, "plan:")) : buttonWith(plans, `plan:${planId}`)
  if (planButton === undefined) throw new Refused(`plan ${planId} is not on the list`)
  const methods = await j.user.act(
    () => j.user.press(plans, planButton),
    (m) => buttonWith(m, "pm:") !== undefined,
    "choosing a plan"
  )
  await think(j)
  const methodButton = buttonWith(methods, `pm:${method}:`)
  if (methodButton === undefined) throw new Refused(`payment method ${method} is not offered`)
  const confirm = await j.user.act(
    () => j.user.press(methods, methodButton),
    (m) => buttonWith(m, "pc:") !== undefined,
    "choosing how to pay"
  )
  await think(j)
  const confirmButton = buttonWith(confirm, `pc:${method}:`)
  if (confirmButton === undefined) throw new Refused("no confirm button")
  return { confirm, confirmButton }
}

const receiptCaption = () => `Ref ${Math.floor(between(100_000, 999_999))}`

/**
 * Transfers the money (a pause), sends the receipt and waits for the admins:
 * "rejected" when the bot names the tracking number again (the rejection), else
 * the message that follows (the credit, then the link for a plan).
 */
const payByCard = async (j: Journey, instructions: SentMessage, forPlan: boolean): Promise<"approved" | "rejected"> => {
  const tracking = TRACKING.exec(textOf(instructions))?.[0]
  if (tracking === undefined) throw new Refused("no tracking number in the card details")
  await think(j, 800, 2500) // the transfer in the bank's app
  const photo = Math.random() < 0.7
  const received = await j.user.act(
    () =>
      photo
        ? j.user.sendPhoto(Math.random() < 0.5 ? receiptCaption() : undefined)
        : j.user.say(`${receiptCaption()} — ${j.user.id % 2 === 0 ? "Saman" : "Mellat"}`),
    (m) => textOf(m).includes(tracking),
    "sending the receipt"
  )
  const outcome = await j.user.next(
    received.messageId,
    (m) => textOf(m).includes(tracking) || (forPlan ? isSubscriptionLink(j)(m) : true),
    "waiting for the admins to review the receipt",
    120_000
  )
  return textOf(outcome).includes(tracking) ? "rejected" : "approved"
}

/** The payment link → the bank page → paid (or cancelled) → the browser back at the shop. */
const payAtBank = async (j: Journey, link: SentMessage, cancel: boolean): Promise<number> => {
  const url = urlButton(link)!.url!
  const authority = url.split("/").at(-1)!
  await think(j, 1000, 3000) // on the bank page
  const since = j.user.mark()
  const bank = cancel
    ? await j.options.zarinpal.cancel(authority, { follow: true })
    : await j.options.zarinpal.pay(authority, { follow: true })
  if (bank.followed?.status !== 200)
    throw new Refused(`the shop's callback answered ${bank.followed?.status ?? "nothing"}`)
  return since
}

const hasPaymentLink = (m: SentMessage) => urlButton(m)?.url?.includes("/pg/StartPay/") === true

const buyByCard = async (j: Journey) => {
  const { confirm, confirmButton } = await choosePlan(j, "c")
  const instructions = await j.user.act(
    () => j.user.press(confirm, confirmButton),
    (m) => buttonWith(m, "c2c:x:") !== undefined && TRACKING.test(textOf(m)),
    "waiting for the card details"
  )
  return (await payByCard(j, instructions, true)) === "approved" ? "bought" : "rejected"
}

const buyOnline = async (j: Journey, cancel: boolean) => {
  const { confirm, confirmButton } = await choosePlan(j, "z")
  const link = await j.user.act(
    () => j.user.press(confirm, confirmButton),
    hasPaymentLink,
    "waiting for the payment link",
    30_000
  )
  const since = await payAtBank(j, link, cancel)
  if (cancel) {
    await j.user.next(since, () => true, "waiting to hear the payment was cancelled")
    return "cancelled"
  }
  await j.user.next(since, isSubscriptionLink(j), "waiting for the subscription link", 30_000)
  return "bought"
}

/** Wallet → top up → amount → method → paid; then a plan bought from the wallet. */
const topUpThenBuy = async (j: Journey, method: "c" | "z") => {
  const plan = pick(j.tenant.plans.filter((p) => p.price <= 700_000))
  await think(j)
  const wallet = await j.user.act(
    () => j.user.say(menuButton(j, "menu-wallet")),
    (m) => buttonWith(m, "w:topup") !== undefined,
    "opening the wallet"
  )
  await think(j)
  await j.user.act(
    () => j.user.press(wallet, buttonWith(wallet, "w:topup")!),
    () => true,
    "asking to top up"
  )
  await think(j, 500, 1500)
  const methods = await j.user.act(
    () => j.user.say(typedAmount(plan.price, j.tenant.spec.language)),
    (m) => buttonWith(m, "tm:") !== undefined,
    "typing the amount"
  )
  await think(j)
  const methodButton = buttonWith(methods, `tm:${method}:`)
  if (methodButton === undefined) throw new Refused(`top-up method ${method} is not offered`)
  if (method === "c") {
    const instructions = await j.user.act(
      () => j.user.press(methods, methodButton),
      (m) => buttonWith(m, "c2c:x:") !== undefined && TRACKING.test(textOf(m)),
      "waiting for the card details"
    )
    if ((await payByCard(j, instructions, false)) === "rejected") return "rejected"
  } else {
    const link = await j.user.act(
      () => j.user.press(methods, methodButton),
      hasPaymentLink,
      "waiting for the payment link",
      30_000
    )
    const since = await payAtBank(j, link, false)
    await j.user.next(since, () => true, "waiting for the wallet credit")
  }
  const { confirm, confirmButton } = await choosePlan(j, "w", plan.id)
  await j.user.act(() => j.user.press(confirm, confirmButton), isSubscriptionLink(j), "buying from the wallet", 30_000)
  return "bought"
}

/** The free trial, its link, then (having liked it) a plan bought by ZarinPal. */
const trialThenBuy = async (j: Journey) => {
  await think(j)
  const granted = await j.user.act(
    () => j.user.say(menuButton(j, "menu-trial")),
    hasKeyboard,
    "asking for the free trial"
  )
  j.menu = replyKeyboard(granted)!
  await j.user.next(granted.messageId, isSubscriptionLink(j), "waiting for the trial's link", 30_000)
  await think(j, 1500, 4000) // trying the VPN
  return buyOnline(j, false)
}

/** The shop's promo code (20 % off), then a plan by ZarinPal at that price. */
const promoThenBuy = async (j: Journey) => {
  await think(j)
  await j.user.act(
    () => j.user.say(menuButton(j, "menu-promo")),
    () => true,
    "asking for a promo code"
  )
  await think(j, 500, 1500)
  const accepted = await j.user.act(
    () => j.user.say(j.user.id % 3 === 0 ? DEMO_PROMO_CODE.toLowerCase() : DEMO_PROMO_CODE),
    () => true,
    "typing the promo code"
  )
  if (!/20/.test(textOf(accepted)) && !/۲۰/.test(textOf(accepted)))
    throw new Refused(`the promo code was refused: ${textOf(accepted)}`)
  return buyOnline(j, false)
}

const REFERRAL_LINK = /\?start=(ref_[A-Za-z0-9_-]+)/

/**
 * Buys, then passes the "Invite friends" link to a friend, who starts the shop
 * through it and buys as well (the first customer earns the commission).
 */
const buyThenRefer = async (j: Journey, friendOf: (j: Journey) => Journey) => {
  await buyOnline(j, false)
  await think(j)
  const invite = await j.user.act(
    () => j.user.say(menuButton(j, "menu-invite")),
    (m) => REFERRAL_LINK.test(textOf(m)),
    "opening Invite friends"
  )
  const payload = REFERRAL_LINK.exec(textOf(invite))![1]!
  const friend = friendOf(j)
  await think(friend, 1000, 3000) // the friend opens the link
  const welcome = await friend.user.act(
    () => friend.user.say(`/start ${payload}`),
    hasKeyboard,
    "the friend starting the shop through the link"
  )
  friend.menu = replyKeyboard(welcome)!
  j.stats.referralsSent++
  return buyOnline(friend, false)
}

const runJourney = async (j: Journey, kind: JourneyKind, friendOf: (j: Journey) => Journey) => {
  await open(j)
  switch (kind) {
    case "card":
      return buyByCard(j)
    case "zarinpal":
      return buyOnline(j, false)
    case "zarinpal_cancel":
      return buyOnline(j, true)
    case "topup_card":
      return topUpThenBuy(j, "c")
    case "topup_zarinpal":
      return topUpThenBuy(j, "z")
    case "trial":
      return trialThenBuy(j)
    case "promo":
      return promoThenBuy(j)
    case "referral":
      return buyThenRefer(j, friendOf)
  }
}

export const startShoppers = (options: ShoppersOptions): Shoppers => {
  const noMoreArrivals = new AbortController()
  const interrupt = new AbortController()
  const inFlight = new Set<Promise<void>>()
  const maxInFlight = options.maxInFlight ?? 100
  const nextUser = options.tenants.map((t) => (t.index + 1) * 1_000_000)
  const arrivals = options.tenants.map(() => 0)

  /** A new person at this shop's door. */
  const newJourney = (tenant: DemoTenant): Journey => {
    const id = ++nextUser[tenant.index]!
    const firstName = pick(tenant.spec.customerNames)
    const user = new TelegramUser({
      telegram: options.telegram,
      token: tenant.token,
      user: {
        id,
        first_name: firstName,
        ...(Math.random() < 0.6 ? { username: `${firstName.toLowerCase()}_${id % 100_000}` } : {}),
        language_code: tenant.spec.language
      },
      signal: interrupt.signal,
      timeoutMs: 20_000
    })
    return {
      user,
      tenant,
      stats: options.stats.tenants[tenant.index]!,
      options,
      signal: interrupt.signal,
      menu: [],
      language: tenant.spec.language
    }
  }

  // The first arrivals in every shop show each way once: card, ZarinPal, trial, promo, referral.
  const FIRST_KINDS: ReadonlyArray<JourneyKind> = ["card", "zarinpal", "trial", "promo", "referral"]

  const launch = (tenant: DemoTenant) => {
    const stats = options.stats.tenants[tenant.index]!
    const n = arrivals[tenant.index]!++
    const kind: JourneyKind = FIRST_KINDS[n] ?? pickKind()
    const journey = newJourney(tenant)
    const id = journey.user.id
    stats.journeysStarted++
    stats.byKind[kind]++
    stats.inFlight++
    const done = runJourney(journey, kind, (j) => newJourney(j.tenant))
      .then(
        (outcome) => {
          stats.outcomes[outcome]++
        },
        (error: unknown) => {
          if (error instanceof Stopped) {
            stats.outcomes.interrupted++
          } else {
            stats.outcomes.failed++
            options.stats.lastFailure = `@${tenant.username} user ${id} (${kind}): ${error instanceof Error ? error.message : String(error)}`
          }
        }
      )
      .finally(() => {
        stats.inFlight--
        inFlight.delete(done)
      })
    inFlight.add(done)
  }

  const arrive = async () => {
    let n = 0
    while (!noMoreArrivals.signal.aborted) {
      if (inFlight.size < maxInFlight) launch(options.tenants[n++ % options.tenants.length]!)
      // Arrivals at random, `rate` per second on average.
      await sleep(between(0.5, 1.5) * (1000 / options.rate), noMoreArrivals.signal).catch(() => undefined)
    }
  }
  const arriving = arrive()

  return {
    stop: async (graceMs) => {
      noMoreArrivals.abort()
      await arriving
      const all = Promise.allSettled([...inFlight])
      await Promise.race([all, sleep(graceMs)])
      interrupt.abort()
      await Promise.allSettled([...inFlight])
    }
  }
}
