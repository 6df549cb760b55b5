import { runProgram, type RecordedResource } from "../../scripts/plan/mock-runtime";
import { createMetricAlarm, type AlarmRouting, type MetricAlarmSpec } from "./metric-alarm";

const routing: AlarmRouting = {
  environment: "staging",
  topicArn: "arn:aws:sns:us-east-1:123456789012:staging-alarms-us-east-1-a1",
  notify: true,
};

const spec: MetricAlarmSpec = {
  alarmName: "staging-market-processor-duration-p99-us-east-1-a1",
  service: "market-processor",
  description: "p99 duration above one second",
  namespace: "AWS/Lambda",
  metricName: "Duration",
  dimensions: { FunctionName: "staging-market-processor-us-east-1-a1" },
  extendedStatistic: "p99",
  threshold: 1000,
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
};

async function alarmInputs(
  alarmSpec: MetricAlarmSpec,
  alarmRouting = routing,
): Promise<RecordedResource["inputs"]> {
  const run = await runProgram({
    project: "metric-alarm-test",
    stack: "staging",
    config: {},
    program: () => {
      createMetricAlarm("alarm", alarmRouting, alarmSpec);
    },
  });
  expect(run.resources).toHaveLength(1);
  return run.resources[0].inputs;
}

describe("createMetricAlarm", () => {
  test("a percentile alarm with the platform's defaults", async () => {
    expect(await alarmInputs(spec)).toEqual({
      name: "staging-market-processor-duration-p99-us-east-1-a1",
      alarmDescription: "p99 duration above one second",
      namespace: "AWS/Lambda",
      metricName: "Duration",
      dimensions: { FunctionName: "staging-market-processor-us-east-1-a1" },
      extendedStatistic: "p99",
      threshold: 1000,
      comparisonOperator: "GreaterThanThreshold",
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      actionsEnabled: true,
      alarmActions: ["arn:aws:sns:us-east-1:123456789012:staging-alarms-us-east-1-a1"],
      okActions: ["arn:aws:sns:us-east-1:123456789012:staging-alarms-us-east-1-a1"],
      tags: {
        Environment: "staging",
        ManagedBy: "pulumi",
        Project: "trading-analytics",
        Service: "market-processor",
      },
    });
  });

  test("Sum by default; all evaluated periods must breach; a silent environment keeps its actions off", async () => {
    const inputs = await alarmInputs(
      {
        ...spec,
        extendedStatistic: undefined,
        evaluationPeriods: 3,
        datapointsToAlarm: undefined,
        periodSeconds: 300,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
      { ...routing, environment: "dev", notify: false },
    );
    expect(inputs).toMatchObject({
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      actionsEnabled: false,
    });
    expect(inputs.extendedStatistic).toBeUndefined();
    expect(inputs.tags).toMatchObject({ Environment: "dev" });
  });

  test("both a statistic and a percentile is an error", () => {
    expect(() => createMetricAlarm("alarm", routing, { ...spec, statistic: "Maximum" })).toThrow(
      'Alarm "staging-market-processor-duration-p99-us-east-1-a1" sets both statistic "Maximum" and extendedStatistic "p99": set only one.',
    );
  });
});
