import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";

/** One archived line: the archiver's NDJSON fields, as the audit and the operator commands read them. */
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

/** An archived line, validated. */
export type ArchivedLine = z.infer<typeof archiveLineSchema>;

/** What an archive object's key says about it. */
export interface ArchiveKey {
  /** `YYYY-MM-DD` and `HH` (UTC) of the arrival of the object's first record. */
  readonly date: string;
  readonly hour: string;
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
}

/** The parts of a key in the archiver's layout, `undefined` for any other key. */
export function parseArchiveKey(key: string): ArchiveKey | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match) {
    return undefined;
  }
  const [, date = "", hour = "", shardId = "", firstSequenceNumber = "", lastSequenceNumber = ""] =
    match;
  return { date, hour, shardId, firstSequenceNumber, lastSequenceNumber };
}

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

/** Every key under `prefix` (by default the whole raw archive). */
export async function listArchiveKeys(
  s3: S3Client,
  bucket: string,
  prefix = "raw/",
): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
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

/** The lines of one archive object, each checked against the schema and the object's key. */
export interface ArchiveObjectRead {
  /** Lines that parse as archive lines, in object order. */
  readonly lines: readonly ArchivedLine[];
  /** Non-empty lines in the object, parsed or not. */
  readonly lineCount: number;
  /** A body that is missing or not gzip, lines that do not parse or lie outside the key's range. */
  readonly problems: readonly string[];
}

/** Reads one object of the raw archive (gzip NDJSON) back. */
export async function readArchiveObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<ArchiveObjectRead> {
  const parts = parseArchiveKey(key);
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!object.Body) {
    return { lines: [], lineCount: 0, problems: [`object ${key} has no body`] };
  }
  const compressed = Buffer.from(await object.Body.transformToByteArray());
  let text: string;
  try {
    text = gunzipSync(compressed).toString("utf8");
  } catch (error) {
    return {
      lines: [],
      lineCount: 0,
      problems: [`object ${key} is not gzip: ${messageOf(error)}`],
    };
  }
  const problems: string[] = [];
  const lines: ArchivedLine[] = [];
  const objectLines = text.split("\n").filter((line) => line.length > 0);
  objectLines.forEach((raw, index) => {
    let parsed: ArchivedLine;
    try {
      parsed = archiveLineSchema.parse(JSON.parse(raw));
    } catch {
      problems.push(`object ${key} line ${index + 1} is not an archive line: ${raw.slice(0, 120)}`);
      return;
    }
    if (
      parts !== undefined &&
      (parsed.shardId !== parts.shardId ||
        !sequenceInRange(
          parsed.sequenceNumber,
          parts.firstSequenceNumber,
          parts.lastSequenceNumber,
        ))
    ) {
      problems.push(
        `object ${key} line ${index + 1} (${parsed.shardId}:${parsed.sequenceNumber}) lies outside the object's shard and sequence range`,
      );
    }
    lines.push(parsed);
  });
  return { lines, lineCount: objectLines.length, problems };
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
