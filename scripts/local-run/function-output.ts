import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

const malformedLogSchema = z.object({
  level: z.literal("WARN"),
  message: z.literal("Skipped malformed input"),
  shardId: z.string(),
  sequenceNumber: z.string(),
  // The logger leaves out keys whose value is null: a whole-record rejection has no tickIndex.
  tickIndex: z.number().int().nullable().optional(),
});

const batchSummaryLogSchema = z.object({
  message: z.literal("Batch processed"),
  summary: z.object({ appliedTicks: z.number().int() }),
});

const levelSchema = z.object({ level: z.string() });

const errorLogSchema = z.object({
  level: z.literal("ERROR"),
  message: z.string(),
  error: z.object({ message: z.string() }).optional(),
});

/**
 * Collects one function's output as CloudWatch Logs would: every line goes to a log file, and the
 * lines the run reports on are read back from the structured logs.
 */
export class FunctionOutput {
  /** Lines by log level (`WARN`, `ERROR`, ...), plus `other` for unstructured lines. */
  readonly levels = new Map<string, number>();
  /** The last ERROR line's message (and its error's message), to explain failed batches. */
  lastError: string | undefined;
  private readonly file: fs.WriteStream | undefined;

  constructor(
    readonly functionName: string,
    logFile?: string,
    private readonly onStructuredLine?: (line: Record<string, unknown>) => void,
  ) {
    if (logFile) {
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      this.file = fs.createWriteStream(logFile, { flags: "w" });
    }
  }

  readonly write = (line: string): void => {
    this.file?.write(`${line}\n`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.count("other");
      return;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      this.count("other");
      return;
    }
    const level = levelSchema.safeParse(parsed);
    this.count(level.success ? level.data.level : "_aws" in parsed ? "metrics" : "other");
    const error = errorLogSchema.safeParse(parsed);
    if (error.success) {
      this.lastError = error.data.error
        ? `${error.data.message}: ${error.data.error.message}`
        : error.data.message;
    }
    this.onStructuredLine?.(parsed as Record<string, unknown>);
  };

  close(): Promise<void> {
    const file = this.file;
    if (!file) {
      return Promise.resolve();
    }
    return new Promise((resolve) => file.end(resolve));
  }

  private count(level: string): void {
    this.levels.set(level, (this.levels.get(level) ?? 0) + 1);
  }
}

/**
 * What the processor reported about the input it skipped, read from its WARN lines and counted
 * once per (shard, sequence number, tick index) however often a retry logged it again.
 */
export class MalformedInputLedger {
  private readonly inputs = new Set<string>();
  private readonly records = new Set<string>();
  /** Ticks the processor reported as newly counted into bars (its "Batch processed" lines). */
  appliedTicks = 0;

  readonly observe = (line: Record<string, unknown>): void => {
    const malformed = malformedLogSchema.safeParse(line);
    if (malformed.success) {
      const { shardId, sequenceNumber, tickIndex } = malformed.data;
      this.inputs.add(`${shardId}:${sequenceNumber}:${tickIndex ?? "record"}`);
      this.records.add(`${shardId}:${sequenceNumber}`);
      return;
    }
    const summary = batchSummaryLogSchema.safeParse(line);
    if (summary.success) {
      this.appliedTicks += summary.data.summary.appliedTicks;
    }
  };

  /** Skipped inputs: undecodable records (one each) plus invalid ticks in decodable ones. */
  get malformedTicks(): number {
    return this.inputs.size;
  }

  /** Records with at least one skipped input. */
  get malformedRecords(): number {
    return this.records.size;
  }
}
