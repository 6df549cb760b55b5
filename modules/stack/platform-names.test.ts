import { ENVIRONMENT_NAMES } from "../config/settings";
import { namerFor } from "../naming/physical-name";
import { planPlatformNames, type PlatformNames } from "./platform-names";

function allNames(names: PlatformNames): string[] {
  const flatten = (value: unknown): string[] =>
    typeof value === "string" ? [value] : Object.values(value as object).flatMap(flatten);
  return flatten(names);
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
    });
  });

  test.each(ENVIRONMENT_NAMES)("%s: the longest allowed suffix fits every name", (environment) => {
    const names = allNames(
      planPlatformNames(namerFor({ environment, region: "us-east-1", suffix: "abcdefghijkl" })),
    );
    expect(names).toHaveLength(16);
    expect(names.every((name) => name.endsWith("-us-east-1-abcdefghijkl"))).toBe(true);
  });

  test("only the flow-log role and its inline policy share a name", () => {
    const names = allNames(
      planPlatformNames(namerFor({ environment: "dev", region: "us-east-1", suffix: "a1" })),
    );
    const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
    expect(duplicates).toEqual(["dev-vpc-flow-logs-us-east-1-a1"]);
  });
});
