/**
 * The bots registry (seed increment 1.3). Fleet-wide by nature — the operator
 * CLI, the master bot, the API's master token and the supervisor all manage
 * many bots — so it runs as the connecting role, outside `withTenant`.
 */
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { uniqueViolationOf } from "../db/errors.ts"
import {
  BotNotFound,
  DuplicateTelegramToken,
  InvalidInput,
  InvalidTelegramToken,
  MasterBotExists,
  MasterBotProtected
} from "./errors.ts"
import { MAX_SAFE, MAX_TRAFFIC_RATE_PER_GB, nameProblem } from "./limits.ts"
import { checkInt, firstRow } from "./repository.ts"
import { generateApiToken, hashApiToken, telegramBotIdOf } from "./tokens.ts"

export interface Bot {
  readonly id: number
  readonly name: string
  readonly telegramBotId: number
  readonly telegramUsername: string | null
  readonly isMaster: boolean
  readonly isActive: boolean
  readonly currency: string
  readonly walletBalance: number
  readonly trafficRatePerGb: number
  readonly trafficSoldBytes: number
  readonly trafficConsumedBytes: number
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** A bot with its Telegram token, for the code that must talk to Telegram. */
export interface BotWithToken extends Bot {
  readonly telegramToken: Redacted.Redacted<string>
}

export interface CreateBot {
  readonly name: string
  readonly telegramToken: string
  readonly telegramUsername?: string | undefined
  readonly isMaster?: boolean | undefined
  readonly isActive?: boolean | undefined
  readonly currency?: string | undefined
}

export interface UpdateBot {
  readonly name?: string | undefined
  readonly telegramToken?: string | undefined
  readonly telegramUsername?: string | undefined
  readonly currency?: string | undefined
  readonly trafficRatePerGb?: number | undefined
}

/** The supervisor's record of a bot (table bot_runtime_status). */
export interface RuntimeStatus {
  readonly botId: number
  readonly state: string
  readonly lastError: string | null
  readonly lastErrorAt: Date | null
  readonly restartCount: number
  readonly conflictCount: number
  readonly lastStartedAt: Date | null
  readonly runner: string | null
  readonly updatedAt: Date
}

type WriteError = InvalidTelegramToken | DuplicateTelegramToken | InvalidInput | SqlError

/**
 * The counters are capped as they are read, as well as by the table's CHECKs
 * (migrations/009): a value past 2^53 - 1 fails the int8 codec, and one such row
 * used to fail every fleet-wide listing (GET /bots, `tenant list`, `status`,
 * the master bot's /tenants and /stats).
 */
const safe = (column: string) => `LEAST(GREATEST(${column}, -${MAX_SAFE}), ${MAX_SAFE}) AS ${column}`
const COLUMNS = `id, name, telegram_bot_id, telegram_username, is_master, is_active, currency, ${safe("wallet_balance")},
  ${safe("traffic_rate_per_gb")}, ${safe("traffic_sold_bytes")}, ${safe("traffic_consumed_bytes")}, created_at, updated_at`

type Row = Bot & { readonly telegramBotToken?: string }

const toBot = ({ telegramBotToken: _, ...bot }: Row): Bot => bot
const toBotWithToken = ({ telegramBotToken, ...bot }: Row): BotWithToken => ({
  ...bot,
  telegramToken: Redacted.make(telegramBotToken ?? "")
})

/** 1 to 255 characters, no control characters (names reach terminals and chats). */
const checkName = (name: string) => {
  const problem = nameProblem(name)
  return problem === undefined
    ? Effect.succeed(name.trim())
    : Effect.fail(new InvalidInput({ field: "name", reason: problem }))
}

const checkCurrency = (currency: string) =>
  /^[A-Z]{3}$/.test(currency)
    ? Effect.succeed(currency)
    : Effect.fail(new InvalidInput({ field: "currency", reason: "must be a three-letter code such as IRT" }))

const checkToken = (token: string) => {
  const telegramBotId = telegramBotIdOf(token)
  return telegramBotId === undefined ? Effect.fail(new InvalidTelegramToken()) : Effect.succeed(telegramBotId)
}

/** Turns PostgreSQL's unique violations on the bots indexes into typed errors. */
const typedUniqueViolation = (
  e: SqlError
): Effect.Effect<never, DuplicateTelegramToken | MasterBotExists | SqlError> => {
  const constraint = uniqueViolationOf(e)
  if (constraint === "idx_bots_telegram_token") return Effect.fail(new DuplicateTelegramToken())
  if (constraint === "idx_bots_is_master") return Effect.fail(new MasterBotExists())
  return Effect.fail(e)
}

export class Bots extends Context.Service<
  Bots,
  {
    create(input: CreateBot): Effect.Effect<{ bot: Bot; apiToken: string }, WriteError | MasterBotExists>
    getById(id: number): Effect.Effect<Bot, BotNotFound | SqlError>
    getWithToken(id: number): Effect.Effect<BotWithToken, BotNotFound | SqlError>
    findByTelegramToken(token: string): Effect.Effect<Option.Option<Bot>, SqlError>
    findByApiToken(apiToken: string): Effect.Effect<Option.Option<Bot>, SqlError>
    findMaster(): Effect.Effect<Option.Option<Bot>, SqlError>
    list(): Effect.Effect<ReadonlyArray<Bot>, SqlError>
    listActive(): Effect.Effect<ReadonlyArray<Bot>, SqlError>
    listActiveWithTokens(): Effect.Effect<ReadonlyArray<BotWithToken>, SqlError>
    update(id: number, patch: UpdateBot): Effect.Effect<Bot, BotNotFound | MasterBotExists | WriteError>
    activate(id: number): Effect.Effect<Bot, BotNotFound | SqlError>
    deactivate(id: number): Effect.Effect<Bot, BotNotFound | MasterBotProtected | SqlError>
    delete(id: number): Effect.Effect<void, BotNotFound | MasterBotProtected | SqlError>
    rotateApiToken(id: number): Effect.Effect<string, BotNotFound | SqlError>
    runtimeStatus(): Effect.Effect<ReadonlyArray<RuntimeStatus>, SqlError>
  }
>()("botfleet/tenants/Bots") {
  static readonly layer = Layer.effect(
    Bots,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const cols = sql.unsafe(COLUMNS)

      const one = <E>(rows: ReadonlyArray<Row>, onMissing: () => E) => Effect.map(firstRow(rows, onMissing), toBot)

      const getById = Effect.fn("Bots.getById")(function* (id: number) {
        const rows = yield* sql<Row>`SELECT ${cols} FROM bots WHERE id = ${id}`
        return yield* one(rows, () => new BotNotFound({ botId: id }))
      })

      const create = Effect.fn("Bots.create")(function* (input: CreateBot) {
        const name = yield* checkName(input.name)
        const telegramBotId = yield* checkToken(input.telegramToken)
        const currency = yield* checkCurrency(input.currency ?? "IRT")
        const apiToken = generateApiToken()
        const isMaster = input.isMaster ?? false
        const rows = yield* sql<Row>`
          INSERT INTO bots (name, telegram_bot_token, telegram_bot_id, telegram_username, api_token_hash, is_master, is_active, currency)
          VALUES (${name}, ${input.telegramToken}, ${telegramBotId}, ${input.telegramUsername ?? null},
                  ${hashApiToken(apiToken)}, ${isMaster}, ${isMaster || (input.isActive ?? true)}, ${currency})
          RETURNING ${cols}`.pipe(Effect.catchTag("SqlError", typedUniqueViolation))
        return { bot: toBot(rows[0]!), apiToken }
      })

      const getWithToken = Effect.fn("Bots.getWithToken")(function* (id: number) {
        const rows = yield* sql<Row>`SELECT ${cols}, telegram_bot_token FROM bots WHERE id = ${id}`
        return toBotWithToken(yield* firstRow(rows, () => new BotNotFound({ botId: id })))
      })

      const findOne = (rows: ReadonlyArray<Row>) => Option.map(Option.fromNullishOr(rows[0]), toBot)

      const update = Effect.fn("Bots.update")(function* (id: number, patch: UpdateBot) {
        const set: Record<string, unknown> = {}
        if (patch.name !== undefined) set.name = yield* checkName(patch.name)
        if (patch.currency !== undefined) set.currency = yield* checkCurrency(patch.currency)
        if (patch.telegramUsername !== undefined) set.telegramUsername = patch.telegramUsername
        if (patch.trafficRatePerGb !== undefined) {
          set.trafficRatePerGb = yield* checkInt("trafficRatePerGb", patch.trafficRatePerGb, 0, MAX_TRAFFIC_RATE_PER_GB)
        }
        if (patch.telegramToken !== undefined) {
          set.telegramBotId = yield* checkToken(patch.telegramToken)
          set.telegramBotToken = patch.telegramToken
        }
        if (Object.keys(set).length === 0) return yield* getById(id)
        const rows = yield* sql<Row>`UPDATE bots SET ${sql.update(set)} WHERE id = ${id} RETURNING ${cols}`.pipe(
          Effect.catchTag("SqlError", typedUniqueViolation)
        )
        return yield* one(rows, () => new BotNotFound({ botId: id }))
      })

      const setActive = (id: number, active: boolean) =>
        sql<Row>`UPDATE bots SET is_active = ${active} WHERE id = ${id} AND (NOT is_master OR ${active}) RETURNING ${cols}`

      const guardMaster = Effect.fnUntraced(function* (id: number, action: string) {
        const bot = yield* getById(id)
        if (bot.isMaster) return yield* new MasterBotProtected({ action })
        return bot
      })

      return Bots.of({
        create,
        getById,
        getWithToken,
        findByTelegramToken: (token) =>
          Effect.map(sql<Row>`SELECT ${cols} FROM bots WHERE telegram_bot_token = ${token}`, findOne),
        findByApiToken: (apiToken) =>
          Effect.map(sql<Row>`SELECT ${cols} FROM bots WHERE api_token_hash = ${hashApiToken(apiToken)}`, findOne),
        findMaster: () => Effect.map(sql<Row>`SELECT ${cols} FROM bots WHERE is_master`, findOne),
        list: () => Effect.map(sql<Row>`SELECT ${cols} FROM bots ORDER BY id`, (rows) => rows.map(toBot)),
        listActive: () =>
          Effect.map(sql<Row>`SELECT ${cols} FROM bots WHERE is_active ORDER BY id`, (rows) => rows.map(toBot)),
        listActiveWithTokens: () =>
          Effect.map(sql<Row>`SELECT ${cols}, telegram_bot_token FROM bots WHERE is_active ORDER BY id`, (rows) =>
            rows.map(toBotWithToken)
          ),
        update,
        activate: Effect.fn("Bots.activate")(function* (id: number) {
          return yield* one(yield* setActive(id, true), () => new BotNotFound({ botId: id }))
        }),
        deactivate: Effect.fn("Bots.deactivate")(function* (id: number) {
          yield* guardMaster(id, "deactivated")
          return yield* one(yield* setActive(id, false), () => new BotNotFound({ botId: id }))
        }),
        delete: Effect.fn("Bots.delete")(function* (id: number) {
          yield* guardMaster(id, "deleted")
          yield* sql`DELETE FROM bots WHERE id = ${id} AND NOT is_master`
        }),
        rotateApiToken: Effect.fn("Bots.rotateApiToken")(function* (id: number) {
          const apiToken = generateApiToken()
          const rows = yield* sql<{ id: number }>`
            UPDATE bots SET api_token_hash = ${hashApiToken(apiToken)} WHERE id = ${id} RETURNING id`
          yield* firstRow(rows, () => new BotNotFound({ botId: id }))
          return apiToken
        }),
        runtimeStatus: () =>
          sql<RuntimeStatus>`
            SELECT bot_id, state, last_error, last_error_at, restart_count, conflict_count, last_started_at, runner, updated_at
            FROM bot_runtime_status ORDER BY bot_id`
      })
    })
  )
}
