#!/usr/bin/env node
// `npx botfleet …`: the compiled CLI in production images, the TypeScript source
// (run directly by Node 22) in a checkout.
import { existsSync } from "node:fs"

const compiled = new URL("../dist/cli/main.js", import.meta.url)
await import(existsSync(compiled) ? compiled.href : new URL("../src/cli/main.ts", import.meta.url).href)
