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
    "^.+\\.ts$": ["ts-jest", { isolatedModules: true, tsconfig: "tsconfig.json" }],
  },
  moduleFileExtensions: ["ts", "js", "json"],
  testTimeout: 120000,
  // One DynamoDB Local for the whole run (dynalite per test file where there is no Java 17).
  globalSetup: "<rootDir>/tests/support/dynamodb-local-global-setup.ts",
  globalTeardown: "<rootDir>/tests/support/dynamodb-local-global-teardown.ts",
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
};
