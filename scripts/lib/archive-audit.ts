import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";

/** One archived line: the subset of the archiver's NDJSON fields the audit checks. */
const archiveLineSchema = z.object({
  shardId: z.string(),
  sequenceNumber: z.string().regex(/^\d+$/),
  partitionKey: z.string(),
  approximateArrivalTimestamp: z.number(),
  encoding: z.enum(["utf8", "base64"]),
  data: z.string(),
});

const KEY_PATTERN =
  /^raw\/dt=(\d{4}-\d{2}-\d{2})\/hr=(\d{2})\/(shardId-\d+)\/(\d+)-(\d+)\.ndjson\.gz$/;

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

/** An error's message; zlib's errors may come from another realm, where `instanceof Error` fails. */
function messageOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "message" in error) {
    return String(error.message);
  }
  return String(error);
}

function sequenceInRange(sequenceNumber: string, first: string, last: string): boolean {
  const value = BigInt(sequenceNumber);
  return value >= BigInt(first) && value <= BigInt(last);
}

async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "raw/", ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key) {
        keys.push(object.Key);
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
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
  const keys = await listKeys(s3, bucket);
  for (const key of keys) {
    const match = KEY_PATTERN.exec(key);
    if (!match) {
      problems.push(
        `object ${key} does not follow raw/dt=YYYY-MM-DD/hr=HH/<shardId>/<firstSeq>-<lastSeq>.ndjson.gz`,
      );
      continue;
    }
    const [, , , keyShard = "", firstSeq = "", lastSeq = ""] = match;
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!object.Body) {
      problems.push(`object ${key} has no body`);
      continue;
    }
    const compressed = Buffer.from(await object.Body.transformToByteArray());
    let text: string;
    try {
      text = gunzipSync(compressed).toString("utf8");
    } catch (error) {
      problems.push(`object ${key} is not gzip: ${messageOf(error)}`);
      continue;
    }
    const objectLines = text.split("\n").filter((line) => line.length > 0);
    objectLines.forEach((raw, index) => {
      lines += 1;
      let parsed: z.infer<typeof archiveLineSchema>;
      try {
        parsed = archiveLineSchema.parse(JSON.parse(raw));
      } catch {
        problems.push(
          `object ${key} line ${index + 1} is not an archive line: ${raw.slice(0, 120)}`,
        );
        return;
      }
      if (
        parsed.shardId !== keyShard ||
        !sequenceInRange(parsed.sequenceNumber, firstSeq, lastSeq)
      ) {
        problems.push(
          `object ${key} line ${index + 1} (${parsed.shardId}:${parsed.sequenceNumber}) lies outside the object's shard and sequence range`,
        );
      }
      const id = `${parsed.shardId}:${parsed.sequenceNumber}`;
      const original = sent.get(id);
      if (!original) {
        problems.push(`object ${key} holds ${id}, which was never sent`);
        return;
      }
      const data =
        parsed.encoding === "utf8"
          ? parsed.data
          : Buffer.from(parsed.data, "base64").toString("utf8");
      if (data !== original.data || parsed.partitionKey !== original.partitionKey) {
        problems.push(
          `object ${key} holds ${id} with data or partition key that differs from what was sent`,
        );
        return;
      }
      if (seen.has(id)) {
        duplicateLines += 1;
      } else {
        seen.add(id);
      }
    });
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
