/**
 * `npm start`: configuration → layers → run until SIGTERM/SIGINT, then a
 * graceful stop (bots drained and handed over, database closed), exit 0.
 */
import { Layer } from "effect"
import { AppLayer, launch } from "./app.ts"
import { AppConfig } from "./config.ts"

launch(AppLayer().pipe(Layer.provide(AppConfig.layer)))
