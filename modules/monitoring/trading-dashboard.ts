import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName } from "../config/settings";
import {
  dashboardBody,
  dashboardConsoleUrl,
  type DashboardFunction,
  type DashboardQueue,
} from "./dashboard-body";

export interface TradingDashboardArgs {
  /** The environment: the processor's `environment` metric dimension. */
  readonly environment: EnvironmentName;
  /** The region of every graphed metric, e.g. `us-east-1`; also the console URL's region. */
  readonly region: string;
  /** Physical name of the dashboard (`planDashboardName`). */
  readonly dashboardName: string;
  /** The three functions: errors and throttles of each. */
  readonly functions: {
    /** The stream consumer whose iterator age is the desk's freshness, and whose EMF counts are graphed. */
    readonly processor: DashboardFunction;
    readonly archiver: DashboardFunction;
    /** The Function URL behind the analytics API: its durations and 4xx/5xx responses. */
    readonly api: DashboardFunction;
  };
  /** CloudWatch namespace of the functions' Powertools (EMF) metrics (`POWERTOOLS_METRICS_NAMESPACE`). */
  readonly metricsNamespace: string;
  /** The processor's iterator-age alarm threshold, drawn on the freshness graph, in milliseconds. */
  readonly freshnessThresholdMs: number;
  /** One depth line each. */
  readonly deadLetterQueues: readonly DashboardQueue[];
  /** The bars table: consumed capacity and throttle events. */
  readonly tableName: pulumi.Input<string>;
}

/**
 * The environment's CloudWatch dashboard: freshness (the processor's iterator age against its
 * alarm), ticks per second applied, duplicate and malformed, each function's errors and
 * throttles, dead-letter queue depth, the bars table's consumed capacity and throttling, and the
 * analytics API's latency and 4xx/5xx. Every graph names this environment's own resources.
 *
 * Dashboards take no tags (the provider's `Dashboard` has no `tags` input).
 */
export class TradingDashboard extends pulumi.ComponentResource {
  public readonly dashboardName: pulumi.Output<string>;
  /** The dashboard in the CloudWatch console. */
  public readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, args: TradingDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:monitoring:TradingDashboard", name, {}, opts);

    const { functions } = args;
    const resolve = (fn: DashboardFunction) =>
      pulumi
        .output(fn.functionName)
        .apply((functionName) => ({ service: fn.service, functionName }));
    const body = pulumi
      .all([
        resolve(functions.processor),
        resolve(functions.archiver),
        resolve(functions.api),
        pulumi.all(
          args.deadLetterQueues.map((queue) =>
            pulumi.output(queue.queueName).apply((queueName) => ({
              service: queue.service,
              queueName,
            })),
          ),
        ),
        pulumi.output(args.tableName),
      ])
      .apply(([processor, archiver, api, deadLetterQueues, tableName]) =>
        JSON.stringify(
          dashboardBody({
            environment: args.environment,
            region: args.region,
            functions: { processor, archiver, api },
            metricsNamespace: args.metricsNamespace,
            freshnessThresholdMs: args.freshnessThresholdMs,
            deadLetterQueues,
            tableName,
          }),
        ),
      );

    const dashboard = new aws.cloudwatch.Dashboard(
      name,
      { dashboardName: args.dashboardName, dashboardBody: body },
      { parent: this },
    );

    this.dashboardName = dashboard.dashboardName;
    this.dashboardUrl = dashboard.dashboardName.apply((dashboardName) =>
      dashboardConsoleUrl(args.region, dashboardName),
    );
    this.registerOutputs({ dashboardName: this.dashboardName, dashboardUrl: this.dashboardUrl });
  }
}
