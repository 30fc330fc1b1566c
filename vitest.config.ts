import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // A hook that starts a server opens the embedded database (PGlite initdb in a worker): seconds
    // on a quiet machine, far more on a busy one. The bound catches a hang, not slowness.
    hookTimeout: 90_000,
    // Room tests each start a real server; two cores, so keep the parallelism modest.
    maxWorkers: 2,
    // Servers started inside the test process log only warnings; the tests that read a server's
    // log lines start it as a child process with the level they need.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
  },
});
