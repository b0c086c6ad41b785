/** `botfleet tenant …`: create, list, rotate-api-token, activate, deactivate, delete. */
import { Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { Bots } from "../tenants/bots.ts"
import { field, print, reportFailure } from "./output.ts"
import { CliDatabase } from "./database.ts"

const json = Flag.Boolean("json").pipe(Flag.withDescription("Print machine-readable JSON"), Flag.withDefault(false))
const botId = Argument.Int("id").pipe(Argument.withDescription("The bot's id"))

const inDatabase = <A, E>(effect: Effect.Effect<A, E, Bots>) => reportFailure(Effect.provide(effect, CliDatabase))

const create = Command.make(
  "create",
  {
    name: Flag.String("name").pipe(Flag.withDescription("Display name of the tenant")),
    token: Flag.String("token").pipe(Flag.withDescription("The tenant bot's Telegram token (from @BotFather)")),
    master: Flag.Boolean("master").pipe(Flag.withDescription("Make this the master bot"), Flag.withDefault(false)),
    json
  },
  ({ json, master, name, token }) =>
    inDatabase(
      Effect.gen(function* () {
        const bots = yield* Bots
        const { apiToken, bot } = yield* bots.create({ name, telegramToken: token, isMaster: master })
        yield* print(
          json,
          { id: bot.id, apiToken },
          () => `created bot ${bot.id} (${field(bot.name)})\nAPI token (shown once, store it now): ${apiToken}`
        )
      })
    )
).pipe(Command.withDescription("Create a tenant bot and print its one-time API token"))

const list = Command.make("list", { json }, ({ json }) =>
  inDatabase(
    Effect.gen(function* () {
      const bots = yield* Bots
      const all = yield* bots.list()
      yield* print(json, all, () =>
        all.length === 0
          ? "no bots"
          : all
              .map(
                (b) =>
                  `${String(b.id).padStart(6)}  ${b.isActive ? "active  " : "inactive"}  ${b.isMaster ? "master " : "tenant "} ${field(b.name)}`
              )
              .join("\n")
      )
    })
  )
).pipe(Command.withDescription("List every tenant bot"))

const rotate = Command.make("rotate-api-token", { id: botId, json }, ({ id, json }) =>
  inDatabase(
    Effect.gen(function* () {
      const bots = yield* Bots
      const apiToken = yield* bots.rotateApiToken(id)
      yield* print(json, { id, apiToken }, () => `new API token for bot ${id} (shown once): ${apiToken}`)
    })
  )
).pipe(Command.withDescription("Replace a bot's API token; the old one stops working at once"))

const setActive = (name: "activate" | "deactivate") =>
  Command.make(name, { id: botId, json }, ({ id, json }) =>
    inDatabase(
      Effect.gen(function* () {
        const bots = yield* Bots
        const bot = name === "activate" ? yield* bots.activate(id) : yield* bots.deactivate(id)
        yield* print(
          json,
          { id: bot.id, isActive: bot.isActive },
          () => `bot ${bot.id} is ${bot.isActive ? "active" : "inactive"}`
        )
      })
    )
  ).pipe(Command.withDescription(name === "activate" ? "Start running a bot" : "Stop running a bot"))

const remove = Command.make("delete", { id: botId, json }, ({ id, json }) =>
  inDatabase(
    Effect.gen(function* () {
      const bots = yield* Bots
      yield* bots.delete(id)
      yield* print(json, { id, deleted: true }, () => `bot ${id} and all its data deleted`)
    })
  )
).pipe(Command.withDescription("Delete a bot and everything that belongs to it"))

export const tenantCommand = Command.make("tenant").pipe(
  Command.withDescription("Manage tenant bots"),
  Command.withSubcommands([create, list, rotate, setActive("activate"), setActive("deactivate"), remove])
)
