import type * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName } from "../config/settings";
import type { Namer } from "../naming/physical-name";

/** The dashboard's service name: `{env}-market-dashboard-{region}-{suffix}`. */
export const DASHBOARD_SERVICE = "market-dashboard";

/** Names the environment's dashboard; throws, like every planned name, on a name AWS would reject. */
export function planDashboardName(namer: Namer): string {
  return namer("cloudwatch-dashboard", DASHBOARD_SERVICE);
}

/** The dashboard in the CloudWatch console of the region its metrics live in. */
export function dashboardConsoleUrl(region: string, dashboardName: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
}

/**
 * The dimensions Powertools Metrics publishes a function's EMF metrics under: `service` from
 * `POWERTOOLS_SERVICE_NAME` (Powertools adds it to every metric), and the `environment` default
 * dimension `functions/shared/observability.ts` adds from `ENVIRONMENT`. A graph must name all of
 * a metric's dimensions to find it.
 */
export function powertoolsMetricDimensions(
  service: string,
  environment: EnvironmentName,
): Record<string, string> {
  return { service, environment };
}

/** A function on the dashboard. */
export interface DashboardFunction {
  /** Its service name, e.g. `market-processor`: the graphs' label and its Powertools service. */
  readonly service: string;
  /** Its physical name, the `FunctionName` dimension of its `AWS/Lambda` metrics. */
  readonly functionName: pulumi.Input<string>;
}

/** A dead-letter queue on the dashboard. */
export interface DashboardQueue {
  /** The queue's service name, e.g. `market-processor-dlq`: the graph's label. */
  readonly service: string;
  /** The `QueueName` dimension. */
  readonly queueName: pulumi.Input<string>;
}

/** What the body is built from: `TradingDashboardArgs` with every name resolved. */
export interface DashboardSpec {
  readonly environment: EnvironmentName;
  readonly region: string;
  readonly functions: {
    readonly processor: ResolvedFunction;
    readonly archiver: ResolvedFunction;
    readonly api: ResolvedFunction;
  };
  readonly metricsNamespace: string;
  readonly freshnessThresholdMs: number;
  readonly deadLetterQueues: readonly { readonly service: string; readonly queueName: string }[];
  readonly tableName: string;
}

interface ResolvedFunction {
  readonly service: string;
  readonly functionName: string;
}

/** A graphed metric or expression, as the dashboard body's `metrics` array holds it. */
export type MetricRow = (string | Readonly<Record<string, unknown>>)[];

export interface MetricWidget {
  readonly type: "metric";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: {
    readonly title: string;
    readonly region: string;
    readonly view: "timeSeries";
    readonly stacked: false;
    /** Seconds per data point. */
    readonly period: number;
    readonly metrics: readonly MetricRow[];
    readonly yAxis: { readonly left: { readonly min: number; readonly label: string } };
    readonly annotations?: {
      readonly horizontal: readonly { readonly label: string; readonly value: number }[];
    };
  };
}

export interface TextWidget {
  readonly type: "text";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: { readonly markdown: string };
}

/** https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html */
export interface DashboardBody {
  readonly widgets: readonly (TextWidget | MetricWidget)[];
}

/** One minute, the period of the alarms the graphs sit beside. */
const PERIOD_SECONDS = 60;
/** The dashboard grid is 24 units wide; three graphs a row. */
const GRID_WIDTH = 24;
const WIDGET_WIDTH = 8;
const WIDGET_HEIGHT = 6;
const HEADER_HEIGHT = 2;

type Graph = Omit<MetricWidget["properties"], "region" | "view" | "stacked" | "period">;

function metric(
  namespace: string,
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
  rendering: Readonly<Record<string, unknown>>,
): MetricRow {
  return [namespace, metricName, ...Object.entries(dimensions).flat(), rendering];
}

/**
 * Per-second rates of counted metrics: each count's per-minute Sum, hidden, divided by the
 * period (`PERIOD(m)` in CloudWatch metric math), so the graph reads the same at any zoom.
 */
function perSecond(
  rows: readonly { readonly label: string; readonly row: (id: string) => MetricRow }[],
): MetricRow[] {
  return rows.flatMap(({ label, row }, index) => {
    const id = `m${index + 1}`;
    return [[{ expression: `${id}/PERIOD(${id})`, label, id: `e${index + 1}` }], row(id)];
  });
}

/** The dashboard body: plain data, so tests read it exactly as CloudWatch will. */
export function dashboardBody(spec: DashboardSpec): DashboardBody {
  const lambda = (fn: ResolvedFunction, metricName: string, stat: string, label: string) =>
    metric("AWS/Lambda", metricName, { FunctionName: fn.functionName }, { stat, label });
  const { processor, archiver, api } = spec.functions;
  const all = [processor, archiver, api];
  const emf = (metricName: string) => (id: string) =>
    metric(
      spec.metricsNamespace,
      metricName,
      powertoolsMetricDimensions(processor.service, spec.environment),
      { id, stat: "Sum", visible: false },
    );
  const table = (metricName: string, options: Readonly<Record<string, unknown>>) =>
    metric("AWS/DynamoDB", metricName, { TableName: spec.tableName }, options);
  const threshold = spec.freshnessThresholdMs.toLocaleString("en-US");

  const graphs: Graph[] = [
    {
      title: `Freshness: ${processor.service} iterator age`,
      metrics: [
        lambda(processor, "IteratorAge", "Maximum", "Maximum"),
        lambda(processor, "IteratorAge", "p99", "p99"),
      ],
      yAxis: { left: { min: 0, label: "ms" } },
      annotations: {
        horizontal: [
          { label: `Iterator-age alarm (${threshold} ms)`, value: spec.freshnessThresholdMs },
        ],
      },
    },
    {
      title: `Ticks per second: ${processor.service}`,
      metrics: perSecond([
        { label: "Applied", row: emf("TicksApplied") },
        { label: "Duplicate", row: emf("DuplicateTicks") },
        { label: "Malformed ticks", row: emf("MalformedTicks") },
        { label: "Malformed records", row: emf("MalformedRecords") },
        { label: "Past retention", row: emf("TicksPastRetention") },
      ]),
      yAxis: { left: { min: 0, label: "per second" } },
    },
    {
      title: "Dead-letter queue depth",
      metrics: spec.deadLetterQueues.map((queue) =>
        metric(
          "AWS/SQS",
          "ApproximateNumberOfMessagesVisible",
          { QueueName: queue.queueName },
          { stat: "Maximum", label: queue.service },
        ),
      ),
      yAxis: { left: { min: 0, label: "messages" } },
    },
    {
      title: "Function errors",
      metrics: all.map((fn) => lambda(fn, "Errors", "Sum", fn.service)),
      yAxis: { left: { min: 0, label: "invocations" } },
    },
    {
      title: "Function throttles",
      metrics: all.map((fn) => lambda(fn, "Throttles", "Sum", fn.service)),
      yAxis: { left: { min: 0, label: "invocations" } },
    },
    {
      title: "Bars table throttle events",
      metrics: [
        table("ReadThrottleEvents", { stat: "Sum", label: "Read" }),
        table("WriteThrottleEvents", { stat: "Sum", label: "Write" }),
      ],
      yAxis: { left: { min: 0, label: "events" } },
    },
    {
      // Capacity units per second, the unit provisioned capacity is set in.
      title: "Bars table consumed capacity",
      metrics: perSecond([
        {
          label: "Read",
          row: (id) => table("ConsumedReadCapacityUnits", { id, stat: "Sum", visible: false }),
        },
        {
          label: "Write",
          row: (id) => table("ConsumedWriteCapacityUnits", { id, stat: "Sum", visible: false }),
        },
      ]),
      yAxis: { left: { min: 0, label: "units per second" } },
    },
    {
      title: `API duration: ${api.service}`,
      metrics: [lambda(api, "Duration", "p50", "p50"), lambda(api, "Duration", "p99", "p99")],
      yAxis: { left: { min: 0, label: "ms" } },
    },
    {
      // Function URL metrics carry the FunctionName dimension (Lambda developer guide,
      // "Monitoring Lambda function URLs").
      title: `API responses 4xx / 5xx: ${api.service}`,
      metrics: [lambda(api, "Url4xxCount", "Sum", "4xx"), lambda(api, "Url5xxCount", "Sum", "5xx")],
      yAxis: { left: { min: 0, label: "requests" } },
    },
  ];

  const columns = GRID_WIDTH / WIDGET_WIDTH;
  return {
    widgets: [
      {
        // AWS's advice for dashboards created by a program: say so at the top (PutDashboard).
        type: "text",
        x: 0,
        y: 0,
        width: GRID_WIDTH,
        height: HEADER_HEIGHT,
        properties: {
          markdown: `## Trading analytics: ${spec.environment}\nManaged by Pulumi (modules/monitoring/trading-dashboard.ts): changes made in the console are replaced by the next deployment.`,
        },
      },
      ...graphs.map((graph, index): MetricWidget => ({
        type: "metric",
        x: (index % columns) * WIDGET_WIDTH,
        y: HEADER_HEIGHT + Math.floor(index / columns) * WIDGET_HEIGHT,
        width: WIDGET_WIDTH,
        height: WIDGET_HEIGHT,
        properties: {
          title: graph.title,
          region: spec.region,
          view: "timeSeries",
          stacked: false,
          period: PERIOD_SECONDS,
          metrics: graph.metrics,
          yAxis: graph.yAxis,
          ...(graph.annotations === undefined ? {} : { annotations: graph.annotations }),
        },
      })),
    ],
  };
}
