import { describePolicyEnvironment } from "./support/policy-environment";

// The program's recording, shared with the other test files that read production's resources.
jest.mock("../scripts/plan/mock-runtime-environments", () => {
  type Environments = typeof import("../scripts/plan/mock-runtime-environments");
  type Recording = typeof import("./support/environment-recording");
  const actual = jest.requireActual<Environments>("../scripts/plan/mock-runtime-environments");
  const recording = jest.requireActual<Recording>("./support/environment-recording");
  return {
    ...actual,
    runEnvironmentProgram: (environment: Parameters<Environments["runEnvironmentProgram"]>[0]) =>
      recording.recordedEnvironmentProgram(environment, actual.runEnvironmentProgram),
  };
});

describePolicyEnvironment("production");
