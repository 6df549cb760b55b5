import { environmentsWhere, perEnvironment } from "./settings-text";

describe("settings in descriptions", () => {
  it("lists a setting per environment", () => {
    expect(perEnvironment((settings) => `${settings.lambda.memoryMb} MB`)).toBe(
      "dev 512 MB, staging 1024 MB, production 2048 MB",
    );
  });

  it.each([
    [() => true, "dev, staging and production"],
    [(settings: { name: string }) => settings.name !== "dev", "staging and production"],
    [(settings: { name: string }) => settings.name === "production", "production"],
    [() => false, "no environment"],
  ])("names the environments that pass a test (%#)", (test, expected) => {
    expect(environmentsWhere(test)).toBe(expected);
  });
});
