import { gunzipSync } from "node:zlib";
import type { StreamRecord } from "../domain/record";
import { archiveData, archiveKey, buildArchiveObject } from "./archive";

const SHARD = "shardId-000000000003";

const record = (
  sequenceNumber: string,
  data: Buffer | string,
  arrival = 1_714_571_100.123,
): StreamRecord => ({
  shardId: SHARD,
  sequenceNumber,
  partitionKey: "AAPL",
  data: typeof data === "string" ? data : data.toString("base64"),
  approximateArrivalTimestamp: arrival,
});

describe("archiveKey", () => {
  it.each([
    [1_714_571_100.123, "raw/dt=2024-05-01/hr=13/shardId-000000000003/100-200.ndjson.gz"],
    [1_704_067_199.999, "raw/dt=2023-12-31/hr=23/shardId-000000000003/100-200.ndjson.gz"],
    [1_704_067_200, "raw/dt=2024-01-01/hr=00/shardId-000000000003/100-200.ndjson.gz"],
    [1_709_251_199.5, "raw/dt=2024-02-29/hr=23/shardId-000000000003/100-200.ndjson.gz"],
  ])("files a batch that arrived at %p under %s", (arrival, key) => {
    expect(archiveKey(SHARD, "100", "200", arrival)).toBe(key);
  });

  it("rejects an arrival time that is not a time", () => {
    expect(() => archiveKey(SHARD, "1", "2", Number.NaN)).toThrow(
      "approximateArrivalTimestamp NaN is not a time",
    );
  });
});

describe("archiveData", () => {
  it.each<[string, string, ReturnType<typeof archiveData>]>([
    [
      "UTF-8 JSON as text",
      Buffer.from('{"symbol":"AAPL"}').toString("base64"),
      { encoding: "utf8", data: '{"symbol":"AAPL"}' },
    ],
    [
      "non-ASCII UTF-8 as text",
      Buffer.from("Zürich ✓").toString("base64"),
      { encoding: "utf8", data: "Zürich ✓" },
    ],
    ["empty data as empty text", "", { encoding: "utf8", data: "" }],
    [
      "bytes that are not UTF-8 as base64",
      Buffer.from([0xff, 0x00, 0xfe]).toString("base64"),
      { encoding: "base64", data: "/wD+" },
    ],
    [
      "a truncated UTF-8 sequence as base64",
      Buffer.from([0xe2, 0x9c]).toString("base64"),
      { encoding: "base64", data: "4pw=" },
    ],
    [
      "data that is not base64, verbatim",
      "!!not base64!!",
      { encoding: "base64", data: "!!not base64!!" },
    ],
  ])("keeps %s", (_, data, expected) => {
    expect(archiveData(data)).toEqual(expected);
  });
});

describe("buildArchiveObject", () => {
  const records = [
    record("49590000000000000000000000000000000000000000000000000100", Buffer.from('{"a":1}')),
    record(
      "49590000000000000000000000000000000000000000000000000200",
      Buffer.from([0xc3, 0x28]),
      1_714_571_101.5,
    ),
    record(
      "49590000000000000000000000000000000000000000000000000300",
      Buffer.from("[]"),
      1_714_574_700,
    ),
  ];

  it("writes one line per record, in order, with the data as received", () => {
    const archive = buildArchiveObject(records);
    expect(archive.key).toBe(
      "raw/dt=2024-05-01/hr=13/shardId-000000000003/49590000000000000000000000000000000000000000000000000100-49590000000000000000000000000000000000000000000000000300.ndjson.gz",
    );
    const lines = gunzipSync(archive.body).toString("utf8").split("\n");
    expect(lines).toEqual([
      '{"shardId":"shardId-000000000003","sequenceNumber":"49590000000000000000000000000000000000000000000000000100","partitionKey":"AAPL","approximateArrivalTimestamp":1714571100.123,"encoding":"utf8","data":"{\\"a\\":1}"}',
      '{"shardId":"shardId-000000000003","sequenceNumber":"49590000000000000000000000000000000000000000000000000200","partitionKey":"AAPL","approximateArrivalTimestamp":1714571101.5,"encoding":"base64","data":"wyg="}',
      '{"shardId":"shardId-000000000003","sequenceNumber":"49590000000000000000000000000000000000000000000000000300","partitionKey":"AAPL","approximateArrivalTimestamp":1714574700,"encoding":"utf8","data":"[]"}',
      "",
    ]);
    expect(archive).toMatchObject({
      records: 3,
      ndjsonBytes: lines.join("\n").length,
      shardId: SHARD,
      firstSequenceNumber: "49590000000000000000000000000000000000000000000000000100",
      lastSequenceNumber: "49590000000000000000000000000000000000000000000000000300",
    });
  });

  it("is deterministic: the same batch gives the same key and bytes", () => {
    const first = buildArchiveObject(records);
    const second = buildArchiveObject(records.map((r) => ({ ...r })));
    expect(second.key).toBe(first.key);
    expect(second.body.equals(first.body)).toBe(true);
  });

  it("names the object by the lowest and highest sequence numbers as big integers", () => {
    const archive = buildArchiveObject([
      record("99", "e30="),
      record("100", "e30=", 1_714_571_000),
      record("98", "e30="),
    ]);
    expect(archive.key).toBe("raw/dt=2024-05-01/hr=13/shardId-000000000003/98-100.ndjson.gz");
  });

  it("refuses an empty batch and a batch of two shards", () => {
    expect(() => buildArchiveObject([])).toThrow("an archive object needs at least one record");
    expect(() =>
      buildArchiveObject([
        record("1", "e30="),
        { ...record("2", "e30="), shardId: "shardId-000000000009" },
      ]),
    ).toThrow(
      "A Kinesis batch holds records of one shard; got shardId-000000000003 and shardId-000000000009",
    );
  });
});
