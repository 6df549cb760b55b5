import {
  PutRecordsCommand,
  type KinesisClient,
  type PutRecordsRequestEntry,
} from "@aws-sdk/client-kinesis";
import type { RePut, RePutPlan } from "./synthetic-market";

/** A record to put: its partition key and payload text. */
export interface OutgoingRecord {
  readonly partitionKey: string;
  readonly data: string;
}

/** Where Kinesis stored a record. */
export interface Placement {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** A record put a second time, and where Kinesis stored the copy. */
export interface RePutPlacement extends RePut {
  readonly placement: Placement;
}

/** Where a batch's records and their re-put copies landed. */
export interface PutOutcome {
  /** Each record's placement, in the order given. */
  readonly placements: readonly Placement[];
  /** The copies, in the order they were put again. */
  readonly rePuts: readonly RePutPlacement[];
  /** The whole batch was put again. */
  readonly wholeBatch: boolean;
}

export interface ProducerSettings {
  /** Attempts per record before the producer gives up. @default - 8 */
  readonly maxAttempts?: number;
  /** First backoff after a partly failed PutRecords, doubled each attempt, in ms. @default - 25 */
  readonly baseBackoffMs?: number;
}

/** PutRecords limits: 500 records and 5 MiB per request. */
export const MAX_RECORDS_PER_PUT = 500;
export const MAX_BYTES_PER_PUT = 5 * 1024 * 1024;

function requestSize(record: OutgoingRecord): number {
  return Buffer.byteLength(record.data) + Buffer.byteLength(record.partitionKey);
}

/** Splits records into PutRecords requests within the service's count and size limits. */
export function chunkForPutRecords<T extends OutgoingRecord>(records: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = requestSize(record);
    if (
      current.length > 0 &&
      (current.length === MAX_RECORDS_PER_PUT || bytes + size > MAX_BYTES_PER_PUT)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) {
    chunks.push(current);
  }
  return chunks;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Puts records with PutRecords and retries the entries the response reports as failed (throttled
 * or internal errors), with exponential backoff, so every record lands exactly once.
 */
export class KinesisProducer {
  /** Entries retried after a partly failed PutRecords. */
  retriedRecords = 0;
  requests = 0;
  /** Records put a second time (see {@link putWithRePuts}). */
  rePutRecords = 0;
  /** Batches put a second time as a whole. */
  rePutBatches = 0;
  private readonly maxAttempts: number;
  private readonly baseBackoffMs: number;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    settings: ProducerSettings = {},
  ) {
    this.maxAttempts = settings.maxAttempts ?? 8;
    this.baseBackoffMs = settings.baseBackoffMs ?? 25;
  }

  /** Puts every record; resolves with each record's placement, in the order given. */
  async put(records: readonly OutgoingRecord[]): Promise<Placement[]> {
    const placements: Array<Placement | undefined> = new Array<Placement | undefined>(
      records.length,
    );
    const indexed = records.map((record, index) => ({ ...record, index }));
    for (const chunk of chunkForPutRecords(indexed)) {
      await this.putChunk(chunk, placements);
    }
    return placements.map((placement, index) => {
      if (!placement) {
        throw new Error(`Record ${index} was not placed.`);
      }
      return placement;
    });
  }

  /**
   * Puts every record, then puts again what `plan` picks for them (e.g. `RePutPlanner`), as a
   * producer does whose PutRecords response was lost although Kinesis had stored the records: the
   * copies are new records (new sequence numbers; another shard when their partition key hashes
   * elsewhere) carrying the same ticks, which the processor must count once.
   */
  async putWithRePuts(records: readonly OutgoingRecord[], plan: RePutPlan): Promise<PutOutcome> {
    const placements = await this.put(records);
    const { wholeBatch, rePuts } = plan;
    if (rePuts.length === 0) {
      return { placements, rePuts: [], wholeBatch: false };
    }
    const copies = await this.put(
      rePuts.map((rePut) => ({
        partitionKey: rePut.partitionKey,
        data: records[rePut.index].data,
      })),
    );
    this.rePutRecords += rePuts.length;
    this.rePutBatches += wholeBatch ? 1 : 0;
    return {
      placements,
      rePuts: rePuts.map((rePut, position) => ({ ...rePut, placement: copies[position] })),
      wholeBatch,
    };
  }

  private async putChunk(
    chunk: ReadonlyArray<OutgoingRecord & { readonly index: number }>,
    placements: Array<Placement | undefined>,
  ): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const entries: PutRecordsRequestEntry[] = pending.map((record) => ({
        PartitionKey: record.partitionKey,
        Data: Buffer.from(record.data),
      }));
      this.requests += 1;
      const response = await this.kinesis.send(
        new PutRecordsCommand({ StreamName: this.streamName, Records: entries }),
      );
      const results = response.Records ?? [];
      const failed: Array<OutgoingRecord & { readonly index: number }> = [];
      let lastError = "";
      pending.forEach((record, position) => {
        const result = results[position];
        if (result?.SequenceNumber && result.ShardId && !result.ErrorCode) {
          placements[record.index] = {
            shardId: result.ShardId,
            sequenceNumber: result.SequenceNumber,
          };
        } else {
          failed.push(record);
          lastError = `${result?.ErrorCode ?? "NoResult"}: ${result?.ErrorMessage ?? "no result for the entry"}`;
        }
      });
      if (failed.length === 0) {
        return;
      }
      if (attempt >= this.maxAttempts) {
        throw new Error(
          `PutRecords to ${this.streamName} still failed for ${failed.length} record(s) after ${attempt} attempts (last error ${lastError}).`,
        );
      }
      this.retriedRecords += failed.length;
      pending = failed;
      await sleep(this.baseBackoffMs * 2 ** (attempt - 1));
    }
  }
}
