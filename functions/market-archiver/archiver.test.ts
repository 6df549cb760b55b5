import { gunzipSync } from "node:zlib";
import {
  GetShardIteratorCommand,
  GetRecordsCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import type { KinesisStreamRecord } from "aws-lambda";
import {
  createArchiveBucket,
  createMarketStream,
  localKinesisClient,
  localS3Client,
  startLocalAws,
} from "../../scripts/local-aws/local-aws";
import type { LocalAws } from "../../scripts/local-aws/local-aws";
import {
  eventRecordsFromKinesis,
  kinesisEvent,
  lambdaContext,
} from "../../tests/support/functions/kinesis-events";
import { RecordingMetrics, silentLogger } from "../../tests/support/functions/observability";
import type { ArchiveLine } from "./archive";
import { createMarketArchiver } from "./archiver";

let local: LocalAws;
let s3: S3Client;
let kinesis: KinesisClient;
const BUCKET = "dev-market-archive-us-east-1-a1";
const STREAM = "dev-market-data-us-east-1-a1";

beforeAll(async () => {
  local = await startLocalAws({ services: ["s3", "kinesis"], setEnv: false });
  s3 = localS3Client(local);
  kinesis = localKinesisClient(local);
  await createArchiveBucket(s3, BUCKET);
  await createMarketStream(kinesis, STREAM, 1);
});

afterAll(async () => {
  s3.destroy();
  kinesis.destroy();
  await local.stop();
});

/** Puts `payloads` into the stream and reads them back as Lambda would receive them. */
async function throughKinesis(payloads: readonly Buffer[]): Promise<KinesisStreamRecord[]> {
  const put = await kinesis.send(
    new PutRecordsCommand({
      StreamName: STREAM,
      Records: payloads.map((data, i) => ({
        Data: data,
        PartitionKey: i % 2 === 0 ? "AAPL" : "MSFT",
      })),
    }),
  );
  expect(put.FailedRecordCount).toBe(0);
  const sequenceNumbers = new Set(put.Records?.map((r) => r.SequenceNumber));
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: STREAM }));
  const shardId = shards.Shards?.[0]?.ShardId ?? "";
  const iterator = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: STREAM,
      ShardId: shardId,
      ShardIteratorType: "TRIM_HORIZON",
    }),
  );
  const got = await kinesis.send(
    new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: 10_000 }),
  );
  return eventRecordsFromKinesis(
    shardId,
    (got.Records ?? []).filter((r) => sequenceNumbers.has(r.SequenceNumber)),
  );
}

async function readObject(key: string): Promise<{
  lines: ArchiveLine[];
  raw: Buffer;
  contentType?: string;
  metadata?: Record<string, string>;
}> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const raw = Buffer.from(
    await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())),
  );
  const text = gunzipSync(raw).toString("utf8");
  return {
    lines: text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as ArchiveLine),
    raw,
    contentType: object.ContentType,
    metadata: object.Metadata,
  };
}

describe("market archiver against S3 (s3rver) with records from Kinesis (kinesalite)", () => {
  it("archives every record of a batch, malformed ones included, under the documented key", async () => {
    const payloads = [
      Buffer.from(
        JSON.stringify({
          symbol: "AAPL",
          price: 189.25,
          size: 100,
          ts: 1_714_571_100_123,
          tradeId: "1",
        }),
      ),
      Buffer.from([0xde, 0xad, 0xbe, 0xef, 0xff]),
      Buffer.from("not json at all"),
      Buffer.from(
        JSON.stringify([
          { symbol: "MSFT", price: 410, size: 1, ts: 1_714_571_100_999, tradeId: "x" },
        ]),
      ),
    ];
    const records = await throughKinesis(payloads);
    const archiver = createMarketArchiver({
      s3,
      bucketName: BUCKET,
      logger: silentLogger(),
      metrics: new RecordingMetrics(),
    });

    const result = await archiver.archiveBatch(kinesisEvent(records));

    const first = records[0].kinesis;
    const last = records[3].kinesis;
    const arrival = new Date(first.approximateArrivalTimestamp * 1000);
    const hour = String(arrival.getUTCHours()).padStart(2, "0");
    const day = arrival.toISOString().slice(0, 10);
    const shardId = records[0].eventID.split(":")[0];
    const key = `raw/dt=${day}/hr=${hour}/${shardId}/${first.sequenceNumber}-${last.sequenceNumber}.ndjson.gz`;
    expect(result).toEqual({
      bucket: BUCKET,
      key,
      records: 4,
      ndjsonBytes: expect.any(Number) as number,
      compressedBytes: expect.any(Number) as number,
    });

    const object = await readObject(key);
    expect(object.contentType).toBe("application/gzip");
    expect(object.metadata).toEqual({
      "record-count": "4",
      "first-sequence-number": first.sequenceNumber,
      "last-sequence-number": last.sequenceNumber,
    });
    expect(object.raw.length).toBe(result?.compressedBytes);
    expect(object.lines).toEqual(
      records.map((r, i) => ({
        shardId,
        sequenceNumber: r.kinesis.sequenceNumber,
        partitionKey: i % 2 === 0 ? "AAPL" : "MSFT",
        approximateArrivalTimestamp: r.kinesis.approximateArrivalTimestamp,
        encoding: i === 1 ? "base64" : "utf8",
        data: i === 1 ? "3q2+7/8=" : payloads[i].toString("utf8"),
      })),
    );
    // Every record's bytes come back exactly.
    object.lines.forEach((line, i) => {
      const bytes =
        line.encoding === "base64"
          ? Buffer.from(line.data, "base64")
          : Buffer.from(line.data, "utf8");
      expect(bytes.equals(payloads[i])).toBe(true);
    });
  });

  it("rewrites the same object when a batch is retried", async () => {
    const records = await throughKinesis([Buffer.from('{"retry":1}'), Buffer.from('{"retry":2}')]);
    const archiver = createMarketArchiver({
      s3,
      bucketName: BUCKET,
      logger: silentLogger(),
      metrics: new RecordingMetrics(),
    });

    const first = await archiver.archiveBatch(kinesisEvent(records));
    const firstBytes = (await readObject(first?.key ?? "")).raw;
    const second = await archiver.archiveBatch(kinesisEvent(records));

    expect(second?.key).toBe(first?.key);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: first?.key }));
    expect(listed.KeyCount).toBe(1);
    expect((await readObject(second?.key ?? "")).raw.equals(firstBytes)).toBe(true);
  });

  it("records metrics for an archived batch and writes nothing for an empty one", async () => {
    const records = await throughKinesis([Buffer.from('{"m":1}')]);
    const metrics = new RecordingMetrics();
    const archiver = createMarketArchiver({
      s3,
      bucketName: BUCKET,
      logger: silentLogger(),
      metrics,
    });

    await expect(archiver.handler(kinesisEvent(records), lambdaContext())).resolves.toEqual({
      batchItemFailures: [],
    });
    await expect(archiver.handler(kinesisEvent([]), lambdaContext())).resolves.toEqual({
      batchItemFailures: [],
    });
    await expect(archiver.archiveBatch(kinesisEvent([]))).resolves.toBeNull();

    expect(metrics.published.map((m) => [m.ArchivedRecords, m.ArchivedBytes])).toEqual([
      [1, expect.any(Number)],
      [0, 0],
    ]);
  });

  it("throws when the object cannot be written, so Lambda retries the whole batch", async () => {
    const records = await throughKinesis([Buffer.from('{"lost":false}')]);
    const logger = silentLogger();
    const error = jest.spyOn(logger, "error");
    const metrics = new RecordingMetrics();
    const archiver = createMarketArchiver({ s3, bucketName: "no-such-bucket", logger, metrics });

    await expect(archiver.handler(kinesisEvent(records), lambdaContext())).rejects.toThrow(
      "The specified bucket does not exist",
    );
    expect(error).toHaveBeenCalledWith(
      "Archiving failed; Lambda retries the whole batch",
      expect.objectContaining({ records: 1 }),
    );
    expect(metrics.published).toEqual([expect.objectContaining({ ArchiveFailures: 1 })]);
  });
});
