/**
 * The operator CLI: `npx botfleet <command>` (DESIGN.md §7). Every command takes
 * `--json`; failures print one line on stderr and exit non-zero.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { runMigrations } from "../db/migrator.ts"
import { Bots } from "../tenants/bots.ts"
import { CliClient, CliDatabase } from "./database.ts"
import { emulatorCommand } from "./emulator-commands.ts"
import { field, OneLinePresenter, print, reportFailure } from "./output.ts"
import { tenantCommand } from "./tenant-commands.ts"

const json = Flag.Boolean("json").pipe(Flag.withDescription("Print machine-readable JSON"), Flag.withDefault(false))

const migrate = Command.make("migrate", { json }, ({ json }) =>
  reportFailure(
    Effect.gen(function* () {
      const applied = yield* runMigrations()
      yield* print(json, { applied }, () =>
        applied.length === 0 ? "schema is up to date" : `applied ${applied.join(", ")}`
      )
    }).pipe(Effect.provide(CliClient))
  )
).pipe(Command.withDescription("Apply pending database migrations"))

const status = Command.make("status", { json }, ({ json }) =>
  reportFailure(
    Effect.gen(function* () {
      const bots = yield* Bots
      const all = yield* bots.list()
      const rows = yield* bots.runtimeStatus()
      const byId = new Map(rows.map((r) => [r.botId, r]))
      const report = all.map((b) => ({
        id: b.id,
        name: b.name,
        active: b.isActive,
        master: b.isMaster,
        state: byId.get(b.id)?.state ?? (b.isActive ? "pending" : "stopped"),
        lastError: byId.get(b.id)?.lastError ?? null,
        restarts: byId.get(b.id)?.restartCount ?? 0,
        runner: byId.get(b.id)?.runner ?? null
      }))
      yield* print(json, report, () =>
        report.length === 0
          ? "no bots"
          : report
              .map(
                (r) =>
                  `${String(r.id).padStart(6)}  ${r.state.padEnd(16)} restarts=${r.restarts}  ${field(r.name)}${r.lastError ? `  (${field(r.lastError)})` : ""}`
              )
              .join("\n")
      )
    }).pipe(Effect.provide(CliDatabase))
  )
).pipe(Command.withDescription("Show every bot's runtime state"))

const botfleet = Command.make("botfleet").pipe(
  Command.withDescription("Operate a botfleet installation"),
  Command.withSubcommands([migrate, tenantCommand, status, emulatorCommand])
)

botfleet.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provide(OneLinePresenter),
  Effect.provide(NodeServices.layer),
  // Failures were reported as one line by `reportFailure`; only the exit code is left to set.
  NodeRuntime.runMain({ disableErrorReporting: true })
)
