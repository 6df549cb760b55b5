import { ENVIRONMENT_SETTINGS } from "../config/settings";
import { planMarketFunctions, type ComputePlan } from "../compute/market-functions";
import { ENVIRONMENT_NAMES } from "../config/settings";
import { namerFor } from "../naming/physical-name";
import { planPlatformNames, type PlatformNames } from "./platform-names";

function computeNames(plan: ComputePlan): string[] {
  return [
    ...[plan.processor, plan.archiver, plan.api].flatMap((fn) => [
      fn.functionName,
      fn.roleName,
      fn.policyName,
      fn.logGroupName,
      ...fn.alarms.map((alarm) => alarm.alarmName),
    ]),
    plan.processorConsumerName,
  ];
}

function allNames(names: PlatformNames): string[] {
  const flatten = (value: unknown): string[] =>
    typeof value === "string" ? [value] : Object.values(value as object).flatMap(flatten);
  const { functions, ...platform } = names;
  return [...flatten(platform), ...computeNames(functions)];
}

describe("planPlatformNames", () => {
  test("every physical name of a production deployment", () => {
    const namer = namerFor({ environment: "production", region: "us-east-1", suffix: "a1" });
    expect(planPlatformNames(namer)).toEqual({
      functionSecurityGroup: "production-functions-us-east-1-a1",
      flowLogs: {
        logGroup: "/vpc/flow-logs/production-vpc-us-east-1-a1",
        role: "production-vpc-flow-logs-us-east-1-a1",
        rolePolicy: "production-vpc-flow-logs-us-east-1-a1",
      },
      table: "production-market-analytics-us-east-1-a1",
      tableScalingPolicies: {
        read: "production-market-analytics-read-scaling-us-east-1-a1",
        write: "production-market-analytics-write-scaling-us-east-1-a1",
      },
      bucket: "production-market-archive-us-east-1-a1",
      stream: "production-market-data-us-east-1-a1",
      deadLetterQueues: {
        marketProcessor: "production-market-processor-dlq-us-east-1-a1",
        marketArchiver: "production-market-archiver-dlq-us-east-1-a1",
      },
      alarmTopic: "production-alarms-us-east-1-a1",
      alarms: {
        tableReadThrottles: "production-market-analytics-read-throttles-us-east-1-a1",
        tableWriteThrottles: "production-market-analytics-write-throttles-us-east-1-a1",
        deadLetterQueueDepth: {
          marketProcessor: "production-market-processor-dlq-depth-us-east-1-a1",
          marketArchiver: "production-market-archiver-dlq-depth-us-east-1-a1",
        },
      },
      // Compared below: alarm descriptions that depend on the environment are functions, and two
      // plans hold different (equal-behaving) closures.
      functions: expect.any(Object),
    });
    const plan = planPlatformNames(namer).functions;
    const again = planMarketFunctions(namer);
    expect(JSON.stringify(plan)).toBe(JSON.stringify(again));
    const descriptions = (functions: typeof plan): string[] =>
      [functions.processor, functions.archiver, functions.api].flatMap((fn) =>
        fn.alarms.map(({ definition: { description } }) =>
          typeof description === "function"
            ? description(ENVIRONMENT_SETTINGS.production)
            : description,
        ),
      );
    expect(descriptions(plan)).toEqual(descriptions(again));
    expect(computeNames(planPlatformNames(namer).functions)).toEqual([
      "production-market-processor-us-east-1-a1",
      "production-market-processor-role-us-east-1-a1",
      "production-market-processor-role-us-east-1-a1",
      "/aws/lambda/production-market-processor-us-east-1-a1",
      "production-market-processor-errors-us-east-1-a1",
      "production-market-processor-throttles-us-east-1-a1",
      "production-market-processor-iterator-age-us-east-1-a1",
      "production-market-archiver-us-east-1-a1",
      "production-market-archiver-role-us-east-1-a1",
      "production-market-archiver-role-us-east-1-a1",
      "/aws/lambda/production-market-archiver-us-east-1-a1",
      "production-market-archiver-errors-us-east-1-a1",
      "production-market-archiver-throttles-us-east-1-a1",
      "production-market-archiver-iterator-age-us-east-1-a1",
      "production-analytics-api-us-east-1-a1",
      "production-analytics-api-role-us-east-1-a1",
      "production-analytics-api-role-us-east-1-a1",
      "/aws/lambda/production-analytics-api-us-east-1-a1",
      "production-analytics-api-errors-us-east-1-a1",
      "production-analytics-api-throttles-us-east-1-a1",
      "production-analytics-api-duration-p99-us-east-1-a1",
      "production-market-processor-consumer-us-east-1-a1",
    ]);
  });

  test.each(ENVIRONMENT_NAMES)("%s: the longest allowed suffix fits every name", (environment) => {
    const names = allNames(
      planPlatformNames(namerFor({ environment, region: "us-east-1", suffix: "abcdefghijkl" })),
    );
    expect(names).toHaveLength(38);
    expect(names.every((name) => name.endsWith("-us-east-1-abcdefghijkl"))).toBe(true);
  });

  test("only roles and their inline policies share a name", () => {
    const names = allNames(
      planPlatformNames(namerFor({ environment: "dev", region: "us-east-1", suffix: "a1" })),
    );
    const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
    expect(duplicates).toEqual([
      "dev-vpc-flow-logs-us-east-1-a1",
      "dev-market-processor-role-us-east-1-a1",
      "dev-market-archiver-role-us-east-1-a1",
      "dev-analytics-api-role-us-east-1-a1",
    ]);
  });
});
