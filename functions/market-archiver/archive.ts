import { gzipSync } from "node:zlib";
import type { StreamRecord } from "../domain/record";
import { compareSequenceNumbers } from "../domain/sequence";

/**
 * The raw archive: one gzip-compressed NDJSON object per batch, one line per record, every record
 * kept whatever its content (the processor's malformed input included).
 *
 * Key: `raw/dt=YYYY-MM-DD/hr=HH/<shardId>/<firstSeq>-<lastSeq>.ndjson.gz`, date and hour (UTC) of
 * the first record's arrival. It depends only on the batch, so a retried batch overwrites its own
 * object. A batch Lambda bisects after a failure is archived as two new objects; the object of the
 * whole batch exists only if its write succeeded, so a record may then sit in two objects: readers
 * deduplicate by (shardId, sequenceNumber).
 */

/** One NDJSON line. */
export interface ArchiveLine {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** As in the event: epoch seconds with a fractional part. */
  readonly approximateArrivalTimestamp: number;
  /** `utf8`: `data` is the record's bytes as text. `base64`: they were not valid UTF-8 (or not valid base64), so `data` is the base64 text as received. */
  readonly encoding: "utf8" | "base64";
  readonly data: string;
}

export interface ArchiveObject {
  readonly key: string;
  /** Gzip-compressed NDJSON. */
  readonly body: Buffer;
  readonly records: number;
  /** Uncompressed NDJSON size in bytes. */
  readonly ndjsonBytes: number;
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The record's data as text when its bytes are valid UTF-8, else the base64 as received. */
export function archiveData(base64: string): Pick<ArchiveLine, "encoding" | "data"> {
  if (STRICT_BASE64.test(base64)) {
    try {
      return { encoding: "utf8", data: utf8.decode(Buffer.from(base64, "base64")) };
    } catch {
      // Not UTF-8: keep the bytes as received.
    }
  }
  return { encoding: "base64", data: base64 };
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** The object key of a batch, from its shard, first and last sequence numbers and first arrival. */
export function archiveKey(
  shardId: string,
  firstSequenceNumber: string,
  lastSequenceNumber: string,
  firstArrivalSeconds: number,
): string {
  const arrival = new Date(Math.floor(firstArrivalSeconds * 1000));
  if (Number.isNaN(arrival.getTime())) {
    throw new RangeError(`approximateArrivalTimestamp ${firstArrivalSeconds} is not a time`);
  }
  const date = `${arrival.getUTCFullYear()}-${pad(arrival.getUTCMonth() + 1)}-${pad(arrival.getUTCDate())}`;
  return `raw/dt=${date}/hr=${pad(arrival.getUTCHours())}/${shardId}/${firstSequenceNumber}-${lastSequenceNumber}.ndjson.gz`;
}

/**
 * Builds the archive object of a non-empty batch of one shard. Deterministic: the same records
 * give the same key and the same bytes (gzip headers carry no timestamp).
 */
export function buildArchiveObject(records: readonly StreamRecord[]): ArchiveObject {
  if (records.length === 0) {
    throw new RangeError("an archive object needs at least one record");
  }
  const shardId = records[0].shardId;
  let first = records[0];
  let last = records[0];
  const lines: string[] = [];
  for (const record of records) {
    if (record.shardId !== shardId) {
      throw new Error(
        `A Kinesis batch holds records of one shard; got ${shardId} and ${record.shardId}`,
      );
    }
    if (compareSequenceNumbers(record.sequenceNumber, first.sequenceNumber) < 0) {
      first = record;
    }
    if (compareSequenceNumbers(record.sequenceNumber, last.sequenceNumber) > 0) {
      last = record;
    }
    const line: ArchiveLine = {
      shardId: record.shardId,
      sequenceNumber: record.sequenceNumber,
      partitionKey: record.partitionKey,
      approximateArrivalTimestamp: record.approximateArrivalTimestamp,
      ...archiveData(record.data),
    };
    lines.push(JSON.stringify(line));
  }
  const ndjson = Buffer.from(`${lines.join("\n")}\n`, "utf8");
  return {
    key: archiveKey(
      shardId,
      first.sequenceNumber,
      last.sequenceNumber,
      first.approximateArrivalTimestamp,
    ),
    body: gzipSync(ndjson),
    records: records.length,
    ndjsonBytes: ndjson.length,
    shardId,
    firstSequenceNumber: first.sequenceNumber,
    lastSequenceNumber: last.sequenceNumber,
  };
}
