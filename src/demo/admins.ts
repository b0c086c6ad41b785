/**
 * Simulated shop admins. Each shop has two admins in its admin group; a receipt
 * the bot posts there (photo or text, with Approve / Reject buttons) is taken by
 * whichever admin is free, looked at for a moment, and approved — or, now and
 * then, rejected: Reject, then the reason typed as the next message, as the bot
 * asks. The admin sees the buttons vanish once the bot has done it.
 */
import type { SentMessage, TelegramEmulator } from "../emulators/telegram/index.ts"
import type { SimStats } from "./stats.ts"
import { buttonWith, inlineButtons, sleep, Stopped, TelegramUser, textOf, waitFor } from "./telegram-user.ts"
import type { DemoTenant } from "./tenants.ts"

export interface AdminsOptions {
  readonly telegram: TelegramEmulator
  readonly tenants: ReadonlyArray<DemoTenant>
  readonly stats: SimStats
  /** The share of receipts rejected (default 0.1). */
  readonly rejectRate?: number
}

export interface Admins {
  readonly stop: () => Promise<void>
}

const TRACKING = /C2C[0-9A-F]{16}/
const between = (min: number, max: number) => min + Math.random() * (max - min)

export const startAdmins = (options: AdminsOptions): Admins => {
  const stopped = new AbortController()
  const signal = stopped.signal
  const rejectRate = options.rejectRate ?? 0.1

  const adminGroup = (tenant: DemoTenant) => {
    const stats = options.stats.tenants[tenant.index]!
    /** Receipts an admin has taken (by message id in the admin group). */
    const taken = new Set<number>()
    /** Messages before this index are dealt with or not receipts. */
    let scanned = 0

    const nextReceipt = (messages: ReadonlyArray<SentMessage>): SentMessage | undefined => {
      while (scanned < messages.length) {
        const m = messages[scanned]!
        if (taken.has(m.messageId) || buttonWith(m, "rv:a:") === undefined) scanned++
        else break
      }
      return messages.slice(scanned).find((m) => !taken.has(m.messageId) && buttonWith(m, "rv:a:") !== undefined)
    }

    const review = async (admin: TelegramUser, receipt: SentMessage) => {
      const tracking = TRACKING.exec(textOf(receipt))?.[0] ?? ""
      await sleep(between(300, 1200), signal) // reading the receipt, checking the bank account
      const buttonsGone = () =>
        admin.messages().find((m) => m.messageId === receipt.messageId && buttonWith(m, "rv:") === undefined)
      if (Math.random() >= rejectRate) {
        admin.press(receipt, buttonWith(receipt, "rv:a:")!)
        await waitFor(buttonsGone, { step: `approving ${tracking}`, timeoutMs: 20_000, pollMs: 100, signal })
        stats.receiptsApproved++
        return
      }
      const prompt = await admin.act(
        () => admin.press(receipt, buttonWith(receipt, "rv:r:")!),
        (m) => buttonWith(m, "rv:n:") !== undefined && textOf(m).includes(tracking),
        `asking to reject ${tracking}`
      )
      await sleep(between(500, 1500), signal) // typing the reason
      const since = admin.mark()
      admin.say(tenant.spec.rejectReasons[Math.floor(Math.random() * tenant.spec.rejectReasons.length)]!)
      await admin.next(
        Math.max(since, prompt.messageId),
        (m) => textOf(m).includes(tracking) && inlineButtons(m).length === 0,
        `rejecting ${tracking}`
      )
      stats.receiptsRejected++
    }

    const work = async (admin: TelegramUser) => {
      while (!signal.aborted) {
        const receipt = nextReceipt(admin.messages())
        if (receipt === undefined) {
          await sleep(250, signal).catch(() => undefined)
          continue
        }
        taken.add(receipt.messageId)
        try {
          await review(admin, receipt)
        } catch (error) {
          if (error instanceof Stopped) return
          stats.adminFailures++
          options.stats.lastFailure = `@${tenant.username} admin ${admin.id}: ${error instanceof Error ? error.message : String(error)}`
        }
      }
    }

    return Promise.all(
      tenant.spec.admins.map((person) =>
        work(
          new TelegramUser({
            telegram: options.telegram,
            token: tenant.token,
            user: person,
            chatId: tenant.spec.adminChatId,
            signal,
            pollMs: 100
          })
        )
      )
    )
  }

  const working = Promise.all(options.tenants.map(adminGroup))
  return {
    stop: async () => {
      stopped.abort()
      await working
    }
  }
}
