import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName } from "../config/settings";
import { standardTags } from "../naming/tags";

/** Where an environment's alarms report, and whether they page anyone. */
export interface AlarmRouting {
  readonly environment: EnvironmentName;
  /** ARN of the environment's alarm topic; it receives both ALARM and OK transitions. */
  readonly topicArn: pulumi.Input<string>;
  /** False in dev: alarms still change state, visibly, but send nothing. */
  readonly notify: boolean;
}

export type AlarmStatistic = "SampleCount" | "Average" | "Sum" | "Minimum" | "Maximum";

export type AlarmComparison =
  | "GreaterThanThreshold"
  | "GreaterThanOrEqualToThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold";

/** What one alarm watches. Everything about routing and missing data comes from the defaults. */
export interface MetricAlarmSpec {
  /** Physical name of the alarm. */
  readonly alarmName: string;
  /** The service the alarm watches, e.g. `market-analytics`; used for its tags. */
  readonly service: string;
  /** What it means when this fires, and what to look at first. */
  readonly description: string;
  /** CloudWatch namespace of the metric, e.g. `AWS/SQS`. */
  readonly namespace: string;
  readonly metricName: string;
  /** Which resource's metric, e.g. `{ QueueName }`. */
  readonly dimensions: Record<string, pulumi.Input<string>>;
  /** One of statistic or extendedStatistic (e.g. `p99`). @default - Sum when neither is set */
  readonly statistic?: AlarmStatistic;
  readonly extendedStatistic?: string;
  /** Compared with the statistic per period, in the metric's unit. */
  readonly threshold: number;
  /** @default "GreaterThanThreshold" */
  readonly comparisonOperator?: AlarmComparison;
  /** Length of one evaluated period, in seconds. @default 60 */
  readonly periodSeconds?: number;
  /** Periods evaluated. @default 1 */
  readonly evaluationPeriods?: number;
  /** Breaching periods (of evaluationPeriods) that trigger the alarm. @default - all of them */
  readonly datapointsToAlarm?: number;
}

/**
 * Creates one CloudWatch metric alarm with the platform's defaults: notifies the alarm topic on
 * ALARM and on OK, only where the environment notifies, and treats missing data as fine (an idle
 * queue or table publishes no data points, which is not a failure).
 */
export function createMetricAlarm(
  name: string,
  routing: AlarmRouting,
  spec: MetricAlarmSpec,
  opts?: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm {
  if (spec.statistic !== undefined && spec.extendedStatistic !== undefined) {
    throw new Error(
      `Alarm "${spec.alarmName}" sets both statistic "${spec.statistic}" and extendedStatistic "${spec.extendedStatistic}": set only one.`,
    );
  }
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      name: spec.alarmName,
      alarmDescription: spec.description,
      namespace: spec.namespace,
      metricName: spec.metricName,
      dimensions: spec.dimensions,
      ...(spec.extendedStatistic === undefined
        ? { statistic: spec.statistic ?? "Sum" }
        : { extendedStatistic: spec.extendedStatistic }),
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator ?? "GreaterThanThreshold",
      period: spec.periodSeconds ?? 60,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods ?? 1,
      treatMissingData: "notBreaching",
      actionsEnabled: routing.notify,
      alarmActions: [routing.topicArn],
      okActions: [routing.topicArn],
      tags: standardTags(routing.environment, spec.service),
    },
    opts,
  );
}
