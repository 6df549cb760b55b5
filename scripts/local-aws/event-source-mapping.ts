import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
  type ShardIteratorType,
} from "@aws-sdk/client-kinesis";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { EventSourceMappingSettings } from "./event-source-mapping-settings";
import {
  interpretBatchResponse,
  kinesisEvent,
  laneOf,
  sequenceOf,
  type DeadLetterCondition,
  type DeadLetteredBatch,
  type Outcome,
  type ShardSource,
} from "./kinesis-batch";

/** Invokes the function with one batch: resolves with its response, rejects on a function error. */
export type BatchInvoker = (
  event: KinesisStreamEvent,
) => Promise<KinesisStreamBatchResponse | void | null | undefined>;

export interface ShardPollerObserver {
  /** Records whose processing is final: the function succeeded on them and they are checkpointed. */
  readonly onCommitted?: (shardId: string, records: readonly KinesisRecord[]) => void;
  readonly onDeadLettered?: (batch: DeadLetteredBatch, records: readonly KinesisRecord[]) => void;
}

export interface ShardPollerStats {
  getRecordsCalls: number;
  /** Time spent waiting for GetRecords, in ms. */
  getRecordsMs: number;
  /** Time spent waiting for the function, in ms. */
  invokeMs: number;
  invocations: number;
  functionErrors: number;
  partialFailures: number;
  bisections: number;
  recordsCommitted: number;
  recordsDeadLettered: number;
  /** Age of the last record of the last batch when the function finished with it, in ms (0 when idle). */
  iteratorAgeMs: number;
}

type Position =
  | { readonly type: "TRIM_HORIZON" }
  | { readonly type: "AFTER_SEQUENCE_NUMBER"; readonly sequenceNumber: string }
  | { readonly type: "AT_SEQUENCE_NUMBER"; readonly sequenceNumber: string };

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One shard's poller, behaving like Lambda's Kinesis event source mapping: reads from
 * TRIM_HORIZON, gathers records for the batching window (or until a batch is full), invokes the
 * function synchronously, checkpoints after success, resumes AT the lowest reported failure,
 * bisects on function errors, and hands a batch to the on-failure destination once its retries
 * are used up or its oldest record is older than the maximum record age.
 */
export class ShardPoller {
  readonly stats: ShardPollerStats = {
    getRecordsCalls: 0,
    getRecordsMs: 0,
    invokeMs: 0,
    invocations: 0,
    functionErrors: 0,
    partialFailures: 0,
    bisections: 0,
    recordsCommitted: 0,
    recordsDeadLettered: 0,
    iteratorAgeMs: 0,
  };
  private position: Position = { type: "TRIM_HORIZON" };
  private iterator: string | undefined;
  private checkpoint: bigint | undefined;
  private retry: { sequenceNumber: bigint; attempts: number } | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private readonly checkpointWaiters: Array<{ target: bigint; resolve: () => void }> = [];

  constructor(
    private readonly kinesis: KinesisClient,
    readonly source: ShardSource,
    private readonly settings: EventSourceMappingSettings,
    private readonly invoke: BatchInvoker,
    private readonly observer: ShardPollerObserver = {},
    /** The wall clock record ages are measured on, in epoch ms. */
    private readonly clock: () => number = Date.now,
  ) {}

  /** The last sequence number whose processing is final, if any. */
  get checkpointSequenceNumber(): string | undefined {
    return this.checkpoint?.toString();
  }

  start(): void {
    if (!this.running) {
      this.running = this.loop();
    }
  }

  /** Resolves once every record up to `sequenceNumber` is committed or dead-lettered. */
  waitForCheckpoint(sequenceNumber: string): Promise<void> {
    const target = BigInt(sequenceNumber);
    if (this.checkpoint !== undefined && this.checkpoint >= target) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.checkpointWaiters.push({ target, resolve }));
  }

  /** Finishes the batch in flight, then stops polling. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    const windowMs = (this.settings.maximumBatchingWindowSeconds ?? 0) * 1000;
    // Records read but not yet invoked: the batching window gathers them, across reads.
    let gathered: KinesisRecord[] = [];
    let laneRecords = 0;
    let gatheringSince = 0;
    while (!this.stopping) {
      const records = await this.poll();
      if (records === undefined) {
        // The shard is read again from the checkpoint, gathered records included.
        gathered = [];
        laneRecords = 0;
        continue;
      }
      if (gathered.length === 0) {
        gatheringSince = performance.now();
      }
      gathered.push(...records);
      laneRecords += this.ownRecords(records).length;
      if (gathered.length === 0) {
        this.stats.iteratorAgeMs = 0;
        await this.sleep(this.settings.idlePollMs);
        continue;
      }
      const waitedMs = performance.now() - gatheringSince;
      if (
        laneRecords > 0 &&
        laneRecords < this.settings.batchSize &&
        waitedMs < windowMs &&
        !this.stopping
      ) {
        // The batch is neither full nor due: read on after a pause, within the window.
        await this.sleep(Math.min(this.settings.idlePollMs, windowMs - waitedMs));
        continue;
      }
      const page = gathered;
      gathered = [];
      laneRecords = 0;
      await this.process(page);
    }
  }

  /** The records of a page that belong to this poller's lane. */
  private ownRecords(page: KinesisRecord[]): KinesisRecord[] {
    const lane = this.source.lane;
    return lane === undefined
      ? page
      : page.filter((record) => laneOf(record.PartitionKey ?? "", lane.count) === lane.index);
  }

  private async poll(): Promise<KinesisRecord[] | undefined> {
    try {
      if (this.iterator === undefined) {
        this.iterator = await this.shardIterator(this.position);
      }
      this.stats.getRecordsCalls += 1;
      const started = performance.now();
      // A lane reads enough of the shard to fill its own batch.
      const limit = Math.min(10_000, this.settings.batchSize * (this.source.lane?.count ?? 1));
      const response = await this.kinesis.send(
        new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }),
      );
      this.stats.getRecordsMs += performance.now() - started;
      this.iterator = response.NextShardIterator;
      if (this.iterator === undefined) {
        // The shard is closed and fully read.
        this.stopping = true;
      }
      return response.Records ?? [];
    } catch {
      // Expired iterators, throttling and dropped connections all resolve by starting again
      // from the checkpoint, as the event source mapping does.
      this.iterator = undefined;
      await this.sleep(this.settings.retryBackoffMs * 4);
      return undefined;
    }
  }

  private async shardIterator(position: Position): Promise<string> {
    const response = await this.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.source.streamName,
        ShardId: this.source.shardId,
        ShardIteratorType: position.type satisfies ShardIteratorType,
        ...(position.type === "TRIM_HORIZON"
          ? {}
          : { StartingSequenceNumber: position.sequenceNumber }),
      }),
    );
    if (!response.ShardIterator) {
      throw new Error(`No shard iterator for ${this.source.shardId}.`);
    }
    return response.ShardIterator;
  }

  /** Processes the records read from the shard; returns once all are done or a retry is set up. */
  private async process(page: KinesisRecord[]): Promise<void> {
    const records = this.ownRecords(page);
    const segments: KinesisRecord[][] = [];
    for (let i = 0; i < records.length; i += this.settings.batchSize) {
      segments.push(records.slice(i, i + this.settings.batchSize));
    }
    while (segments.length > 0) {
      const segment = segments.shift() as KinesisRecord[];
      const tooOld = this.recordAgeExceeded(segment);
      if (tooOld !== undefined) {
        this.deadLetter(segment, "RecordAgeExceeded", tooOld);
        continue;
      }
      const outcome = await this.invokeOnce(segment);
      if (outcome.kind === "success") {
        this.commit(segment);
        continue;
      }
      const failedIndex = outcome.kind === "partial" ? outcome.failedIndex : 0;
      const failed = segment.slice(failedIndex);
      this.commit(segment.slice(0, failedIndex));
      // Every failure at the same record counts, a bisected half that starts there included.
      if (this.retriesExhausted(failed[0])) {
        this.deadLetter(failed, "RetryAttemptsExhausted", outcome.detail);
        continue;
      }
      if (outcome.kind === "partial") {
        // Lambda re-reads the shard from the failed record; later segments come back with it.
        this.stats.partialFailures += 1;
        this.position = {
          type: "AT_SEQUENCE_NUMBER",
          sequenceNumber: sequenceOf(failed[0]),
        };
        this.iterator = undefined;
        await this.sleep(this.settings.retryBackoffMs);
        return;
      }
      this.stats.functionErrors += 1;
      if (this.settings.bisectBatchOnFunctionError && failed.length > 1) {
        this.stats.bisections += 1;
        const middle = Math.ceil(failed.length / 2);
        segments.unshift(failed.slice(0, middle), failed.slice(middle));
      } else {
        segments.unshift(failed);
      }
      await this.sleep(this.settings.retryBackoffMs);
    }
    // The page is done; its records of other lanes belong to their own pollers.
    const last = page[page.length - 1];
    if (last && (this.checkpoint === undefined || BigInt(sequenceOf(last)) > this.checkpoint)) {
      this.advance(sequenceOf(last));
    }
  }

  private async invokeOnce(segment: readonly KinesisRecord[]): Promise<Outcome> {
    this.stats.invocations += 1;
    let outcome: Outcome;
    const started = performance.now();
    try {
      const response = await this.invoke(kinesisEvent(segment, this.source));
      outcome = interpretBatchResponse(segment, response);
    } catch (error) {
      outcome = { kind: "error", detail: errorText(error) };
    }
    this.stats.invokeMs += performance.now() - started;
    const last = segment[segment.length - 1];
    const arrival = last?.ApproximateArrivalTimestamp?.getTime();
    this.stats.iteratorAgeMs = arrival === undefined ? 0 : Math.max(0, this.clock() - arrival);
    return outcome;
  }

  /**
   * Why the batch must not be invoked: its oldest record arrived longer ago than the maximum
   * record age. `undefined` when it may be.
   */
  private recordAgeExceeded(segment: readonly KinesisRecord[]): string | undefined {
    const limitSeconds = this.settings.maximumRecordAgeSeconds ?? -1;
    if (limitSeconds < 0) {
      return undefined;
    }
    let oldest = Number.POSITIVE_INFINITY;
    for (const record of segment) {
      oldest = Math.min(oldest, record.ApproximateArrivalTimestamp?.getTime() ?? oldest);
    }
    const ageMs = this.clock() - oldest;
    if (!(ageMs > limitSeconds * 1000)) {
      return undefined;
    }
    return `its oldest record arrived ${(ageMs / 1000).toFixed(1)} s ago, past the maximum record age of ${limitSeconds} s`;
  }

  /**
   * Counts a failed attempt at the record processing is stuck on (progress past it starts a new
   * count) and tells whether that was the last one the retry policy allows.
   */
  private retriesExhausted(record: KinesisRecord): boolean {
    const sequenceNumber = BigInt(sequenceOf(record));
    if (this.retry?.sequenceNumber === sequenceNumber) {
      this.retry.attempts += 1;
    } else {
      this.retry = { sequenceNumber, attempts: 1 };
    }
    const limit = this.settings.maximumRetryAttempts;
    return limit >= 0 && this.retry.attempts > limit;
  }

  private commit(records: readonly KinesisRecord[]): void {
    const last = records[records.length - 1];
    if (!last) {
      return;
    }
    this.stats.recordsCommitted += records.length;
    this.observer.onCommitted?.(this.source.shardId, records);
    this.advance(sequenceOf(last));
  }

  private deadLetter(
    records: readonly KinesisRecord[],
    condition: DeadLetterCondition,
    lastError: string,
  ): void {
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last) {
      return;
    }
    this.stats.recordsDeadLettered += records.length;
    this.observer.onDeadLettered?.(
      {
        functionName: this.source.functionName,
        shardId: this.source.shardId,
        startSequenceNumber: sequenceOf(first),
        endSequenceNumber: sequenceOf(last),
        batchSize: records.length,
        condition,
        lastError,
      },
      records,
    );
    this.advance(sequenceOf(last));
    // The shard is re-read after the skipped records, as after any checkpoint jump.
    this.iterator = undefined;
  }

  private advance(sequenceNumber: string): void {
    const value = BigInt(sequenceNumber);
    this.checkpoint = value;
    this.position = { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber };
    if (this.retry && value >= this.retry.sequenceNumber) {
      this.retry = undefined;
    }
    for (let i = this.checkpointWaiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.checkpointWaiters[i];
      if (value >= waiter.target) {
        this.checkpointWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }
}
