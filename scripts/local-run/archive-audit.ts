import type { S3Client } from "@aws-sdk/client-s3";
import { listArchiveKeys, parseArchiveKey, readArchiveObject } from "../operations/archive-objects";

/** A record as it was sent, to compare the archive against. */
export interface SentRecordView {
  readonly partitionKey: string;
  readonly data: string;
}

export interface ArchiveAudit {
  readonly objects: number;
  readonly lines: number;
  /** Distinct (shard, sequence number) pairs that match a sent record exactly. */
  readonly archivedRecords: number;
  /** Lines repeating a record already seen (a bisected batch archived twice): not an error. */
  readonly duplicateLines: number;
  /** Sent records not found in the archive (`shardId:sequenceNumber`). */
  readonly missing: readonly string[];
  /** Problems with objects or lines: bad keys, unreadable lines, data that differs from what was sent. */
  readonly problems: readonly string[];
}

/**
 * Lists the raw archive, reads every gzip NDJSON object back and checks it against what was sent:
 * every sent record archived with its exact bytes, nothing archived that was not sent, every key
 * in the documented layout and every line inside its object's shard and sequence range.
 */
export async function auditArchive(
  s3: S3Client,
  bucket: string,
  sent: ReadonlyMap<string, SentRecordView>,
): Promise<ArchiveAudit> {
  const problems: string[] = [];
  const seen = new Set<string>();
  let lines = 0;
  let duplicateLines = 0;
  const keys = await listArchiveKeys(s3, bucket);
  for (const key of keys) {
    if (parseArchiveKey(key) === undefined) {
      problems.push(
        `object ${key} does not follow raw/dt=YYYY-MM-DD/hr=HH/<shardId>/<firstSeq>-<lastSeq>.ndjson.gz`,
      );
      continue;
    }
    const read = await readArchiveObject(s3, bucket, key);
    problems.push(...read.problems);
    lines += read.lineCount;
    for (const parsed of read.lines) {
      const id = `${parsed.shardId}:${parsed.sequenceNumber}`;
      const original = sent.get(id);
      if (!original) {
        problems.push(`object ${key} holds ${id}, which was never sent`);
        continue;
      }
      const data =
        parsed.encoding === "utf8"
          ? parsed.data
          : Buffer.from(parsed.data, "base64").toString("utf8");
      if (data !== original.data || parsed.partitionKey !== original.partitionKey) {
        problems.push(
          `object ${key} holds ${id} with data or partition key that differs from what was sent`,
        );
        continue;
      }
      if (seen.has(id)) {
        duplicateLines += 1;
      } else {
        seen.add(id);
      }
    }
  }
  const missing = [...sent.keys()].filter((id) => !seen.has(id));
  return {
    objects: keys.length,
    lines,
    archivedRecords: seen.size,
    duplicateLines,
    missing,
    problems,
  };
}
