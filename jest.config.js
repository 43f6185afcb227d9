/** Golden-output tests against ../shared/fixtures; see test/fixtures.ts. */
const os = require('os');

const maxWorkers = 2;
// Each jest worker is a process with its own BLAS thread pool: split the cores between them rather
// than oversubscribe (OpenBLAS threads spin while waiting). Set before the workers start.
process.env.PERCEIVER_THREADS ??= String(Math.max(1, Math.floor(os.cpus().length / maxWorkers)));

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 300000,
  // Builds dist/ once (incrementally) for the tests that spawn the CLI.
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFiles: ['<rootDir>/test/setup-node-loader.ts'],
  // The wasm heap is per process; one worker per core keeps memory bounded on 2-core machines.
  maxWorkers,
};
