/** Golden-output tests against ../shared/fixtures; see test/fixtures.ts. */
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
  maxWorkers: 2,
};
