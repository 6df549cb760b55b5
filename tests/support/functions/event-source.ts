import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from "aws-lambda";
import { compareSequenceNumbers } from "../../../functions/domain/sequence";
import { kinesisEvent } from "./kinesis-events";

/**
 * What Lambda's Kinesis event source mapping does with one batch stream of a shard, for tests:
 * - batches of up to `batchSize` records, in order;
 * - a response with batch item failures: retry from the lowest reported sequence number (the
 *   records before it are done), again in batches of up to `batchSize`;
 * - a thrown error: with `bisectOnError`, split the batch in two and deliver each half the same
 *   way (first half first); without it, retry the same batch.
 */

export type Invoke = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

export interface DeliveryOptions {
  readonly batchSize: number;
  /** @default true */
  readonly bisectOnError?: boolean;
  /** Gives up (throws) after this many invocations. @default 1000 */
  readonly maxInvocations?: number;
}

export interface DeliveryLog {
  readonly invocations: number;
  /** Invocations that reported batch item failures. */
  readonly partialFailures: number;
  /** Invocations that threw. */
  readonly errors: number;
  /** Sizes of the batches delivered, in order. */
  readonly batchSizes: readonly number[];
}

export async function deliverInOrder(
  records: readonly KinesisStreamRecord[],
  invoke: Invoke,
  options: DeliveryOptions,
): Promise<DeliveryLog> {
  const maxInvocations = options.maxInvocations ?? 1_000;
  const bisect = options.bisectOnError ?? true;
  let invocations = 0;
  let partialFailures = 0;
  let errors = 0;
  const batchSizes: number[] = [];

  /**
   * Invokes once with `batch`. Returns how many leading records are acknowledged: all of them on
   * success, those before the lowest reported failure otherwise, none when the invocation threw.
   */
  async function invokeOnce(batch: readonly KinesisStreamRecord[]): Promise<number | "error"> {
    if (invocations >= maxInvocations) {
      throw new Error(`delivery did not complete within ${maxInvocations} invocations`);
    }
    invocations += 1;
    batchSizes.push(batch.length);
    let response: KinesisStreamBatchResponse | void;
    try {
      response = await invoke(kinesisEvent(batch));
    } catch {
      errors += 1;
      return "error";
    }
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) {
      return batch.length;
    }
    partialFailures += 1;
    const lowest = failures
      .map((failure) => failure.itemIdentifier)
      .reduce((a, b) => (compareSequenceNumbers(a, b) <= 0 ? a : b));
    const index = batch.findIndex((record) => record.kinesis.sequenceNumber === lowest);
    if (index < 0) {
      throw new Error(`batch item failure ${lowest} is not a record of the batch`);
    }
    return index;
  }

  /** Delivers a bisected part of a failed batch until every record of it is acknowledged. */
  async function deliverPart(part: readonly KinesisStreamRecord[]): Promise<void> {
    let pending = part;
    while (pending.length > 0) {
      const acknowledged = await invokeOnce(pending);
      if (acknowledged === "error") {
        if (bisect && pending.length > 1) {
          const middle = Math.ceil(pending.length / 2);
          await deliverPart(pending.slice(0, middle));
          await deliverPart(pending.slice(middle));
          return;
        }
        continue;
      }
      pending = pending.slice(acknowledged);
    }
  }

  let position = 0;
  while (position < records.length) {
    const batch = records.slice(position, position + options.batchSize);
    const acknowledged = await invokeOnce(batch);
    if (acknowledged === "error") {
      if (bisect && batch.length > 1) {
        const middle = Math.ceil(batch.length / 2);
        await deliverPart(batch.slice(0, middle));
        await deliverPart(batch.slice(middle));
        position += batch.length;
      }
      continue;
    }
    position += acknowledged;
  }
  return { invocations, partialFailures, errors, batchSizes };
}
