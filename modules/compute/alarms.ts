import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { Namer } from "../naming/physical-name";
import type { FunctionService } from "./runtime";

/** A CloudWatch alarm on one of a function's `AWS/Lambda` metrics. */
export interface FunctionAlarmDefinition {
  /** Appended to the service in the alarm's name, e.g. `errors` in `dev-market-processor-errors-us-east-1-a1`. */
  readonly id: string;
  readonly metricName: "Errors" | "Throttles" | "IteratorAge" | "Duration";
  /** A statistic, or a percentile such as `p99` (sent as the extended statistic). */
  readonly statistic: "Sum" | "Maximum" | "p99";
  /** Alarm when the statistic is above this, in the metric's unit: milliseconds for IteratorAge and Duration, a count otherwise. */
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  /** Breaching periods among the last `evaluationPeriods` that set the alarm off. */
  readonly datapointsToAlarm: number;
  /** What the alarm means and what to look at first, shown in the notification. */
  readonly description: string;
}

/** Any failed invocation: an unhandled error or a timeout. One is worth a look; a stream consumer retries, bisects, then parks the batch in its DLQ. */
export const ERRORS_ALARM: FunctionAlarmDefinition = {
  id: "errors",
  metricName: "Errors",
  statistic: "Sum",
  threshold: 0,
  periodSeconds: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  description:
    "The function failed at least one invocation (unhandled error or timeout) in the last minute. Check its log group for ERROR lines; a stream consumer retries and bisects the batch, then sends its pointer to the dead-letter queue.",
};

/** Any throttle: every function has reserved concurrency sized for its load, so a throttle means the sizing is wrong. */
export const THROTTLES_ALARM: FunctionAlarmDefinition = {
  id: "throttles",
  metricName: "Throttles",
  statistic: "Sum",
  threshold: 0,
  periodSeconds: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  description:
    "The function was throttled at its reserved concurrency in the last minute. For a stream consumer the reserved concurrency must cover shards x parallelization factor; for the API, raise apiReservedConcurrency or find the client flooding it.",
};

/**
 * Age of the newest record of the last batch when the function received it (Lambda's `IteratorAge`,
 * also for enhanced fan-out mappings). Maximum over a minute, three minutes in a row: a single slow
 * batch (a cold start, a bisected retry) does not page, sustained lag does.
 */
export function iteratorAgeAlarm(
  thresholdMs: number,
  description: string,
): FunctionAlarmDefinition {
  return {
    id: "iterator-age",
    metricName: "IteratorAge",
    statistic: "Maximum",
    threshold: thresholdMs,
    periodSeconds: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    description,
  };
}

/**
 * p99 of invocation duration above one second in three of five minutes. Minutes with too few
 * requests for a meaningful p99 are ignored, so one slow request on a quiet night does not page.
 */
export const DURATION_P99_ALARM: FunctionAlarmDefinition = {
  id: "duration-p99",
  metricName: "Duration",
  statistic: "p99",
  threshold: 1000,
  periodSeconds: 60,
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  description:
    "p99 request duration of the analytics API has been above 1,000 ms in 3 of the last 5 minutes. Look at DynamoDB latency and throttling of the table, and the range sizes clients ask for.",
};

/** Where an alarm points and whom it tells. */
export interface FunctionAlarmTarget {
  readonly service: FunctionService;
  readonly namer: Namer;
  /** The function's name, the alarm's `FunctionName` dimension. */
  readonly functionName: pulumi.Input<string>;
  readonly alarmTopicArn: pulumi.Input<string>;
  /** Whether state changes notify the topic; dev alarms change state without paging anyone. */
  readonly actionsEnabled: boolean;
  readonly tags: Record<string, string>;
}

/**
 * Creates one alarm on a function metric, notifying the topic both when it fires and when it
 * recovers. Missing data (no invocations) is not breaching.
 */
export function createFunctionAlarm(
  logicalName: string,
  definition: FunctionAlarmDefinition,
  target: FunctionAlarmTarget,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm {
  const percentile = definition.statistic === "p99";
  return new aws.cloudwatch.MetricAlarm(
    logicalName,
    {
      name: target.namer("cloudwatch-alarm", `${target.service}-${definition.id}`),
      alarmDescription: definition.description,
      namespace: "AWS/Lambda",
      metricName: definition.metricName,
      dimensions: { FunctionName: target.functionName },
      ...(percentile
        ? { extendedStatistic: definition.statistic, evaluateLowSampleCountPercentiles: "ignore" }
        : { statistic: definition.statistic }),
      comparisonOperator: "GreaterThanThreshold",
      threshold: definition.threshold,
      period: definition.periodSeconds,
      evaluationPeriods: definition.evaluationPeriods,
      datapointsToAlarm: definition.datapointsToAlarm,
      treatMissingData: "notBreaching",
      actionsEnabled: target.actionsEnabled,
      alarmActions: [target.alarmTopicArn],
      okActions: [target.alarmTopicArn],
      tags: target.tags,
    },
    opts,
  );
}
