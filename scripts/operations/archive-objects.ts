/**
 * The raw archive read back: the archiver's key layout
 * (`raw/dt=YYYY-MM-DD/hr=HH/<shardId>/<firstSeq>-<lastSeq>.ndjson.gz`), every key under a prefix,
 * and one gzip NDJSON object's lines, each checked against the schema and the object's key.
 */
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";

/** One archived line: the archiver's NDJSON fields, as the operator commands and the local run read them. */
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
