import { gunzipSync, gzipSync } from "node:zlib";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { StreamRecord } from "../../functions/domain";
import { buildArchiveObject } from "../../functions/market-archiver/archive";
import { auditArchive, type SentRecordView } from "./archive-audit";
import { localS3Client, startLocalAws, type LocalAws } from "../local-aws/local-aws";

const SHARD = "shardId-000000000000";
const ARRIVAL = Date.UTC(2024, 4, 1, 13, 30, 5) / 1000;

function streamRecord(index: number, data: string): StreamRecord {
  return {
    shardId: SHARD,
    sequenceNumber: `4968${String(100 + index).padStart(10, "0")}`,
    partitionKey: "AAPL",
    data: Buffer.from(data, "utf8").toString("base64"),
    approximateArrivalTimestamp: ARRIVAL + index / 1000,
  };
}

describe("auditArchive against s3rver", () => {
  let local: LocalAws;
  let s3: S3Client;
  let buckets = 0;
  const texts = Array.from({ length: 10 }, (_, index) =>
    index === 4 ? '{"symbol":"AAPL","pri' : JSON.stringify({ symbol: "AAPL", price: 189 + index }),
  );
  const records = texts.map((text, index) => streamRecord(index, text));
  const sent = new Map<string, SentRecordView>(
    records.map((record, index) => [
      `${SHARD}:${record.sequenceNumber}`,
      { partitionKey: "AAPL", data: texts[index] },
    ]),
  );

  beforeAll(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    local = await startLocalAws({ services: ["s3"], setEnv: false });
    s3 = localS3Client(local);
  });

  afterAll(async () => {
    s3.destroy();
    await local.stop();
  });

  async function bucketWith(objects: { key: string; body: Buffer }[]): Promise<string> {
    buckets += 1;
    const bucket = `audit-test-${buckets}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const object of objects) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body }));
    }
    return bucket;
  }

  const archived = (from: number, to: number) => buildArchiveObject(records.slice(from, to));

  it("finds every record of the archiver's objects, bisected duplicates counted apart", async () => {
    const bucket = await bucketWith([archived(0, 6), archived(6, 10), archived(3, 6)]);
    expect(await auditArchive(s3, bucket, sent)).toEqual({
      objects: 3,
      lines: 13,
      archivedRecords: 10,
      duplicateLines: 3,
      missing: [],
      problems: [],
    });
  });

  it("lists the records that never reached the archive", async () => {
    const bucket = await bucketWith([archived(0, 6)]);
    const audit = await auditArchive(s3, bucket, sent);
    expect(audit.archivedRecords).toBe(6);
    expect(audit.missing).toEqual(
      records.slice(6).map((record) => `${SHARD}:${record.sequenceNumber}`),
    );
    expect(audit.problems).toEqual([]);
  });

  it("reports changed data, records never sent, lines outside their object and bad keys", async () => {
    const good = archived(0, 10);
    const lines = [
      JSON.stringify({ ...JSON.parse(gunzipLine(good.body, 0)), data: "tampered" }),
      JSON.stringify({ ...JSON.parse(gunzipLine(good.body, 1)), sequenceNumber: "1" }),
    ];
    const stray = {
      key: `raw/dt=2024-05-01/hr=13/${SHARD}/1-1.ndjson.gz`,
      body: gzipSync(
        `${JSON.stringify({ ...JSON.parse(gunzipLine(good.body, 2)), sequenceNumber: "7" })}\n`,
      ),
    };
    const bucket = await bucketWith([
      { key: good.key.replace(".ndjson.gz", "-tampered.ndjson.gz"), body: good.body },
      {
        key: `raw/dt=2024-05-01/hr=13/${SHARD}/1-9.ndjson.gz`,
        body: gzipSync(`${lines.join("\n")}\n`),
      },
      stray,
      { key: `raw/dt=2024-05-01/hr=13/${SHARD}/5-6.ndjson.gz`, body: Buffer.from("not gzip") },
    ]);
    const audit = await auditArchive(s3, bucket, sent);
    expect(audit.problems).toEqual([
      `object raw/dt=2024-05-01/hr=13/${SHARD}/1-1.ndjson.gz line 1 (${SHARD}:7) lies outside the object's shard and sequence range`,
      `object raw/dt=2024-05-01/hr=13/${SHARD}/1-1.ndjson.gz holds ${SHARD}:7, which was never sent`,
      `object raw/dt=2024-05-01/hr=13/${SHARD}/1-9.ndjson.gz line 1 (${SHARD}:${records[0]?.sequenceNumber ?? ""}) lies outside the object's shard and sequence range`,
      `object raw/dt=2024-05-01/hr=13/${SHARD}/1-9.ndjson.gz holds ${SHARD}:${records[0]?.sequenceNumber ?? ""} with data or partition key that differs from what was sent`,
      `object raw/dt=2024-05-01/hr=13/${SHARD}/1-9.ndjson.gz holds ${SHARD}:1, which was never sent`,
      `object ${good.key.replace(".ndjson.gz", "-tampered.ndjson.gz")} does not follow raw/dt=YYYY-MM-DD/hr=HH/<shardId>/<firstSeq>-<lastSeq>.ndjson.gz`,
      `object raw/dt=2024-05-01/hr=13/${SHARD}/5-6.ndjson.gz is not gzip: incorrect header check`,
    ]);
    expect(audit.archivedRecords).toBe(0);
  });
});

function gunzipLine(body: Buffer, index: number): string {
  return gunzipSync(body).toString("utf8").split("\n")[index] ?? "";
}
