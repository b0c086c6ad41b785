export { DatabaseLive, layerFromUrl } from "./client.ts"
export { MigrationFailed, runMigrations } from "./migrator.ts"
export { withTenant } from "./tenant.ts"
