import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

/** Metrics that keep each published EMF document instead of printing it. */
export class RecordingMetrics extends Metrics {
  readonly published: ReturnType<Metrics["serializeMetrics"]>[] = [];

  constructor() {
    super({ namespace: "TradingAnalytics", serviceName: "test" });
  }

  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) {
      this.published.push(this.serializeMetrics());
    }
    this.clearMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }

  override captureColdStartMetric(): void {
    // The cold-start metric is published through a separate instance that would print.
  }

  /** Sum of every published value of metric `name`. */
  total(name: string): number {
    let sum = 0;
    for (const document of this.published) {
      const value = (document as Record<string, unknown>)[name];
      if (typeof value === "number") {
        sum += value;
      } else if (Array.isArray(value)) {
        sum += value.reduce((a: number, b: unknown) => a + Number(b), 0);
      }
    }
    return sum;
  }
}

/** A logger that prints nothing; tests spy on its methods. */
export function silentLogger(): Logger {
  return new Logger({ serviceName: "test", logLevel: "SILENT" });
}
