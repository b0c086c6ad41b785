/**
 * Remnawave panel client: the user API botfleet needs (create, look up by
 * username or uuid, update), nothing else. Turning a paid purchase into a panel
 * user is the outbox's provisioning task (src/outbox/provision-subscription.ts,
 * through panel-sync.ts, with absolute values so a retry is harmless).
 *
 * - Config (AppConfig): `REMNAWAVE_API_URL` and `REMNAWAVE_API_TOKEN` (Redacted;
 *   sent only as the Bearer header, never logged or put in errors).
 * - Every answer is decoded with Schema (only the fields botfleet uses; the
 *   panel adds fields between versions). Panel errors are
 *   `{message, errorCode}`: A019 on create is `RemnawaveUserExists` (the panel
 *   answers HTTP 400 for it; a 409 is treated the same way), 404 on look-ups is
 *   `Option.none()`, 404 on update is `RemnawaveUserNotFound`; other 4xx are
 *   `RemnawaveApiError`; network errors, timeouts, 5xx and unreadable answers
 *   are `RemnawaveUnavailable`.
 * - Each attempt times out after 10 s. Look-ups and updates (absolute values,
 *   so idempotent) are retried on network errors, timeouts and 5xx; create is
 *   not (a lost answer may still have created the user).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, DateTime, Duration, Effect, Layer, Option, type Redacted, Schedule, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { HttpClientResponse } from "effect/http"
import { AppConfig } from "../config.ts"
import { describeAttemptError, isRetryable, ServerFailure, Unreadable } from "../provider-errors.ts"
import type { AttemptError } from "../provider-errors.ts"

// ---------------------------------------------------------------- errors

const Operation = Schema.Literals([
  "createUser",
  "getUserByUsername",
  "getUserByUuid",
  "updateUser",
  "listInternalSquads",
  "listUsers",
  "listDeviceCounts",
  "deleteAllDevices"
])
export type RemnawaveOperation = typeof Operation.Type

export class RemnawaveUserExists extends Schema.TaggedError<RemnawaveUserExists>()("RemnawaveUserExists", {
  username: Schema.String
}) {
  override get message() {
    return `Remnawave user ${this.username} already exists`
  }
}

export class RemnawaveUserNotFound extends Schema.TaggedError<RemnawaveUserNotFound>()("RemnawaveUserNotFound", {
  uuid: Schema.String
}) {
  override get message() {
    return `Remnawave user ${this.uuid} does not exist`
  }
}

/** The panel refused the call (401 bad token, 400 validation, …). */
export class RemnawaveApiError extends Schema.TaggedError<RemnawaveApiError>()("RemnawaveApiError", {
  operation: Operation,
  status: Schema.Number,
  errorCode: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  override get message() {
    return `Remnawave ${this.operation} failed with HTTP ${this.status}${
      this.errorCode === undefined ? "" : ` ${this.errorCode}`
    }: ${this.detail}`
  }
}

/** The panel could not be reached or did not answer sensibly (network, timeout, 5xx, unreadable body). */
export class RemnawaveUnavailable extends Schema.TaggedError<RemnawaveUnavailable>()("RemnawaveUnavailable", {
  operation: Operation,
  reason: Schema.String,
  status: Schema.optional(Schema.Number)
}) {
  override get message() {
    return `Remnawave ${this.operation} failed: ${this.reason}`
  }
}

export type RemnawaveError = RemnawaveApiError | RemnawaveUnavailable

// ---------------------------------------------------------------- wire schemas

const UserSchema = Schema.Struct({
  uuid: Schema.String,
  // The numeric id the HWID devices API takes (Remnawave 2.x).
  id: Schema.optional(Schema.Number),
  shortUuid: Schema.String,
  username: Schema.String,
  status: Schema.String,
  expireAt: Schema.DateTimeUtcFromString,
  trafficLimitBytes: Schema.Number,
  trafficLimitStrategy: Schema.optional(Schema.String),
  hwidDeviceLimit: Schema.optional(Schema.NullOr(Schema.Number)),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  subscriptionUrl: Schema.String,
  // Current panels nest traffic in userTraffic; older ones had it at the top level.
  userTraffic: Schema.optional(Schema.Struct({ usedTrafficBytes: Schema.Number })),
  usedTrafficBytes: Schema.optional(Schema.Number),
  // Remnawave 2.x; absent on older panels.
  activeInternalSquads: Schema.optional(Schema.Array(Schema.Struct({ uuid: Schema.String, name: Schema.String })))
})

const UserEnvelope = Schema.Struct({ response: UserSchema })

const DeviceCountsEnvelope = Schema.Struct({
  response: Schema.Struct({
    users: Schema.Array(Schema.Struct({ username: Schema.String, devicesCount: Schema.Number })),
    total: Schema.Number
  })
})

const DevicesEnvelope = Schema.Struct({ response: Schema.Struct({ total: Schema.Number }) })

const UsersPageEnvelope = Schema.Struct({
  response: Schema.Struct({ users: Schema.Array(UserSchema), total: Schema.Number })
})

const SquadsEnvelope = Schema.Struct({
  response: Schema.Struct({
    internalSquads: Schema.Array(Schema.Struct({ uuid: Schema.String, name: Schema.String }))
  })
})

const ErrorBody = Schema.Struct({
  message: Schema.optional(Schema.Unknown),
  errorCode: Schema.optional(Schema.String)
})

// ---------------------------------------------------------------- model

export type PanelUserStatus = "ACTIVE" | "DISABLED" | "LIMITED" | "EXPIRED" | (string & {})
export type TrafficLimitStrategy = "NO_RESET" | "DAY" | "WEEK" | "MONTH"

export interface PanelUser {
  readonly uuid: string
  /** The panel's numeric id (HWID devices API); undefined on panels that do not send it. */
  readonly id: number | undefined
  readonly shortUuid: string
  readonly username: string
  readonly status: PanelUserStatus
  readonly expireAt: DateTime.Utc
  readonly trafficLimitBytes: number
  readonly trafficLimitStrategy: string | undefined
  readonly usedTrafficBytes: number
  readonly hwidDeviceLimit: number | null
  readonly description: string | null
  readonly subscriptionUrl: string
  /** The internal squads' uuids (lower case). */
  readonly activeInternalSquads: ReadonlyArray<string>
}

/** An internal squad of the panel: a set of nodes a user can be given access to. */
export interface InternalSquad {
  readonly uuid: string
  readonly name: string
}

export interface CreateUserInput {
  readonly username: string
  readonly expireAt: DateTime.DateTime
  /** 0 = unlimited. */
  readonly trafficLimitBytes: number
  readonly trafficLimitStrategy?: TrafficLimitStrategy
  readonly hwidDeviceLimit?: number
  readonly description?: string
  readonly status?: "ACTIVE" | "DISABLED"
  readonly activeInternalSquads?: ReadonlyArray<string>
}

export interface UpdateUserInput {
  readonly uuid: string
  readonly expireAt?: DateTime.DateTime
  readonly trafficLimitBytes?: number
  readonly trafficLimitStrategy?: TrafficLimitStrategy
  readonly hwidDeviceLimit?: number | null
  readonly status?: "ACTIVE" | "DISABLED"
  readonly description?: string | null
  /** Replaces the user's whole set when given. */
  readonly activeInternalSquads?: ReadonlyArray<string>
}

/** The panel username of a tenant's user: `b<botId>_u<telegramId>`, unique across tenants of the shared panel. */
export const panelUsername = (botId: number, telegramId: number): string => `b${botId}_u${telegramId}`

export interface RemnawaveClientOptions {
  readonly apiUrl: string
  readonly apiToken: Redacted.Redacted<string>
  /** Per attempt; default 10 seconds. */
  readonly timeout?: Duration.Input
  /** Retries of look-ups and updates after the first attempt; default 3. */
  readonly retries?: number
  /** First retry delay, doubled each time; default 500 ms. */
  readonly retryBaseDelay?: Duration.Input
}

export class RemnawaveClient extends Context.Service<
  RemnawaveClient,
  {
    createUser(input: CreateUserInput): Effect.Effect<PanelUser, RemnawaveUserExists | RemnawaveError>
    getUserByUsername(username: string): Effect.Effect<Option.Option<PanelUser>, RemnawaveError>
    getUserByUuid(uuid: string): Effect.Effect<Option.Option<PanelUser>, RemnawaveError>
    updateUser(input: UpdateUserInput): Effect.Effect<PanelUser, RemnawaveUserNotFound | RemnawaveError>
    /** One page of the panel's users (GET /api/users?start=&size=), and how many there are. */
    listUsers(
      start: number,
      size: number
    ): Effect.Effect<{ readonly users: ReadonlyArray<PanelUser>; readonly total: number }, RemnawaveError>
    /**
     * One page (size ≤ 100) of the users that have HWID devices, with how many
     * (GET /api/hwid/devices/top-users); users not listed have none.
     */
    listDeviceCounts(
      start: number,
      size: number
    ): Effect.Effect<
      {
        readonly users: ReadonlyArray<{ readonly username: string; readonly devices: number }>
        readonly total: number
      },
      RemnawaveError
    >
    /** Forgets every HWID device of the user (POST /api/hwid/devices/delete-all); how many are left (0). */
    deleteAllDevices(userId: number): Effect.Effect<number, RemnawaveError>
    /** Every internal squad of the panel (GET /api/internal-squads). */
    listInternalSquads(): Effect.Effect<ReadonlyArray<InternalSquad>, RemnawaveError>
  }
>()("botfleet/vpn/RemnawaveClient") {
  /**
   * URL and token from AppConfig (`REMNAWAVE_API_URL`, `REMNAWAVE_API_TOKEN`), HTTP
   * over undici. Without them every call fails with RemnawaveUnavailable("not
   * configured"): the service still runs, and provisioning tasks wait and retry.
   */
  static readonly layer = Layer.effect(
    RemnawaveClient,
    Effect.gen(function* () {
      const config = yield* AppConfig
      if (Option.isNone(config.remnawaveApiUrl) || Option.isNone(config.remnawaveApiToken)) {
        yield* Effect.logWarning(
          "REMNAWAVE_API_URL or REMNAWAVE_API_TOKEN is not set: subscriptions cannot be provisioned"
        )
        return unconfiguredClient
      }
      return yield* makeRemnawaveClient({
        apiUrl: config.remnawaveApiUrl.value,
        apiToken: config.remnawaveApiToken.value
      })
    })
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))

  /** Explicit options (tests, the demo), HTTP over undici. */
  static readonly layerWith = (options: RemnawaveClientOptions) =>
    Layer.effect(RemnawaveClient, makeRemnawaveClient(options)).pipe(Layer.provide(NodeHttpClient.layerUndici))
}

/** Stands in when the panel is not configured: every call is RemnawaveUnavailable. */
const unconfiguredClient: RemnawaveClient["Service"] = (() => {
  const unavailable = (operation: RemnawaveOperation) =>
    Effect.fail(new RemnawaveUnavailable({ operation, reason: "REMNAWAVE_API_URL/REMNAWAVE_API_TOKEN not configured" }))
  return RemnawaveClient.of({
    createUser: () => unavailable("createUser"),
    getUserByUsername: () => unavailable("getUserByUsername"),
    getUserByUuid: () => unavailable("getUserByUuid"),
    updateUser: () => unavailable("updateUser"),
    listInternalSquads: () => unavailable("listInternalSquads"),
    listUsers: () => unavailable("listUsers"),
    listDeviceCounts: () => unavailable("listDeviceCounts"),
    deleteAllDevices: () => unavailable("deleteAllDevices")
  })
})()

// ---------------------------------------------------------------- implementation

/** A 2xx body, or a 4xx with the panel's error fields. */
type Answer =
  | { readonly _tag: "Ok"; readonly status: number; readonly json: unknown }
  | {
      readonly _tag: "Refused"
      readonly status: number
      readonly errorCode: string | undefined
      readonly detail: string
    }

const detailOf = (message: unknown, status: number): string => {
  if (typeof message === "string") return message
  if (Array.isArray(message)) return message.map(String).join("; ")
  return `HTTP ${status}`
}

const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)
const decodeUser = Schema.decodeUnknownEffect(UserEnvelope)

const toPanelUser = (u: typeof UserSchema.Type): PanelUser => ({
  uuid: u.uuid,
  id: u.id,
  shortUuid: u.shortUuid,
  username: u.username,
  status: u.status,
  expireAt: u.expireAt,
  trafficLimitBytes: u.trafficLimitBytes,
  trafficLimitStrategy: u.trafficLimitStrategy,
  usedTrafficBytes: u.userTraffic?.usedTrafficBytes ?? u.usedTrafficBytes ?? 0,
  hwidDeviceLimit: u.hwidDeviceLimit ?? null,
  description: u.description ?? null,
  subscriptionUrl: u.subscriptionUrl,
  activeInternalSquads: (u.activeInternalSquads ?? []).map((s) => s.uuid.toLowerCase())
})

export const makeRemnawaveClient = Effect.fnUntraced(function* (options: RemnawaveClientOptions) {
  const http = yield* HttpClient.HttpClient
  const base = options.apiUrl.replace(/\/+$/, "")
  const timeout = options.timeout ?? Duration.seconds(10)
  const retrySchedule = Schedule.exponential(options.retryBaseDelay ?? Duration.millis(500))
  const retries = options.retries ?? 3

  const call = (
    operation: RemnawaveOperation,
    request: HttpClientRequest.HttpClientRequest,
    retry: boolean
  ): Effect.Effect<Answer, RemnawaveUnavailable> => {
    const attempt = request.pipe(
      HttpClientRequest.prependUrl(base),
      HttpClientRequest.bearerToken(options.apiToken),
      HttpClientRequest.acceptJson,
      http.execute,
      Effect.flatMap((response: HttpClientResponse.HttpClientResponse) => {
        if (response.status >= 500) return Effect.fail<AttemptError>(new ServerFailure(response.status))
        return response.json.pipe(
          Effect.mapError(
            () => new Unreadable(response.status, `HTTP ${response.status} with a body that is not JSON`)
          ),
          Effect.map((json): Answer => {
            if (response.status < 300) return { _tag: "Ok", status: response.status, json }
            const body = Option.getOrUndefined(decodeErrorBody(json))
            return {
              _tag: "Refused",
              status: response.status,
              errorCode: body?.errorCode,
              detail: detailOf(body?.message, response.status)
            }
          })
        )
      }),
      Effect.timeout(timeout)
    )
    return (
      retry ? attempt.pipe(Effect.retry({ while: isRetryable, schedule: retrySchedule, times: retries })) : attempt
    ).pipe(Effect.mapError((e) => new RemnawaveUnavailable({ operation, ...describeAttemptError(e) })))
  }

  const userOf = (operation: RemnawaveOperation, answer: Answer & { readonly _tag: "Ok" }) =>
    decodeUser(answer.json).pipe(
      Effect.map((envelope) => toPanelUser(envelope.response)),
      Effect.mapError(
        () =>
          new RemnawaveUnavailable({ operation, reason: "unexpected user object in the answer", status: answer.status })
      )
    )

  const refused = (operation: RemnawaveOperation, answer: Answer & { readonly _tag: "Refused" }) =>
    new RemnawaveApiError({
      operation,
      status: answer.status,
      detail: answer.detail,
      ...(answer.errorCode === undefined ? {} : { errorCode: answer.errorCode })
    })

  const createUser = Effect.fn("RemnawaveClient.createUser")(function* (input: CreateUserInput) {
    yield* Effect.annotateCurrentSpan({ username: input.username })
    const answer = yield* call(
      "createUser",
      HttpClientRequest.post("/api/users").pipe(
        HttpClientRequest.bodyJsonUnsafe({
          username: input.username,
          expireAt: DateTime.formatIso(input.expireAt),
          trafficLimitBytes: input.trafficLimitBytes,
          trafficLimitStrategy: input.trafficLimitStrategy ?? "NO_RESET",
          ...(input.hwidDeviceLimit !== undefined ? { hwidDeviceLimit: input.hwidDeviceLimit } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.status !== undefined ? { status: input.status } : {}),
          ...(input.activeInternalSquads !== undefined ? { activeInternalSquads: input.activeInternalSquads } : {})
        })
      ),
      false
    )
    if (answer._tag === "Refused") {
      if (answer.errorCode === "A019" || answer.status === 409) {
        return yield* new RemnawaveUserExists({ username: input.username })
      }
      return yield* refused("createUser", answer)
    }
    return yield* userOf("createUser", answer)
  })

  const lookUp = (operation: "getUserByUsername" | "getUserByUuid", path: string) =>
    Effect.gen(function* () {
      const answer = yield* call(operation, HttpClientRequest.get(path), true)
      if (answer._tag === "Refused") {
        if (answer.status === 404) return Option.none<PanelUser>()
        return yield* refused(operation, answer)
      }
      return Option.some(yield* userOf(operation, answer))
    })

  const getUserByUsername = Effect.fn("RemnawaveClient.getUserByUsername")(function* (username: string) {
    yield* Effect.annotateCurrentSpan({ username })
    return yield* lookUp("getUserByUsername", `/api/users/by-username/${encodeURIComponent(username)}`)
  })

  const getUserByUuid = Effect.fn("RemnawaveClient.getUserByUuid")(function* (uuid: string) {
    yield* Effect.annotateCurrentSpan({ uuid })
    return yield* lookUp("getUserByUuid", `/api/users/${encodeURIComponent(uuid)}`)
  })

  const updateUser = Effect.fn("RemnawaveClient.updateUser")(function* (input: UpdateUserInput) {
    yield* Effect.annotateCurrentSpan({ uuid: input.uuid })
    const answer = yield* call(
      "updateUser",
      HttpClientRequest.patch("/api/users").pipe(
        HttpClientRequest.bodyJsonUnsafe({
          uuid: input.uuid,
          ...(input.expireAt !== undefined ? { expireAt: DateTime.formatIso(input.expireAt) } : {}),
          ...(input.trafficLimitBytes !== undefined ? { trafficLimitBytes: input.trafficLimitBytes } : {}),
          ...(input.trafficLimitStrategy !== undefined ? { trafficLimitStrategy: input.trafficLimitStrategy } : {}),
          ...(input.hwidDeviceLimit !== undefined ? { hwidDeviceLimit: input.hwidDeviceLimit } : {}),
          ...(input.status !== undefined ? { status: input.status } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.activeInternalSquads !== undefined ? { activeInternalSquads: input.activeInternalSquads } : {})
        })
      ),
      true
    )
    if (answer._tag === "Refused") {
      if (answer.status === 404) return yield* new RemnawaveUserNotFound({ uuid: input.uuid })
      return yield* refused("updateUser", answer)
    }
    return yield* userOf("updateUser", answer)
  })

  /**
   * A retried read (or repeatable write) whose 2xx answer must match `envelope`:
   * a refusal is RemnawaveApiError, an answer of another shape RemnawaveUnavailable.
   */
  const request = <A>(
    operation: RemnawaveOperation,
    httpRequest: HttpClientRequest.HttpClientRequest,
    envelope: Schema.Decoder<A>,
    what: string
  ) =>
    Effect.gen(function* () {
      const answer = yield* call(operation, httpRequest, true)
      if (answer._tag === "Refused") return yield* refused(operation, answer)
      return yield* Schema.decodeUnknownEffect(envelope)(answer.json).pipe(
        Effect.mapError(
          () =>
            new RemnawaveUnavailable({ operation, reason: `unexpected ${what} in the answer`, status: answer.status })
        )
      )
    })

  const page = (path: string, start: number, size: number) =>
    HttpClientRequest.get(path).pipe(HttpClientRequest.setUrlParams({ start: String(start), size: String(size) }))

  const listInternalSquads = Effect.fn("RemnawaveClient.listInternalSquads")(function* () {
    const envelope = yield* request(
      "listInternalSquads",
      HttpClientRequest.get("/api/internal-squads"),
      SquadsEnvelope,
      "internal squads list"
    )
    return envelope.response.internalSquads.map((s) => ({ uuid: s.uuid.toLowerCase(), name: s.name }))
  })

  const listUsers = Effect.fn("RemnawaveClient.listUsers")(function* (start: number, size: number) {
    const envelope = yield* request("listUsers", page("/api/users", start, size), UsersPageEnvelope, "users page")
    return { users: envelope.response.users.map(toPanelUser), total: envelope.response.total }
  })

  const listDeviceCounts = Effect.fn("RemnawaveClient.listDeviceCounts")(function* (start: number, size: number) {
    const envelope = yield* request(
      "listDeviceCounts",
      page("/api/hwid/devices/top-users", start, size),
      DeviceCountsEnvelope,
      "device counts"
    )
    return {
      users: envelope.response.users.map((u) => ({ username: u.username, devices: u.devicesCount })),
      total: envelope.response.total
    }
  })

  const deleteAllDevices = Effect.fn("RemnawaveClient.deleteAllDevices")(function* (userId: number) {
    // Deleting all devices twice leaves the same result: safe to retry.
    const envelope = yield* request(
      "deleteAllDevices",
      HttpClientRequest.post("/api/hwid/devices/delete-all").pipe(HttpClientRequest.bodyJsonUnsafe({ userId })),
      DevicesEnvelope,
      "devices list"
    )
    return envelope.response.total
  })

  return RemnawaveClient.of({
    createUser,
    getUserByUsername,
    getUserByUuid,
    updateUser,
    listInternalSquads,
    listUsers,
    listDeviceCounts,
    deleteAllDevices
  })
})
