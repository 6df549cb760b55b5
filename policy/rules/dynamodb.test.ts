import { findings } from "../../tests/support/policy/check";
import {
  compliantStack,
  withOptions,
  withResource,
  without,
} from "../../tests/support/policy/compliant-stack";

const TABLE = (environment: string) =>
  `DynamoDB table "table" (${environment}-market-analytics-us-east-1-a1)`;

describe("dynamodb-billing-per-environment", () => {
  it.each(["dev", "staging"] as const)("%s: reports provisioned capacity", (environment) => {
    const resources = withResource(compliantStack(environment), "table", (inputs) => ({
      ...inputs,
      billingMode: undefined,
      onDemandThroughput: undefined,
      readCapacity: 5,
      writeCapacity: 5,
    }));
    expect(findings(environment, resources)).toEqual([
      [
        "dynamodb-billing-per-environment",
        "table",
        `${TABLE(environment)} has billingMode "PROVISIONED"; ${environment} tables are on-demand (ENVIRONMENT_SETTINGS.${environment}.table.capacity): set billingMode: "PAY_PER_REQUEST".`,
      ],
      [
        "dynamodb-provisioned-autoscaling",
        "table",
        `${TABLE(environment)} has provisioned capacity but no auto scaling target for dynamodb:table:ReadCapacityUnits (resourceId "table/${environment}-market-analytics-us-east-1-a1"): add an appautoscaling.Target for its read capacity.`,
      ],
      [
        "dynamodb-provisioned-autoscaling",
        "table",
        `${TABLE(environment)} has provisioned capacity but no auto scaling target for dynamodb:table:WriteCapacityUnits (resourceId "table/${environment}-market-analytics-us-east-1-a1"): add an appautoscaling.Target for its write capacity.`,
      ],
    ]);
  });

  it("reports on-demand throughput caps that differ from the settings", () => {
    const resources = withResource(compliantStack("staging"), "table", (inputs) => ({
      ...inputs,
      onDemandThroughput: { maxReadRequestUnits: 1000 },
    }));
    expect(findings("staging", resources)).toEqual([
      [
        "dynamodb-billing-per-environment",
        "table",
        `${TABLE("staging")} has on-demand throughput caps of 1000 reads and unset writes per second; staging caps them at 1000 and 1000 (ENVIRONMENT_SETTINGS.staging.table.capacity): set onDemandThroughput: { maxReadRequestUnits: 1000, maxWriteRequestUnits: 1000 }.`,
      ],
    ]);
  });

  it("production: reports on-demand billing", () => {
    const resources = withResource(compliantStack("production"), "table", (inputs) => ({
      ...inputs,
      billingMode: "PAY_PER_REQUEST",
    }));
    expect(findings("production", resources)).toEqual([
      [
        "dynamodb-billing-per-environment",
        "table",
        `${TABLE("production")} has billingMode "PAY_PER_REQUEST"; production tables use provisioned capacity with auto scaling (ENVIRONMENT_SETTINGS.production.table.capacity): set billingMode: "PROVISIONED".`,
      ],
    ]);
  });

  it("production: reports base capacity off the settings and capacity that deployments reset", () => {
    let resources = withResource(compliantStack("production"), "table", (inputs) => ({
      ...inputs,
      readCapacity: 10,
    }));
    resources = withOptions(resources, "table", { ignoreChanges: ["writeCapacity"] });
    expect(findings("production", resources)).toEqual([
      [
        "dynamodb-billing-per-environment",
        "table",
        `${TABLE("production")} starts at 10 read and 50 write capacity units; production starts at 50 and 50 (ENVIRONMENT_SETTINGS.production.table.capacity): set readCapacity: 50 and writeCapacity: 50.`,
      ],
      [
        "dynamodb-billing-per-environment",
        "table",
        `${TABLE("production")} lets every deployment reset readCapacity that auto scaling changed: add ignoreChanges: ["readCapacity", "writeCapacity"] to its resource options.`,
      ],
    ]);
  });
});

describe("dynamodb-provisioned-autoscaling", () => {
  it("reports a missing target and a missing target-tracking policy", () => {
    const resources = without(
      compliantStack("production"),
      "table-write-target",
      "table-read-policy",
    );
    expect(findings("production", resources)).toEqual([
      [
        "dynamodb-provisioned-autoscaling",
        "table",
        `${TABLE("production")} has no target-tracking policy on DynamoDBReadCapacityUtilization for its read capacity: add an appautoscaling.Policy (policyType "TargetTrackingScaling") for resourceId "table/production-market-analytics-us-east-1-a1" and dynamodb:table:ReadCapacityUnits.`,
      ],
      [
        "dynamodb-provisioned-autoscaling",
        "table",
        `${TABLE("production")} has provisioned capacity but no auto scaling target for dynamodb:table:WriteCapacityUnits (resourceId "table/production-market-analytics-us-east-1-a1"): add an appautoscaling.Target for its write capacity.`,
      ],
    ]);
  });

  it("reports scaling bounds and a target utilisation off the settings", () => {
    let resources = withResource(compliantStack("production"), "table-read-target", (inputs) => ({
      ...inputs,
      maxCapacity: 40000,
    }));
    resources = withResource(resources, "table-write-policy", (inputs) => ({
      ...inputs,
      targetTrackingScalingPolicyConfiguration: {
        ...(inputs.targetTrackingScalingPolicyConfiguration as object),
        targetValue: 50,
      },
    }));
    expect(findings("production", resources)).toEqual([
      [
        "dynamodb-provisioned-autoscaling",
        "table-read-target",
        `Auto scaling target "table-read-target" scales ${TABLE("production")} reads between 50 and 40000 units; production scales between 50 and 2000 (ENVIRONMENT_SETTINGS.production.table.capacity): set minCapacity: 50 and maxCapacity: 2000.`,
      ],
      [
        "dynamodb-provisioned-autoscaling",
        "table-write-policy",
        `Auto scaling policy "table-write-policy" tracks 50 percent write utilisation of ${TABLE("production")}; production targets 70 percent (ENVIRONMENT_SETTINGS.production.table.capacity.targetUtilizationPercent): set targetValue: 70.`,
      ],
    ]);
  });

  it("does not apply to on-demand tables", () => {
    expect(findings("dev", compliantStack("dev"))).toEqual([]);
  });
});

describe("dynamodb-point-in-time-recovery", () => {
  it.each(["staging", "production"] as const)("%s: reports a table without it", (environment) => {
    const resources = withResource(compliantStack(environment), "table", (inputs) => ({
      ...inputs,
      pointInTimeRecovery: { enabled: false },
    }));
    expect(findings(environment, resources)).toEqual([
      [
        "dynamodb-point-in-time-recovery",
        "table",
        `${TABLE(environment)} has no point-in-time recovery; ${environment} requires it (ENVIRONMENT_SETTINGS.${environment}.table.pointInTimeRecovery): set pointInTimeRecovery: { enabled: true }.`,
      ],
    ]);
  });

  it("dev: leaves it to the settings, which do not ask for it", () => {
    const resources = withResource(compliantStack("dev"), "table", (inputs) => ({
      ...inputs,
      pointInTimeRecovery: undefined,
    }));
    expect(findings("dev", resources)).toEqual([]);
  });
});

describe("dynamodb-encryption", () => {
  it("reports a table without KMS encryption", () => {
    const resources = withResource(compliantStack("dev"), "table", (inputs) => ({
      ...inputs,
      serverSideEncryption: undefined,
    }));
    expect(findings("dev", resources)).toEqual([
      [
        "dynamodb-encryption",
        "table",
        `${TABLE("dev")} has no KMS server-side encryption: set serverSideEncryption: { enabled: true }.`,
      ],
    ]);
  });
});
