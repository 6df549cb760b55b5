import * as path from "path";

/** The three functions of the platform; each name is also its service name and its bundle directory. */
export const FUNCTION_SERVICES = ["market-processor", "market-archiver", "analytics-api"] as const;

export type FunctionService = (typeof FUNCTION_SERVICES)[number];

/** Lambda runtime of every function; the bundles, tools and tests target the same Node.js major (`.nvmrc`). */
export const LAMBDA_RUNTIME = "nodejs24.x";

/** Graviton: about 20% cheaper per GB-second than x86 for the same memory, and the bundles are pure JavaScript. */
export const LAMBDA_ARCHITECTURE = "arm64";

/** Every bundle is `index.js` exporting `handler`. */
export const LAMBDA_HANDLER = "index.handler";

/** CloudWatch namespace of the functions' Embedded Metric Format metrics. */
export const METRICS_NAMESPACE = "TradingAnalytics";

/**
 * Log level of the functions' own JSON logs, the same in every environment: the processor logs every
 * skipped record at WARN, so INFO keeps the signal without paying for per-tick debug lines.
 */
export const APPLICATION_LOG_LEVEL = "INFO";

/** Lambda platform log level: INFO keeps the START/END/REPORT lines (duration, memory, init time). */
export const SYSTEM_LOG_LEVEL = "INFO";

/** The repository root, resolved from this file so the path does not depend on the working directory. */
export const REPOSITORY_ROOT = path.resolve(__dirname, "..", "..");

/** `dist/functions/<service>`, where `npm run build` writes the function's bundle. */
export function functionBundlePath(service: FunctionService): string {
  return path.join(REPOSITORY_ROOT, "dist", "functions", service);
}
