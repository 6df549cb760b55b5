import { PROJECT_TAG, standardTags } from "./tags";

describe("standardTags", () => {
  test.each(["dev", "staging", "production"] as const)("%s", (env) => {
    expect(standardTags(env, "market-processor")).toEqual({
      Environment: env,
      ManagedBy: "pulumi",
      Project: "trading-analytics",
      Service: "market-processor",
    });
  });

  test("the project tag", () => {
    expect(PROJECT_TAG).toBe("trading-analytics");
  });
});
