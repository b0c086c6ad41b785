import { defineConfig } from "vitest/config"

// Multi-process cluster tests (3–4 runner processes each): run after the main
// suite, one file at a time, so their failover timings are not measured on a
// machine busy with the other test files.
export default defineConfig({
  test: {
    include: ["test/cluster/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false
  }
})
