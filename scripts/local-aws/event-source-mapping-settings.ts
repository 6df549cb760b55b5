/**
 * The event source mapping settings that shape delivery, as on `aws.lambda.EventSourceMapping`
 * (`event-source-mapping-deployed.ts` reads the deployed values), plus the simulator's own pacing.
 */
export interface EventSourceMappingSettings {
  /** Records per invocation at most. */
  readonly batchSize: number;
  /**
   * How long the mapping gathers records before invoking, in seconds: a batch is invoked once it
   * holds `batchSize` records or its first record has waited this long. @default 0
   */
  readonly maximumBatchingWindowSeconds?: number;
  /** Retries of a failing batch before it goes to the on-failure destination; -1 for no limit. */
  readonly maximumRetryAttempts: number;
  /**
   * A batch whose oldest record arrived in the stream longer ago than this, in seconds, goes to the
   * on-failure destination instead of the function; -1 for no limit. @default -1
   */
  readonly maximumRecordAgeSeconds?: number;
  /** Split a batch in two when the function errors, to isolate a poison record. */
  readonly bisectBatchOnFunctionError: boolean;
  /** Wait before polling a shard again after it returned nothing, in ms. */
  readonly idlePollMs: number;
  /** Wait before retrying a failed batch, in ms. */
  readonly retryBackoffMs: number;
}

/** How often the simulator polls an idle shard and how long it waits before a retry, in ms. */
export const SIMULATOR_PACING: Pick<EventSourceMappingSettings, "idlePollMs" | "retryBackoffMs"> = {
  idlePollMs: 100,
  retryBackoffMs: 50,
};
