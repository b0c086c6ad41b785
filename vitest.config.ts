import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/faults/**", "test/cluster/**"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files run in parallel, each in its own database on one shared server.
    pool: "forks",
    fileParallelism: true,
    // Most of a file's time is waiting (on Telegram's pace, leases, timers), not CPU: three at
    // once on a 2-core machine ran the suite in 6.3 min instead of 9.7 (vitest's default there
    // is one: cores - 1).
    maxWorkers: 3
  }
})
