/** The tenant REST API (`/api/v1`), mounted on the HTTP server. Built in src/api/v1/. */
export { TenantApiV1 as TenantApiRoutes } from "./v1/routes.ts"
