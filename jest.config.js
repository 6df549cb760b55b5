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
