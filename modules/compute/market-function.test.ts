import { ENVIRONMENT_SETTINGS } from "../config/settings";
import { namerFor } from "../naming/physical-name";
import { DURATION_P99_ALARM, ERRORS_ALARM, THROTTLES_ALARM } from "./alarms";
import type { MarketFunction as MarketFunctionType } from "./market-function";
import { ResourceRecorder, settle } from "../../tests/support/compute/pulumi-recorder";

const recorder = new ResourceRecorder();
let MarketFunction: typeof MarketFunctionType;
let planFunction: typeof import("./market-function").planFunction;

const namer = namerFor({ environment: "staging", region: "us-east-1", suffix: "b2" });

beforeAll(async () => {
  await recorder.install("trading", "compute-function");
  ({ MarketFunction, planFunction } = await import("./market-function"));
});

test("planFunction: errors and throttles for every function, then its own alarms", () => {
  expect(planFunction(namer, "analytics-api")).toEqual({
    service: "analytics-api",
    functionName: "staging-analytics-api-us-east-1-b2",
    roleName: "staging-analytics-api-role-us-east-1-b2",
    policyName: "staging-analytics-api-role-us-east-1-b2",
    logGroupName: "/aws/lambda/staging-analytics-api-us-east-1-b2",
    alarms: [
      { alarmName: "staging-analytics-api-errors-us-east-1-b2", definition: ERRORS_ALARM },
      { alarmName: "staging-analytics-api-throttles-us-east-1-b2", definition: THROTTLES_ALARM },
    ],
  });
  expect(planFunction(namer, "analytics-api", [DURATION_P99_ALARM]).alarms).toEqual([
    { alarmName: "staging-analytics-api-errors-us-east-1-b2", definition: ERRORS_ALARM },
    { alarmName: "staging-analytics-api-throttles-us-east-1-b2", definition: THROTTLES_ALARM },
    {
      alarmName: "staging-analytics-api-duration-p99-us-east-1-b2",
      definition: DURATION_P99_ALARM,
    },
  ]);
});

test("a function may not redefine the variables every function gets", async () => {
  const settings = ENVIRONMENT_SETTINGS.staging;
  expect(
    () =>
      new MarketFunction("clash", {
        plan: planFunction(namer, "market-archiver"),
        description: "archiver",
        settings,
        accountId: "123456789012",
        permissionsBoundaryArn:
          "arn:aws:iam::123456789012:policy/trading-analytics-staging-workload-boundary",
        timeoutSeconds: 60,
        reservedConcurrency: 4,
        environmentVariables: {
          BUCKET_NAME: "bucket",
          POWERTOOLS_SERVICE_NAME: "market-processor",
          ENVIRONMENT: "production",
        },
        dataAccess: [],
        privateSubnetIds: ["subnet-a"],
        securityGroupId: "sg-1",
        alarmRouting: { environment: "staging", topicArn: "arn:aws:sns:t", notify: true },
      }),
  ).toThrow(
    new Error(
      "Environment variable POWERTOOLS_SERVICE_NAME, ENVIRONMENT of market-archiver is set for every function by MarketFunction: remove it from environmentVariables.",
    ),
  );
  await settle();
  // Only the component itself was registered; none of its resources.
  expect(recorder.resources.map((r) => `${r.type} ${r.name}`)).toEqual([
    "trading:compute:MarketFunction clash",
  ]);
});
