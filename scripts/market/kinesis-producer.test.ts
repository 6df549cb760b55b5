import type { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { chunkForPutRecords, KinesisProducer, MAX_BYTES_PER_PUT } from "./kinesis-producer";
import { RePutPlanner } from "./synthetic-market";

/**
 * A stand-in for Kinesis that throttles the entries `throttle` picks on their first attempt and
 * places each record on the shard `shardOf` its partition key.
 */
function fakeKinesis(
  throttle: (data: string) => boolean,
  shardOf: (partitionKey: string) => string = () => "shardId-000000000000",
) {
  const requests: string[][] = [];
  const keys: string[][] = [];
  const attempts = new Map<string, number>();
  let sequence = 0;
  const client = {
    send(command: PutRecordsCommand) {
      const entries = command.input.Records ?? [];
      requests.push(entries.map((entry) => Buffer.from(entry.Data ?? []).toString()));
      keys.push(entries.map((entry) => entry.PartitionKey ?? ""));
      return Promise.resolve({
        FailedRecordCount: 0,
        Records: entries.map((entry) => {
          const data = Buffer.from(entry.Data ?? []).toString();
          const attempt = (attempts.get(data) ?? 0) + 1;
          attempts.set(data, attempt);
          if (attempt === 1 && throttle(data)) {
            return {
              ErrorCode: "ProvisionedThroughputExceededException",
              ErrorMessage: "Rate exceeded for shard shardId-000000000000",
            };
          }
          sequence += 1;
          return { ShardId: shardOf(entry.PartitionKey ?? ""), SequenceNumber: String(sequence) };
        }),
      });
    },
  };
  return { client: client as unknown as KinesisClient, requests, keys };
}

describe("chunkForPutRecords", () => {
  it("keeps requests within 500 records and 5 MiB", () => {
    const small = Array.from({ length: 1201 }, (_, index) => ({
      partitionKey: "A",
      data: `${index}`,
    }));
    expect(chunkForPutRecords(small).map((chunk) => chunk.length)).toEqual([500, 500, 201]);
    const big = Array.from({ length: 6 }, () => ({
      partitionKey: "A",
      data: "x".repeat(1024 * 1024 - 1),
    }));
    const chunks = chunkForPutRecords(big);
    expect(chunks.map((chunk) => chunk.length)).toEqual([5, 1]);
    expect(
      chunks.every(
        (chunk) =>
          chunk.reduce((sum, record) => sum + record.data.length + 1, 0) <= MAX_BYTES_PER_PUT,
      ),
    ).toBe(true);
  });
});

describe("KinesisProducer", () => {
  it("retries only the throttled entries and places every record once, in order", async () => {
    const { client, requests } = fakeKinesis((data) => Number(data) % 3 === 0);
    const producer = new KinesisProducer(client, "dev-market-data-us-east-1-local", {
      baseBackoffMs: 0,
    });
    const records = Array.from({ length: 7 }, (_, index) => ({
      partitionKey: "AAPL",
      data: `${index}`,
    }));
    const placements = await producer.put(records);
    expect(requests).toEqual([
      ["0", "1", "2", "3", "4", "5", "6"],
      ["0", "3", "6"],
    ]);
    expect(placements.map((placement) => placement.sequenceNumber)).toEqual([
      "5",
      "1",
      "2",
      "6",
      "3",
      "4",
      "7",
    ]);
    expect(producer.retriedRecords).toBe(3);
    expect(producer.requests).toBe(2);
  });

  it("gives up with the last error after its attempts", async () => {
    const { client } = fakeKinesis(() => true);
    const stubborn = {
      send: (command: PutRecordsCommand) =>
        (client as unknown as { send: (c: PutRecordsCommand) => Promise<unknown> })
          .send(command)
          .then(() => ({
            Records: (command.input.Records ?? []).map(() => ({
              ErrorCode: "InternalFailure",
              ErrorMessage: "Internal service failure.",
            })),
          })),
    } as unknown as KinesisClient;
    const producer = new KinesisProducer(stubborn, "dev-market-data-us-east-1-local", {
      maxAttempts: 3,
      baseBackoffMs: 0,
    });
    await expect(producer.put([{ partitionKey: "AAPL", data: "{}" }])).rejects.toThrow(
      "PutRecords to dev-market-data-us-east-1-local still failed for 1 record(s) after 3 attempts (last error InternalFailure: Internal service failure.).",
    );
  });
});

describe("KinesisProducer.putWithRePuts", () => {
  const records = Array.from({ length: 6 }, (_, index) => ({
    partitionKey: index % 2 === 0 ? "AAPL" : "MSFT",
    data: `{"tradeId":"T${index}"}`,
  }));
  // Keys starting with a letter before N on shard 0, the others on shard 1.
  const shardOf = (key: string): string =>
    key < "N" ? "shardId-000000000000" : "shardId-000000000001";

  it("puts the picked records again as new records after the batch, one under another key on another shard", async () => {
    const { client, requests, keys } = fakeKinesis(() => false, shardOf);
    const producer = new KinesisProducer(client, "staging-market-data-us-east-1-local");
    const outcome = await producer.putWithRePuts(records, {
      wholeBatch: false,
      rePuts: [
        { index: 1, partitionKey: "MSFT", otherKey: false },
        { index: 4, partitionKey: "ZZ-0badcafe", otherKey: true },
      ],
    });
    expect(requests).toEqual([
      records.map((record) => record.data),
      [records[1].data, records[4].data],
    ]);
    expect(keys[1]).toEqual(["MSFT", "ZZ-0badcafe"]);
    expect(outcome.placements.map((placement) => placement.sequenceNumber)).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
    ]);
    expect(outcome.rePuts).toEqual([
      {
        index: 1,
        partitionKey: "MSFT",
        otherKey: false,
        placement: { shardId: "shardId-000000000000", sequenceNumber: "7" },
      },
      {
        index: 4,
        partitionKey: "ZZ-0badcafe",
        otherKey: true,
        placement: { shardId: "shardId-000000000001", sequenceNumber: "8" },
      },
    ]);
    // The original of the second copy went to shard 0 under AAPL; the copy landed on shard 1.
    expect(outcome.placements[4]?.shardId).toBe("shardId-000000000000");
    expect(outcome.wholeBatch).toBe(false);
    expect([producer.requests, producer.rePutRecords, producer.rePutBatches]).toEqual([2, 2, 0]);
  });

  it("sends a whole batch again when its request timed out", async () => {
    const { client, requests } = fakeKinesis(() => false, shardOf);
    const producer = new KinesisProducer(client, "staging-market-data-us-east-1-local");
    const outcome = await producer.putWithRePuts(records, {
      wholeBatch: true,
      rePuts: records.map((record, index) => ({
        index,
        partitionKey: record.partitionKey,
        otherKey: false,
      })),
    });
    expect(requests[1]).toEqual(requests[0]);
    expect(outcome.rePuts.map((rePut) => rePut.placement.sequenceNumber)).toEqual([
      "7",
      "8",
      "9",
      "10",
      "11",
      "12",
    ]);
    expect([producer.rePutRecords, producer.rePutBatches]).toEqual([6, 1]);
  });

  it("puts each record once when nothing is picked, as RePutPlanner does at 0", async () => {
    const { client, requests } = fakeKinesis(() => false);
    const producer = new KinesisProducer(client, "dev-market-data-us-east-1-local");
    const planner = new RePutPlanner({ seed: 42, fraction: 0 });
    const outcome = await producer.putWithRePuts(records, planner.plan(records));
    expect(requests).toHaveLength(1);
    expect(outcome).toEqual({
      placements: expect.any(Array) as unknown,
      rePuts: [],
      wholeBatch: false,
    });
    expect(producer.rePutRecords).toBe(0);
  });

  it("retries throttled copies like any record, so every copy lands once", async () => {
    const { client } = fakeKinesis((data) => data.includes("T3"));
    const producer = new KinesisProducer(client, "dev-market-data-us-east-1-local", {
      baseBackoffMs: 0,
    });
    const planner = new RePutPlanner({ seed: 42, fraction: 1 });
    const outcome = await producer.putWithRePuts(records, planner.plan(records));
    expect(outcome.rePuts.map((rePut) => rePut.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(outcome.rePuts.map((rePut) => rePut.placement.sequenceNumber)).size).toBe(6);
    expect(producer.retriedRecords).toBe(1);
  });
});
