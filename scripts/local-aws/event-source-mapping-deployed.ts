import {
  ARCHIVER_RETRY_POLICY,
  PROCESSOR_RETRY_POLICY,
  type MappingBatching,
  type RetryPolicy,
} from "../../modules/compute/stream-consumer-function";
import type { EnvironmentSettings } from "../../modules/config/settings";
import { SIMULATOR_PACING, type EventSourceMappingSettings } from "./event-source-mapping-settings";

/** The two functions the stream feeds, each through its own event source mapping. */
export type StreamConsumer = "market-processor" | "market-archiver";

export const STREAM_CONSUMERS: readonly StreamConsumer[] = ["market-processor", "market-archiver"];

/**
 * How each consumer's mapping treats a failing batch: the retry policies the mappings are deployed
 * with (modules/compute), not a copy of them.
 */
export const DEPLOYED_RETRY_POLICIES: Readonly<Record<StreamConsumer, RetryPolicy>> = {
  "market-processor": PROCESSOR_RETRY_POLICY,
  "market-archiver": ARCHIVER_RETRY_POLICY,
};

/** Every deployed stream mapping bisects a batch on a function error (StreamConsumerFunction). */
export const BISECT_BATCH_ON_FUNCTION_ERROR = true;

/**
 * How a consumer's mapping batches a shard's records in an environment, as MarketFunctions
 * configures it: the processor invokes at once (no batching window) in batches of
 * `lambda.batchSize`; the archiver gathers `archiver.*` records per archive object.
 */
export function deployedBatching(
  settings: EnvironmentSettings,
  consumer: StreamConsumer,
): MappingBatching {
  return consumer === "market-processor"
    ? {
        batchSize: settings.lambda.batchSize,
        maximumBatchingWindowSeconds: 0,
        parallelizationFactor: settings.lambda.parallelizationFactor,
      }
    : {
        batchSize: settings.archiver.batchSize,
        maximumBatchingWindowSeconds: settings.archiver.batchingWindowSeconds,
        parallelizationFactor: settings.archiver.parallelizationFactor,
      };
}

/** A consumer's mapping as the simulator runs it, with the parallelization factor of its lanes. */
export interface SimulatedMapping extends EventSourceMappingSettings {
  readonly consumer: StreamConsumer;
  /** Lanes per shard (concurrent batches, each with its own partition keys). */
  readonly parallelizationFactor: number;
  /** The deployed batching window, in seconds, when `maximumBatchingWindowSeconds` is shortened. */
  readonly deployedBatchingWindowSeconds?: number;
}

/**
 * The simulator's settings for a consumer's mapping: the deployed batching, retry policy and
 * bisection, with the simulator's pacing. `batchingWindowSeconds` replaces the deployed window
 * (a local run cannot always wait staging's 5 minutes); the result then names the deployed one.
 */
export function simulatedMapping(
  settings: EnvironmentSettings,
  consumer: StreamConsumer,
  overrides: { readonly batchingWindowSeconds?: number } = {},
): SimulatedMapping {
  const batching = deployedBatching(settings, consumer);
  const retry = DEPLOYED_RETRY_POLICIES[consumer];
  const window = overrides.batchingWindowSeconds;
  const shortened = window !== undefined && window !== batching.maximumBatchingWindowSeconds;
  return {
    consumer,
    batchSize: batching.batchSize,
    maximumBatchingWindowSeconds: shortened ? window : batching.maximumBatchingWindowSeconds,
    parallelizationFactor: batching.parallelizationFactor,
    maximumRetryAttempts: retry.maximumRetryAttempts,
    maximumRecordAgeSeconds: retry.maximumRecordAgeSeconds,
    bisectBatchOnFunctionError: BISECT_BATCH_ON_FUNCTION_ERROR,
    ...SIMULATOR_PACING,
    ...(shortened ? { deployedBatchingWindowSeconds: batching.maximumBatchingWindowSeconds } : {}),
  };
}
