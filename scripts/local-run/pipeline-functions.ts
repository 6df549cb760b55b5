/**
 * The local run's set-up of its functions: the cleanup steps that undo the run, and the processor,
 * archiver and API handlers in local sandboxes with their deployed variables and mappings.
 */
import path from "node:path";
import { z } from "zod";
import {
  APPLICATION_LOG_LEVEL,
  METRICS_NAMESPACE,
  type FunctionService,
} from "../../modules/compute/runtime";
import { REGION, type EnvironmentSettings } from "../../modules/config/settings";
import {
  simulatedMapping,
  type SimulatedMapping,
} from "../local-aws/event-source-mapping-deployed";
import type { FunctionBundles } from "../local-aws/function-bundles";
import { LocalFunction } from "../local-aws/local-lambda";
import { FunctionOutput, MalformedInputLedger } from "./function-output";
import type { CreatedResources, LocalNames } from "./local-resources";
import type { LocalRunOptions } from "./local-run-options";

/**
 * The processor's per-batch summary line; its `duplicateTicks` and `pastRetentionTicks` are the
 * `DuplicateTicks` and `TicksPastRetention` metrics.
 */
const batchSummarySchema = z.object({
  message: z.literal("Batch processed"),
  summary: z.object({
    duplicateTicks: z.number().int(),
    pastRetentionTicks: z.number().int(),
  }),
});

/** The variables every deployed function gets (see modules/compute), for one environment. */
function commonVariables(service: FunctionService, env: string): Record<string, string> {
  return {
    ENVIRONMENT: env,
    POWERTOOLS_SERVICE_NAME: service,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: APPLICATION_LOG_LEVEL,
  };
}

/** Runs `cleanups` in reverse order of registration, all of them, even when one fails. */
export class Cleanup {
  private readonly steps: Array<() => Promise<void> | void> = [];

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    let failure: Error | undefined;
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    if (failure !== undefined) {
      throw failure;
    }
  }
}

/** The run's three functions, warm, with their mappings and what their output told. */
export interface PipelineFunctions {
  readonly processor: LocalFunction;
  readonly archiver: LocalFunction;
  readonly api: LocalFunction;
  readonly processorMapping: SimulatedMapping;
  readonly archiverMapping: SimulatedMapping;
  /** Each function's output: log file, log levels, last error. */
  readonly outputs: ReadonlyMap<FunctionService, FunctionOutput>;
  /** The malformed input the processor reported. */
  readonly ledger: MalformedInputLedger;
  /** Ticks the processor skipped as already counted, from its per-batch summaries. */
  duplicatesSkipped(): number;
  /** Ticks the processor did not count because their bar is past its retention. */
  pastRetentionTicks(): number;
  /** Shuts the sandboxes down, once; the processor's last log lines arrive then. */
  close(): Promise<void>;
}

/**
 * Starts the processor, archiver and API handlers in warm sandboxes, as deployed for the
 * environment (variables, memory, timeouts, reserved concurrency); registers their shutdown with
 * `cleanup`.
 */
export async function startFunctions(run: {
  readonly options: LocalRunOptions;
  readonly settings: EnvironmentSettings;
  readonly names: LocalNames;
  readonly resources: CreatedResources;
  /** The functions as they deploy (`buildFunctionBundles`), perhaps still building. */
  readonly bundles: Promise<FunctionBundles>;
  readonly logDirectory?: string;
  readonly cleanup: Cleanup;
  readonly status: (message: string) => void;
}): Promise<PipelineFunctions> {
  const { options, settings, names, resources, cleanup, status } = run;
  const bundles = await run.bundles;
  const { stream } = resources;
  const ledger = new MalformedInputLedger();
  // Ticks the processor skipped as already counted or past retention, from its batch summaries.
  let duplicatesSkipped = 0;
  let pastRetentionTicks = 0;
  const observeProcessor = (line: Record<string, unknown>): void => {
    ledger.observe(line);
    const summary = batchSummarySchema.safeParse(line);
    if (summary.success) {
      duplicatesSkipped += summary.data.summary.duplicateTicks;
      pastRetentionTicks += summary.data.summary.pastRetentionTicks;
    }
  };
  const outputs = new Map<FunctionService, FunctionOutput>();
  const logFile = (service: FunctionService): string | undefined =>
    run.logDirectory ? path.join(run.logDirectory, `${service}.log`) : undefined;
  const outputOf = (service: FunctionService): FunctionOutput => {
    const output = new FunctionOutput(
      service,
      logFile(service),
      service === "market-processor" ? observeProcessor : undefined,
    );
    outputs.set(service, output);
    return output;
  };
  const processorOutput = outputOf("market-processor");
  const archiverOutput = outputOf("market-archiver");
  const apiOutput = outputOf("analytics-api");
  cleanup.add(async () => {
    await Promise.all([...outputs.values()].map((output) => output.close()));
  });

  // Each consumer's event source mapping as deployed: batching, retries, record age, bisection.
  const processorMapping = simulatedMapping(settings, "market-processor");
  const archiverMapping = simulatedMapping(settings, "market-archiver", {
    batchingWindowSeconds: options.archiverWindowSeconds,
  });
  // One invocation per shard and lane at a time; the reserved concurrency covers that (checked
  // by the infrastructure for every environment).
  const processorConcurrency = stream.shardIds.length * processorMapping.parallelizationFactor;
  const archiverConcurrency = stream.shardIds.length * archiverMapping.parallelizationFactor;
  const processor = new LocalFunction({
    functionName: names.functions.processor,
    handlerPath: bundles["market-processor"],
    environment: {
      ...commonVariables("market-processor", options.env),
      TABLE_NAME: resources.tableName,
      BAR_TTL_DAYS: String(settings.table.barRetentionDays),
    },
    memoryMb: settings.lambda.memoryMb,
    timeoutSeconds: settings.lambda.streamConsumerTimeoutSeconds,
    maxConcurrency: processorConcurrency,
    region: REGION,
    onOutput: processorOutput.write,
  });
  const archiver = new LocalFunction({
    functionName: names.functions.archiver,
    handlerPath: bundles["market-archiver"],
    environment: {
      ...commonVariables("market-archiver", options.env),
      BUCKET_NAME: resources.bucketName,
    },
    memoryMb: settings.lambda.memoryMb,
    timeoutSeconds: settings.lambda.streamConsumerTimeoutSeconds,
    maxConcurrency: archiverConcurrency,
    region: REGION,
    onOutput: archiverOutput.write,
  });
  const api = new LocalFunction({
    functionName: names.functions.api,
    handlerPath: bundles["analytics-api"],
    environment: {
      ...commonVariables("analytics-api", options.env),
      TABLE_NAME: resources.tableName,
    },
    memoryMb: settings.lambda.memoryMb,
    timeoutSeconds: settings.lambda.apiTimeoutSeconds,
    maxConcurrency: 2,
    region: REGION,
    onOutput: apiOutput.write,
  });
  let functionsClosed = false;
  const closeFunctions = async (): Promise<void> => {
    if (!functionsClosed) {
      functionsClosed = true;
      await Promise.all([processor.close(), archiver.close(), api.close()]);
    }
  };
  cleanup.add(closeFunctions);
  status(
    "Starting the function sandboxes (market-processor, market-archiver, analytics-api), bundled as npm run build bundles them...",
  );
  await Promise.all([
    processor.warm(processorConcurrency),
    archiver.warm(archiverConcurrency),
    api.warm(1),
  ]);
  return {
    processor,
    archiver,
    api,
    processorMapping,
    archiverMapping,
    outputs,
    ledger,
    duplicatesSkipped: () => duplicatesSkipped,
    pastRetentionTicks: () => pastRetentionTicks,
    close: closeFunctions,
  };
}
