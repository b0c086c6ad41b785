/**
 * `npm start`: configuration → layers → run until SIGTERM/SIGINT, then a
 * graceful stop (bots drained and handed over, database closed), exit 0.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { AppLayer } from "./app.ts"
import { AppConfig } from "./config.ts"

Layer.launch(AppLayer().pipe(Layer.provide(AppConfig.layer))).pipe(NodeRuntime.runMain)
