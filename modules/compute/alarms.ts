import type * as pulumi from "@pulumi/pulumi";

import type { EnvironmentSettings } from "../config/settings";
import type { MetricAlarmSpec } from "../monitoring/metric-alarm";
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
  /**
   * What the alarm means and what to do, shown in the notification; a function where the text
   * names the environment's own values (the redrive command, the stream's retention).
   */
  readonly description: string | ((settings: EnvironmentSettings) => string);
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
    "The function failed at least one invocation (unhandled error or timeout) in the last minute. Check its log group for ERROR lines; a stream consumer retries and bisects the batch until its record age limit, then sends its pointer to the dead-letter queue.",
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
  description: FunctionAlarmDefinition["description"],
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
 * p99 of invocation duration above one second in three of five minutes: slowness that persists,
 * not one slow minute.
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

/** A function alarm with its physical name, planned with the function's other names. */
export interface PlannedAlarm {
  readonly alarmName: string;
  readonly definition: FunctionAlarmDefinition;
}

/** The monitoring helper's spec for one function alarm (`AWS/Lambda`, dimension `FunctionName`). */
export function functionAlarmSpec(
  alarm: PlannedAlarm,
  service: FunctionService,
  functionName: pulumi.Input<string>,
  settings: EnvironmentSettings,
): MetricAlarmSpec {
  const { definition } = alarm;
  return {
    alarmName: alarm.alarmName,
    service,
    description:
      typeof definition.description === "string"
        ? definition.description
        : definition.description(settings),
    namespace: "AWS/Lambda",
    metricName: definition.metricName,
    dimensions: { FunctionName: functionName },
    ...(definition.statistic === "p99"
      ? { extendedStatistic: definition.statistic }
      : { statistic: definition.statistic }),
    threshold: definition.threshold,
    comparisonOperator: "GreaterThanThreshold",
    periodSeconds: definition.periodSeconds,
    evaluationPeriods: definition.evaluationPeriods,
    datapointsToAlarm: definition.datapointsToAlarm,
  };
}
