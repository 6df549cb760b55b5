/** @type {import("jest").Config} */
module.exports = {
  testEnvironment: "node",
  testEnvironmentOptions: { globalsCleanup: "off" },
  roots: [
    "<rootDir>/modules",
    "<rootDir>/functions",
    "<rootDir>/policy",
    "<rootDir>/bootstrap",
    "<rootDir>/scripts",
    "<rootDir>/tests",
  ],
  testMatch: ["**/*.test.ts"],
  transform: {
    // tsconfig.json sets isolatedModules, so ts-jest transpiles each file on its own (no type
    // check: `npm run typecheck` does that once).
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  moduleFileExtensions: ["ts", "js", "json"],
  testTimeout: 120000,
  // Jest's default is one worker fewer than the cores: a single worker on a 2-core runner. Most
  // files wait on I/O or child processes, so two workers finish the run in about 60% of the time.
  maxWorkers: 2,
  // One DynamoDB Local for the whole run (dynalite per test file where there is no Java 17).
  // Each environment's program is also recorded once per run and shared by the files that read it.
  globalSetup: "<rootDir>/tests/support/environment-recording-global-setup.ts",
  globalTeardown: "<rootDir>/tests/support/environment-recording-global-teardown.ts",
  collectCoverageFrom: [
    "modules/**/*.ts",
    "functions/**/*.ts",
    "policy/**/*.ts",
    "!**/*.test.ts",
    "!**/index.ts",
  ],
  coverageThreshold: {
    "./modules/": { lines: 90 },
  },
  coverageReporters: ["text-summary", "lcov"],
  // The default output, then the five slowest test files of the run.
  reporters: ["default", ["<rootDir>/tests/support/slowest-suites-reporter.js", { count: 5 }]],
};
