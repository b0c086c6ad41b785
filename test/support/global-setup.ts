/**
 * One embedded PostgreSQL for the whole test run, and a migrated template
 * database that each test file clones (CREATE DATABASE … TEMPLATE) so files run
 * in parallel without seeing each other.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { TestProject } from "vitest/node"
import { layerFromUrl } from "../../src/db/client.ts"
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts"
import { runMigrations } from "../../src/db/migrator.ts"
import { adminQuery } from "./admin-sql.ts"

export const TEMPLATE_DB = "botfleet_template"

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string
    pgTemplate: string
  }
}

export default async function setup(project: TestProject) {
  // A server of its own for every test run (concurrent runs must not stop each
  // other's), in a temporary directory removed afterwards.
  const dataDir = process.env.TEST_DATABASE_URL ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "botfleet-test-"))
  const server = dataDir ? await startEmbeddedPostgres(dataDir, { durable: false }) : undefined
  const adminUrl = process.env.TEST_DATABASE_URL ?? server!.url("postgres")
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`)
  await adminQuery(adminUrl, `CREATE DATABASE ${TEMPLATE_DB}`)
  const templateUrl = new URL(adminUrl)
  templateUrl.pathname = `/${TEMPLATE_DB}`
  await Effect.runPromise(
    runMigrations().pipe(Effect.provide(layerFromUrl(templateUrl.toString(), { maxConnections: 1 })))
  )
  project.provide("pgAdminUrl", adminUrl)
  project.provide("pgTemplate", TEMPLATE_DB)
  return async () => {
    await server?.stop()
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
    // As root with a private temporary directory, the data was kept elsewhere (src/db/placement.ts).
    if (server && dataDir && !server.dataPath.startsWith(dataDir)) {
      fs.rmSync(path.dirname(server.dataPath), { recursive: true, force: true })
    }
  }
}
