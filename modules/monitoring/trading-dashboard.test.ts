import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import * as pulumi from "@pulumi/pulumi";

import { createMarketProcessor } from "../../functions/market-processor/processor";
import { createMetrics } from "../../functions/shared/observability";
import {
  kinesisEvent,
  kinesisEventRecord,
  lambdaContext,
} from "../../tests/support/functions/kinesis-events";
import { silentLogger } from "../../tests/support/functions/observability";
import { runProgram } from "../../scripts/plan/mock-runtime";
import { commonEnvironmentVariables } from "../compute/market-function";
import { PROCESSOR_ITERATOR_AGE_THRESHOLD_MS } from "../compute/market-functions";
import { METRICS_NAMESPACE } from "../compute/runtime";
import { ENVIRONMENT_NAMES, ENVIRONMENT_SETTINGS, type EnvironmentName } from "../config/settings";
import { namerFor } from "../naming/physical-name";
import {
  dashboardBody,
  dashboardConsoleUrl,
  planDashboardName,
  type DashboardSpec,
  type MetricRow,
} from "./dashboard-body";
import { TradingDashboard } from "./trading-dashboard";

const REGION = "us-east-1";

function specFor(environment: EnvironmentName): DashboardSpec {
  const name = (service: string) => `${environment}-${service}-${REGION}-a1`;
  const fn = (service: string) => ({ service, functionName: name(service) });
  return {
    environment,
    region: REGION,
    functions: {
      processor: fn("market-processor"),
      archiver: fn("market-archiver"),
      api: fn("analytics-api"),
    },
    metricsNamespace: METRICS_NAMESPACE,
    freshnessThresholdMs: PROCESSOR_ITERATOR_AGE_THRESHOLD_MS,
    deadLetterQueues: ["market-processor-dlq", "market-archiver-dlq"].map((service) => ({
      service,
      queueName: name(service),
    })),
    tableName: name("market-analytics"),
  };
}

function metricRows(environment: EnvironmentName): MetricRow[] {
  return dashboardBody(specFor(environment)).widgets.flatMap((widget) =>
    widget.type === "metric" ? widget.properties.metrics : [],
  );
}

/** `[namespace, metric, dimension pairs sorted by name]`: a CloudWatch metric's identity. */
function identity(namespace: string, metric: string, dimensions: [string, string][]): unknown[] {
  return [namespace, metric, [...dimensions].sort(([a], [b]) => a.localeCompare(b))];
}

/** The identity of a graphed metric row (`[namespace, metric, name, value, ..., options]`). */
function rowIdentity(row: MetricRow): unknown[] {
  const [namespace, metric, ...rest] = row.slice(0, -1).map(String);
  const pairs: [string, string][] = [];
  for (let i = 0; i < rest.length; i += 2) {
    pairs.push([rest[i], rest[i + 1]]);
  }
  return identity(namespace, metric, pairs);
}

interface EmfDocument {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

/** The identities of every metric an EMF document publishes, under each of its dimension sets. */
function publishedIdentities(document: EmfDocument): unknown[][] {
  return document._aws.CloudWatchMetrics.flatMap((directive) =>
    directive.Metrics.flatMap((published) =>
      directive.Dimensions.map((set) =>
        identity(
          directive.Namespace,
          published.Name,
          set.map((dimension) => [dimension, String(document[dimension])]),
        ),
      ),
    ),
  );
}

/**
 * Runs the real market processor's handler on a batch of malformed records (no table needed)
 * with Powertools configured exactly as the compute module configures the deployed function,
 * and returns the EMF document it publishes.
 */
async function processorEmf(environment: EnvironmentName): Promise<EmfDocument> {
  const variables = commonEnvironmentVariables(
    "market-processor",
    ENVIRONMENT_SETTINGS[environment],
  );
  const previous = Object.fromEntries(Object.keys(variables).map((key) => [key, process.env[key]]));
  Object.assign(process.env, variables);
  let metrics: Metrics;
  try {
    metrics = createMetrics(variables);
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
  }
  const published: EmfDocument[] = [];
  jest.spyOn(metrics, "captureColdStartMetric").mockImplementation(() => undefined);
  jest.spyOn(metrics, "publishStoredMetrics").mockImplementation(() => {
    published.push(metrics.serializeMetrics());
    metrics.clearMetrics();
    return metrics;
  });
  const untouchedTable = {
    send: () => Promise.reject(new Error("a batch without valid ticks reads no table")),
  } as unknown as DynamoDBClient;
  const processor = createMarketProcessor({
    dynamodb: untouchedTable,
    tableName: `${environment}-market-analytics-${REGION}-a1`,
    barTtlDays: 7,
    logger: silentLogger(),
    metrics,
  });
  await processor.handler(
    kinesisEvent([
      kinesisEventRecord({
        shardId: "shardId-000000000000",
        sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
        partitionKey: "AAPL",
        data: new TextEncoder().encode("not json"),
      }),
    ]),
    lambdaContext(`${environment}-market-processor-${REGION}-a1`),
  );
  expect(published).toHaveLength(1);
  return published[0];
}

describe("planDashboardName", () => {
  test("{env}-market-dashboard-{region}-{suffix}", () => {
    expect(
      planDashboardName(
        namerFor({ environment: "production", region: REGION, suffix: "k3x9q2mz" }),
      ),
    ).toBe("production-market-dashboard-us-east-1-k3x9q2mz");
  });

  test("a suffix that makes the name longer than CloudWatch allows fails with the culprit", () => {
    const suffix = "x".repeat(255 - "dev-market-dashboard-us-east-1-".length + 1);
    expect(() =>
      planDashboardName(namerFor({ environment: "dev", region: REGION, suffix })),
    ).toThrow(
      `CloudWatch dashboard name "dev-market-dashboard-us-east-1-${suffix}" is 256 characters; AWS allows at most 255. Shorten the service "market-dashboard" or the environmentSuffix "${suffix}" by at least 1 character.`,
    );
  });
});

describe("dashboardConsoleUrl", () => {
  test("opens the dashboard in the console of its region", () => {
    expect(dashboardConsoleUrl("us-east-1", "staging-market-dashboard-us-east-1-a1")).toBe(
      "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/staging-market-dashboard-us-east-1-a1",
    );
  });
});

describe("dashboardBody", () => {
  test.each(ENVIRONMENT_NAMES)(
    "%s: the ticks graphs find the metrics the real processor publishes with its deployed configuration",
    async (environment) => {
      const published = publishedIdentities(await processorEmf(environment));
      const graphed = metricRows(environment).filter((row) => row[0] === METRICS_NAMESPACE);
      expect(graphed.map((row) => row[1])).toEqual([
        "TicksApplied",
        "DuplicateTicks",
        "MalformedTicks",
        "MalformedRecords",
        "TicksPastRetention",
      ]);
      for (const row of graphed) {
        expect(published).toContainEqual(rowIdentity(row));
      }
    },
  );

  test("every per-second expression divides a hidden per-minute Sum of its own graph", () => {
    for (const widget of dashboardBody(specFor("dev")).widgets) {
      if (widget.type !== "metric") {
        continue;
      }
      const ids = new Map(
        widget.properties.metrics
          .map((row) => row[row.length - 1] as { id?: string; stat?: string; visible?: boolean })
          .filter((options) => options.id?.startsWith("m") === true)
          .map((options) => [options.id, options]),
      );
      for (const row of widget.properties.metrics.filter((r) => r.length === 1)) {
        const expression = row[0] as { expression: string };
        const id = /^(m\d+)\/PERIOD\(\1\)$/.exec(expression.expression)?.[1];
        expect({ expression: expression.expression, source: ids.get(id) }).toEqual({
          expression: expression.expression,
          source: { id, stat: "Sum", visible: false },
        });
      }
    }
  });

  test("widgets sit on the 24-column grid, three graphs a row, without overlapping", () => {
    const widgets = dashboardBody(specFor("production")).widgets;
    expect(widgets.map((w) => [w.type, w.x, w.y, w.width, w.height])).toEqual([
      ["text", 0, 0, 24, 2],
      ["metric", 0, 2, 8, 6],
      ["metric", 8, 2, 8, 6],
      ["metric", 16, 2, 8, 6],
      ["metric", 0, 8, 8, 6],
      ["metric", 8, 8, 8, 6],
      ["metric", 16, 8, 8, 6],
      ["metric", 0, 14, 8, 6],
      ["metric", 8, 14, 8, 6],
      ["metric", 16, 14, 8, 6],
    ]);
  });
});

describe("TradingDashboard", () => {
  test("one dashboard in its component, its body built from the resolved names, and its console URL", async () => {
    const spec = specFor("staging");
    const run = await runProgram({
      project: "trading-dashboard-test",
      stack: "staging",
      config: {},
      program: () => {
        const dashboard = new TradingDashboard("staging-dashboard", {
          environment: "staging",
          region: REGION,
          dashboardName: "staging-market-dashboard-us-east-1-a1",
          functions: {
            // Names that arrive as outputs of the resources that own them.
            processor: {
              service: "market-processor",
              functionName: pulumi.output(spec.functions.processor.functionName),
            },
            archiver: spec.functions.archiver,
            api: spec.functions.api,
          },
          metricsNamespace: METRICS_NAMESPACE,
          freshnessThresholdMs: PROCESSOR_ITERATOR_AGE_THRESHOLD_MS,
          deadLetterQueues: spec.deadLetterQueues.map((queue) => ({
            service: queue.service,
            queueName: pulumi.output(queue.queueName),
          })),
          tableName: pulumi.output(spec.tableName),
        });
        return { url: dashboard.dashboardUrl, name: dashboard.dashboardName };
      },
    });
    expect(run.resources.map((r) => [r.type, r.name])).toEqual([
      ["trading:monitoring:TradingDashboard", "staging-dashboard"],
      ["aws:cloudwatch/dashboard:Dashboard", "staging-dashboard"],
    ]);
    const [component, dashboard] = run.resources;
    expect(dashboard.options.parent).toBe(component.urn);
    expect(Object.keys(dashboard.inputs).sort()).toEqual(["dashboardBody", "dashboardName"]);
    expect(dashboard.inputs.dashboardName).toBe("staging-market-dashboard-us-east-1-a1");
    expect(JSON.parse(String(dashboard.inputs.dashboardBody))).toEqual(dashboardBody(spec));
    expect(run.outputs).toEqual({
      name: "staging-market-dashboard-us-east-1-a1",
      url: "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/staging-market-dashboard-us-east-1-a1",
    });
  });
});
