/** The tenant REST API (`/api/v1`), mounted on the HTTP server. Built in src/api/v1/. */
import { Layer } from "effect"

export const TenantApiRoutes = Layer.empty
