import { defineConfig } from 'vitest/config';

// Three suites, all in one run: unit (pure and in-process), integration (real servers:
// moto_server, OpenSSH sshd, the web host), e2e (the browser workbench in Chromium).
export default defineConfig({
  test: {
    env: { WORKBENCH_LOOPBACK_ONLY: '1' },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // These tests drive real servers, processes and dropped connections; on two cores,
          // running files side by side mostly makes their timing less certain.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          env: { WORKBENCH_LOOPBACK_ONLY: '1' },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/e2e/global-setup.ts'],
          env: { WORKBENCH_LOOPBACK_ONLY: '1' },
          // One browser at a time on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
