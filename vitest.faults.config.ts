import { defineConfig } from "vitest/config"

// `npm run test:faults`: fault injection against real processes and servers
// (PostgreSQL restarts, Telegram storms, repeated kill -9). Slower than `npm test`.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false
  }
})
