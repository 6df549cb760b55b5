import type { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { chunkForPutRecords, KinesisProducer, MAX_BYTES_PER_PUT } from "./kinesis-producer";

/** A stand-in for Kinesis that throttles the entries `throttle` picks on their first attempt. */
function fakeKinesis(throttle: (data: string) => boolean) {
  const requests: string[][] = [];
  const attempts = new Map<string, number>();
  let sequence = 0;
  const client = {
    send(command: PutRecordsCommand) {
      const entries = command.input.Records ?? [];
      requests.push(entries.map((entry) => Buffer.from(entry.Data ?? []).toString()));
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
          return { ShardId: "shardId-000000000000", SequenceNumber: String(sequence) };
        }),
      });
    },
  };
  return { client: client as unknown as KinesisClient, requests };
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
