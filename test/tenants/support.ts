/** What the tenant repository tests share: their layer and a way to make bots. */
import { Effect, Layer } from "effect"
import { Bots, TenantsLive } from "../../src/tenants/index.ts"
import { TestDatabaseLayer } from "../support/database.ts"

/** The tenant repositories over a database of the test file's own. */
export const tenantsTestLayer = () => TenantsLive.pipe(Layer.provideMerge(TestDatabaseLayer()))

/**
 * An effect that creates a new bot each time it runs and gives its id. Bot n
 * is named `${label} n`; its Telegram token is well-formed, with bot id
 * `telegramIdBase + n` and `letter` as filler, so a file that gives each of
 * its factories its own base and letter never repeats a token.
 */
export const botFactory = (label: string, telegramIdBase: number, letter: string) => {
  let seq = 0
  return Effect.gen(function* () {
    const n = ++seq
    const { bot } = yield* Bots.use((bots) =>
      bots.create({
        name: `${label} ${n}`,
        telegramToken: `${telegramIdBase + n}:${letter.repeat(30)}${String(n).padStart(5, "0")}`
      })
    )
    return bot.id
  })
}
