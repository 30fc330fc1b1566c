import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Room tests each start a real server; two cores, so keep the parallelism modest.
    maxWorkers: 2,
  },
});
