import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Environment } from "./env";

/**
 * Powertools logger and metrics. The service name, namespace and log level come from
 * `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE` and `POWERTOOLS_LOG_LEVEL`; the
 * deployment environment (`ENVIRONMENT`) is added to every log line and as a metric dimension.
 */

export function createLogger(env: Environment = process.env): Logger {
  return new Logger({ persistentKeys: { environment: env.ENVIRONMENT ?? "unknown" } });
}

export function createMetrics(env: Environment = process.env): Metrics {
  return new Metrics({ defaultDimensions: { environment: env.ENVIRONMENT ?? "unknown" } });
}
