import type { S3Client } from "@aws-sdk/client-s3";
import type { StreamRecord } from "../../functions/domain/record";
import { compareSequenceNumbers } from "../../functions/domain/sequence";
import { mapWithConcurrency } from "../../functions/shared/concurrency";
import type { ArchivedLine } from "./archive-objects";
import { listArchiveKeys, parseArchiveKey, readArchiveObject } from "./archive-objects";

/**
 * Reading the raw archive back as stream records, for the operator commands.
 *
 * Objects sit under the UTC date and hour of the ARRIVAL of their batch's first record (not of any
 * trade time), so a reader lists the hours the records it wants arrived in, plus the hours their
 * batches may have started in. A record can sit in two objects after a bisected retry: records are
 * deduplicated by (shardId, sequenceNumber) and come out in (arrival, shard, sequence) order.
 */

const HOUR_MS = 3_600_000;

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** `raw/dt=YYYY-MM-DD/hr=HH/` of the hour holding `ms`. */
export function hourPrefix(ms: number): string {
  const date = new Date(ms - (ms % HOUR_MS));
  return `raw/dt=${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}/hr=${pad(date.getUTCHours())}/`;
}

/** The hour prefixes from the hour of `firstMs` to the hour of `lastMs`, both included. */
export function hourPrefixes(firstMs: number, lastMs: number): string[] {
  const prefixes: string[] = [];
  for (let hour = firstMs - (firstMs % HOUR_MS); hour <= lastMs; hour += HOUR_MS) {
    prefixes.push(hourPrefix(hour));
  }
  return prefixes;
}

/** A line of the archive as the record the functions received (data base64, as in the event). */
export function streamRecordOf(line: ArchivedLine): StreamRecord {
  return {
    shardId: line.shardId,
    sequenceNumber: line.sequenceNumber,
    partitionKey: line.partitionKey,
    // `utf8` lines hold the record's bytes as text (valid UTF-8, so they round-trip exactly);
    // `base64` lines hold the base64 exactly as it was received.
    data: line.encoding === "utf8" ? Buffer.from(line.data, "utf8").toString("base64") : line.data,
    approximateArrivalTimestamp: line.approximateArrivalTimestamp,
  };
}

/** (arrival, shard, sequence number): the order in which the archive's records are replayed. */
export function compareArchiveOrder(a: StreamRecord, b: StreamRecord): number {
  return (
    a.approximateArrivalTimestamp - b.approximateArrivalTimestamp ||
    (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0) ||
    compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber)
  );
}

export interface ArchiveQuery {
  /** Arrival hours to list: from the hour of `firstArrivalMs` to the hour of `lastArrivalMs`. */
  readonly firstArrivalMs: number;
  readonly lastArrivalMs: number;
  /** Only this shard's objects. @default - every shard */
  readonly shardId?: string;
  /** Only records in this sequence range (both included); objects outside it are not read. */
  readonly sequenceRange?: { readonly first: string; readonly last: string };
  /** Objects read at once. @default 8 */
  readonly concurrency?: number;
  /** Called after each object read, for progress lines. */
  readonly onProgress?: (read: number, total: number) => void;
}

export interface ArchiveRead {
  /** Distinct records in (arrival, shard, sequence) order. */
  readonly records: readonly StreamRecord[];
  readonly objects: number;
  readonly lines: number;
  /** Lines repeating a record already read (bisected batches): expected, not a problem. */
  readonly duplicateLines: number;
  /** Objects or lines that could not be read. */
  readonly problems: readonly string[];
}

function overlaps(first: string, last: string, range: { first: string; last: string }): boolean {
  return (
    compareSequenceNumbers(first, range.last) <= 0 && compareSequenceNumbers(last, range.first) >= 0
  );
}

/** Lists and reads the objects of the query's hours, and returns their distinct records. */
export async function readArchive(
  s3: S3Client,
  bucket: string,
  query: ArchiveQuery,
): Promise<ArchiveRead> {
  const keys: string[] = [];
  for (const prefix of hourPrefixes(query.firstArrivalMs, query.lastArrivalMs)) {
    const listed = await listArchiveKeys(
      s3,
      bucket,
      query.shardId === undefined ? prefix : `${prefix}${query.shardId}/`,
    );
    for (const key of listed) {
      const parts = parseArchiveKey(key);
      if (
        parts !== undefined &&
        query.sequenceRange !== undefined &&
        !overlaps(parts.firstSequenceNumber, parts.lastSequenceNumber, query.sequenceRange)
      ) {
        continue;
      }
      keys.push(key);
    }
  }
  const problems: string[] = [];
  const byId = new Map<string, StreamRecord>();
  let lines = 0;
  let duplicateLines = 0;
  let read = 0;
  const range = query.sequenceRange;
  await mapWithConcurrency(keys, query.concurrency ?? 8, async (key) => {
    if (parseArchiveKey(key) === undefined) {
      problems.push(
        `object ${key} does not follow raw/dt=YYYY-MM-DD/hr=HH/<shardId>/<firstSeq>-<lastSeq>.ndjson.gz; not read`,
      );
    } else {
      const object = await readArchiveObject(s3, bucket, key);
      problems.push(...object.problems);
      for (const line of object.lines) {
        if (
          range !== undefined &&
          (compareSequenceNumbers(line.sequenceNumber, range.first) < 0 ||
            compareSequenceNumbers(line.sequenceNumber, range.last) > 0)
        ) {
          continue;
        }
        lines += 1;
        const id = `${line.shardId}:${line.sequenceNumber}`;
        if (byId.has(id)) {
          duplicateLines += 1;
        } else {
          byId.set(id, streamRecordOf(line));
        }
      }
    }
    read += 1;
    query.onProgress?.(read, keys.length);
  });
  return {
    records: [...byId.values()].sort(compareArchiveOrder),
    objects: keys.length,
    lines,
    duplicateLines,
    problems,
  };
}
