import { RECORD_REASONS, decodeRecordData, decodeStreamRecords } from "./record";
import type { StreamRecord } from "./record";
import { TICK_REASONS } from "./tick";

const TICK = { symbol: "AAPL", price: 189.25, size: 100, ts: 1_714_571_100_123, tradeId: "T-1" };

const base64 = (text: string | Buffer) =>
  (typeof text === "string" ? Buffer.from(text, "utf8") : text).toString("base64");

describe("decodeRecordData", () => {
  it("decodes a record holding one tick", () => {
    expect(decodeRecordData(base64(JSON.stringify(TICK)))).toEqual({
      ok: true,
      ticks: [{ index: 0, tick: TICK }],
      rejected: [],
    });
  });

  it("keeps the valid ticks of an array and rejects the others one by one", () => {
    const data = JSON.stringify([
      TICK,
      { ...TICK, price: -1 },
      "oops",
      { ...TICK, tradeId: "T-2" },
    ]);
    expect(decodeRecordData(base64(data))).toEqual({
      ok: true,
      ticks: [
        { index: 0, tick: TICK },
        { index: 3, tick: { ...TICK, tradeId: "T-2" } },
      ],
      rejected: [
        { index: 1, reason: TICK_REASONS.priceInvalid },
        { index: 2, reason: TICK_REASONS.notObject },
      ],
    });
  });

  it("decodes non-ASCII UTF-8 text", () => {
    const tick = { ...TICK, tradeId: "Zürich-✓" };
    expect(decodeRecordData(base64(JSON.stringify(tick)))).toEqual({
      ok: true,
      ticks: [{ index: 0, tick }],
      rejected: [],
    });
  });

  it("strips a UTF-8 byte order mark", () => {
    const data = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(TICK)),
    ]);
    expect(decodeRecordData(base64(data))).toEqual({
      ok: true,
      ticks: [{ index: 0, tick: TICK }],
      rejected: [],
    });
  });

  it("rejects a single value that is not a tick as a tick, not as a record", () => {
    expect(decodeRecordData(base64("42"))).toEqual({
      ok: true,
      ticks: [],
      rejected: [{ index: 0, reason: TICK_REASONS.notObject }],
    });
  });

  it.each([
    ["bad base64 characters", "not*base64!", RECORD_REASONS.notBase64],
    ["a truncated base64 quantum", "QUJDR", RECORD_REASONS.notBase64],
    [
      "bytes that are not UTF-8",
      base64(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
      RECORD_REASONS.notUtf8,
    ],
    ["an overlong UTF-8 encoding", base64(Buffer.from([0xc0, 0xaf])), RECORD_REASONS.notUtf8],
    ["truncated JSON", base64('{"symbol":"AAPL"'), RECORD_REASONS.notJson],
    ["empty data", "", RECORD_REASONS.notJson],
    ["an empty array", base64("[]"), RECORD_REASONS.emptyArray],
  ])("rejects the whole record for %s", (_, data, reason) => {
    expect(decodeRecordData(data)).toEqual({ ok: false, reason });
  });

  it("words the record reasons for a reader", () => {
    expect(RECORD_REASONS).toEqual({
      notBase64: "data is not valid base64",
      notUtf8: "data is not valid UTF-8",
      notJson: "data is not valid JSON",
      emptyArray:
        "data is an empty JSON array; a record carries one tick or a non-empty array of ticks",
    });
  });
});

describe("decodeStreamRecords", () => {
  const record = (sequenceNumber: string, data: string, partitionKey = "AAPL"): StreamRecord => ({
    shardId: "shardId-000000000000",
    sequenceNumber,
    partitionKey,
    data,
    approximateArrivalTimestamp: 1_714_571_100.5,
  });

  it("sequences valid ticks and lists every malformed input with its position", () => {
    const batch = decodeStreamRecords([
      record("101", base64(JSON.stringify(TICK))),
      record("102", "%%%"),
      record(
        "103",
        base64(
          JSON.stringify([
            { ...TICK, symbol: "bad" },
            { ...TICK, tradeId: 9 },
          ]),
        ),
      ),
    ]);
    expect(batch).toEqual({
      records: [
        {
          shardId: "shardId-000000000000",
          sequenceNumber: "101",
          partitionKey: "AAPL",
          ticks: [{ ...TICK, seq: "101", index: 0 }],
        },
        { shardId: "shardId-000000000000", sequenceNumber: "102", partitionKey: "AAPL", ticks: [] },
        {
          shardId: "shardId-000000000000",
          sequenceNumber: "103",
          partitionKey: "AAPL",
          ticks: [{ ...TICK, tradeId: "9", seq: "103", index: 1 }],
        },
      ],
      malformed: [
        {
          shardId: "shardId-000000000000",
          sequenceNumber: "102",
          partitionKey: "AAPL",
          tickIndex: null,
          reason: RECORD_REASONS.notBase64,
        },
        {
          shardId: "shardId-000000000000",
          sequenceNumber: "103",
          partitionKey: "AAPL",
          tickIndex: 0,
          reason: TICK_REASONS.symbolInvalid,
        },
      ],
      validTicks: 2,
    });
  });
});
