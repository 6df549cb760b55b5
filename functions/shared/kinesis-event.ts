import type { KinesisStreamRecord } from "aws-lambda";
import type { StreamRecord } from "../domain/record";

/**
 * The shard of a Kinesis event record. Lambda sets `eventID` to `<shardId>:<sequenceNumber>`.
 */
export function shardIdOf(record: KinesisStreamRecord): string {
  const separator = record.eventID.indexOf(":");
  if (separator <= 0) {
    throw new Error(
      `Kinesis event record ${record.kinesis.sequenceNumber} has eventID "${record.eventID}"; expected "<shardId>:<sequenceNumber>"`,
    );
  }
  return record.eventID.slice(0, separator);
}

/** Lambda's Kinesis event records as domain stream records. */
export function toStreamRecords(records: readonly KinesisStreamRecord[]): StreamRecord[] {
  return records.map((record) => ({
    shardId: shardIdOf(record),
    sequenceNumber: record.kinesis.sequenceNumber,
    partitionKey: record.kinesis.partitionKey,
    data: record.kinesis.data,
    approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
  }));
}
