import { createS3Client, usesLocalS3Endpoint } from "./clients";
import { mapWithConcurrency } from "./concurrency";
import { positiveIntegerEnv, requiredEnv } from "./env";
import { shardIdOf, toStreamRecords } from "./kinesis-event";
import { kinesisEventRecord } from "../../tests/support/functions/kinesis-events";

describe("environment variables", () => {
  it("reads a required variable", () => {
    expect(requiredEnv("TABLE_NAME", { TABLE_NAME: "dev-market-analytics-us-east-1-a1" })).toBe(
      "dev-market-analytics-us-east-1-a1",
    );
  });

  it.each([{}, { TABLE_NAME: "" }, { TABLE_NAME: "   " }])(
    "rejects a missing or blank variable: %p",
    (env) => {
      expect(() => requiredEnv("TABLE_NAME", env)).toThrow(
        "Environment variable TABLE_NAME is required but not set",
      );
    },
  );

  it.each([
    ["7", 7],
    ["400", 400],
  ])("reads %p as the whole number %p", (text, value) => {
    expect(positiveIntegerEnv("BAR_TTL_DAYS", { BAR_TTL_DAYS: text })).toBe(value);
  });

  it.each(["0", "-1", "7.5", "seven", "07", "99999999999999999999"])(
    "rejects BAR_TTL_DAYS=%p",
    (text) => {
      expect(() => positiveIntegerEnv("BAR_TTL_DAYS", { BAR_TTL_DAYS: text })).toThrow(
        `Environment variable BAR_TTL_DAYS must be a whole number of at least 1, got "${text}"`,
      );
    },
  );
});

describe("S3 client", () => {
  it.each([
    [{}, false],
    [{ AWS_ENDPOINT_URL_S3: "http://127.0.0.1:4568" }, true],
    [{ AWS_ENDPOINT_URL: "http://127.0.0.1:4566" }, true],
  ])("uses path-style addressing only with a local endpoint: %p", (env, pathStyle) => {
    expect(usesLocalS3Endpoint(env)).toBe(pathStyle);
    const client = createS3Client(env);
    expect(client.config.forcePathStyle).toBe(pathStyle);
    client.destroy();
  });
});

describe("Kinesis event records", () => {
  it("takes the shard from the event id", () => {
    const record = kinesisEventRecord({
      shardId: "shardId-000000000004",
      sequenceNumber: "4959",
      partitionKey: "AAPL",
      data: "e30=",
      approximateArrivalTimestamp: 1_714_571_100.5,
    });
    expect(toStreamRecords([record])).toEqual([
      {
        shardId: "shardId-000000000004",
        sequenceNumber: "4959",
        partitionKey: "AAPL",
        data: "e30=",
        approximateArrivalTimestamp: 1_714_571_100.5,
      },
    ]);
  });

  it("rejects an event id without a shard", () => {
    const record = {
      ...kinesisEventRecord({ shardId: "x", sequenceNumber: "1", partitionKey: "A", data: "" }),
      eventID: "1",
    };
    expect(() => shardIdOf(record)).toThrow(
      'Kinesis event record 1 has eventID "1"; expected "<shardId>:<sequenceNumber>"',
    );
  });
});

describe("mapWithConcurrency", () => {
  it("keeps order and never exceeds the limit", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 0], 2, async (value, index) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, value));
      running -= 1;
      return value * 10 + index;
    });
    expect(results).toEqual([50, 11, 42, 23, 34, 5]);
    expect(peak).toBe(2);
  });

  it("rejects a limit below 1", async () => {
    await expect(mapWithConcurrency([1], 0, () => Promise.resolve(1))).rejects.toThrow(
      "concurrency limit must be a whole number of at least 1, got 0",
    );
  });
});
