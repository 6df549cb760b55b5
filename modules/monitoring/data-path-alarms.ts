import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName } from "../config/settings";
import { consumerOfDeadLetterQueue, redriveCommand } from "../ingestion/stream-consumers";
import { createMetricAlarm, type AlarmRouting, type MetricAlarmSpec } from "./metric-alarm";

/**
 * What a dead-letter queue's depth alarm tells the operator: what is missing, and the command that
 * replays it once the cause is fixed. The processor's batches can be replayed from the raw archive
 * too; the archiver's are in the stream only, until its retention ends.
 */
export function deadLetterQueueDescription(
  environment: EnvironmentName,
  queueService: string,
): string {
  const consumer = consumerOfDeadLetterQueue(queueService);
  const command = redriveCommand(environment, consumer);
  return consumer === "market-processor"
    ? `A market-processor batch kept failing until its record age limit; its pointer (shard and sequence range) waits in ${queueService} and the bars lack its ticks. Fix the cause (the processor's errors alarm and log group, the table's throttle alarms), then run \`${command}\`: it re-reads the range from the stream while the stream keeps it, else from the raw archive, and applies it (replaying is always safe).`
    : `A market-archiver batch kept failing until its record age limit; its pointer (shard and sequence range) waits in ${queueService} and the raw archive lacks its records, which only the stream still holds, until its retention (stream.retentionHours) ends. Fix the cause (the archiver's errors alarm, S3 errors in its log group), then run \`${command}\` before then (replaying is always safe).`;
}

/** A dead-letter queue to watch. */
export interface WatchedQueue {
  /** The queue's service name, e.g. `market-processor-dlq`. */
  readonly service: string;
  /** The alarm's `QueueName` dimension. */
  readonly queueName: pulumi.Input<string>;
  /** Physical name of its depth alarm. */
  readonly alarmName: string;
}

export interface DataPathAlarmsArgs {
  /** The environment's alarm topic and whether it notifies. */
  readonly routing: AlarmRouting;
  /** The bars table, the throttle alarms' `TableName` dimension. */
  readonly tableName: pulumi.Input<string>;
  /** Physical names of the table's throttle alarms. */
  readonly tableAlarmNames: { readonly readThrottles: string; readonly writeThrottles: string };
  /** One depth alarm each. */
  readonly deadLetterQueues: readonly WatchedQueue[];
}

/**
 * Alarms on the data path outside the functions: any throttled read or write on the bars table, and
 * any message waiting in a dead-letter queue (each one is a batch of ticks that was not processed,
 * and its description says how to redrive it).
 */
export class DataPathAlarms extends pulumi.ComponentResource {
  /** Alarm ARNs by physical alarm name. */
  public readonly alarmArns: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: DataPathAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:monitoring:DataPathAlarms", name, {}, opts);

    const throttleSpec = (
      alarmName: string,
      metricName: "ReadThrottleEvents" | "WriteThrottleEvents",
      description: string,
    ): MetricAlarmSpec => ({
      alarmName,
      service: "market-analytics",
      description,
      namespace: "AWS/DynamoDB",
      metricName,
      // Table-level throttle events need only the table; ThrottledRequests would need an Operation too.
      dimensions: { TableName: args.tableName },
      statistic: "Sum",
      threshold: 0,
    });

    const alarms: [string, MetricAlarmSpec][] = [
      [
        `${name}-table-read-throttles`,
        throttleSpec(
          args.tableAlarmNames.readThrottles,
          "ReadThrottleEvents",
          "Reads on the bars table were throttled: the analytics API is over the table's read capacity.",
        ),
      ],
      [
        `${name}-table-write-throttles`,
        throttleSpec(
          args.tableAlarmNames.writeThrottles,
          "WriteThrottleEvents",
          "Writes to the bars table were throttled: the market processor is over the table's write capacity and its batches retry.",
        ),
      ],
      ...args.deadLetterQueues.map((queue): [string, MetricAlarmSpec] => [
        `${name}-${queue.service}-depth`,
        {
          alarmName: queue.alarmName,
          service: queue.service,
          description: deadLetterQueueDescription(args.routing.environment, queue.service),
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          dimensions: { QueueName: queue.queueName },
          statistic: "Maximum",
          threshold: 0,
        },
      ]),
    ];

    this.alarmArns = Object.fromEntries(
      alarms.map(([logicalName, spec]) => [
        spec.alarmName,
        createMetricAlarm(logicalName, args.routing, spec, { parent: this }).arn,
      ]),
    );
    this.registerOutputs({ alarmArns: this.alarmArns });
  }
}
