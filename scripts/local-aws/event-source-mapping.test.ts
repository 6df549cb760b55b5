import {
  CreateStreamCommand,
  DescribeStreamCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
} from "@aws-sdk/client-kinesis";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { ShardPoller } from "./event-source-mapping";
import type { EventSourceMappingSettings } from "./event-source-mapping-settings";
import {
  interpretBatchResponse,
  kinesisEvent,
  laneOf,
  type DeadLetteredBatch,
  type ShardSource,
} from "./kinesis-batch";
import { KinesisProducer } from "../market/kinesis-producer";
import { localKinesisClient, startLocalAws, type LocalAws } from "./local-aws";

const SETTINGS: EventSourceMappingSettings = {
  batchSize: 500,
  maximumRetryAttempts: 3,
  bisectBatchOnFunctionError: true,
  idlePollMs: 5,
  retryBackoffMs: 1,
};

function record(
  sequenceNumber: string,
  data: string,
  arrivalMs = 1_714_570_200_123,
): KinesisRecord {
  return {
    SequenceNumber: sequenceNumber,
    PartitionKey: "AAPL",
    Data: Buffer.from(data),
    ApproximateArrivalTimestamp: new Date(arrivalMs),
  };
}

describe("kinesisEvent", () => {
  it("builds the event Lambda delivers, record by record", () => {
    const source: ShardSource = {
      streamName: "dev-market-data-us-east-1-local",
      streamArn: "arn:aws:kinesis:us-east-1:000000000000:stream/dev-market-data-us-east-1-local",
      shardId: "shardId-000000000003",
      region: "us-east-1",
      functionName: "dev-market-processor-us-east-1-local",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/dev-market-processor-us-east-1-local",
    };
    expect(
      kinesisEvent(
        [record("49590338271490256608559692538361571095921575989136588898", "{}")],
        source,
      ),
    ).toEqual({
      Records: [
        {
          kinesis: {
            kinesisSchemaVersion: "1.0",
            partitionKey: "AAPL",
            sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
            data: "e30=",
            approximateArrivalTimestamp: 1_714_570_200.123,
          },
          eventSource: "aws:kinesis",
          eventVersion: "1.0",
          eventID: "shardId-000000000003:49590338271490256608559692538361571095921575989136588898",
          eventName: "aws:kinesis:record",
          invokeIdentityArn: "arn:aws:iam::000000000000:role/dev-market-processor-us-east-1-local",
          awsRegion: "us-east-1",
          eventSourceARN:
            "arn:aws:kinesis:us-east-1:000000000000:stream/dev-market-data-us-east-1-local",
        },
      ],
    });
  });
});

describe("interpretBatchResponse", () => {
  const batch = [record("100", "a"), record("205", "b"), record("1000", "c")];

  it.each([
    ["no response", undefined],
    ["null", null],
    ["no failures", { batchItemFailures: [] }],
  ])("treats %s as success", (_label, response) => {
    expect(interpretBatchResponse(batch, response)).toEqual({ kind: "success" });
  });

  it("resumes at the lowest reported sequence number, compared as numbers", () => {
    expect(
      interpretBatchResponse(batch, {
        batchItemFailures: [{ itemIdentifier: "1000" }, { itemIdentifier: "205" }],
      }),
    ).toEqual({
      kind: "partial",
      failedIndex: 1,
      detail: "the function reported 2 batch item failure(s)",
    });
  });

  it.each([["999"], [""]])("retries the whole batch for an identifier not in it (%j)", (id) => {
    expect(interpretBatchResponse(batch, { batchItemFailures: [{ itemIdentifier: id }] })).toEqual({
      kind: "partial",
      failedIndex: 0,
      detail: `the function reported itemIdentifier ${JSON.stringify(id)}, which is not in the batch`,
    });
  });
});

describe("ShardPoller against kinesalite", () => {
  let local: LocalAws;
  let kinesis: KinesisClient;
  let streamCount = 0;

  beforeAll(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    local = await startLocalAws({ services: ["kinesis"], setEnv: false });
    kinesis = localKinesisClient(local);
  });

  afterAll(async () => {
    kinesis.destroy();
    await local.stop();
  });

  /** A one-shard stream holding records "0".."count-1", and their sequence numbers in order. */
  async function streamWith(
    count: number,
    keyOf: (index: number) => string = () => "AAPL",
  ): Promise<{ source: ShardSource; sequences: string[] }> {
    streamCount += 1;
    const streamName = `esm-test-${streamCount}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
    let description;
    do {
      description = (await kinesis.send(new DescribeStreamCommand({ StreamName: streamName })))
        .StreamDescription;
    } while (description?.StreamStatus !== "ACTIVE");
    const producer = new KinesisProducer(kinesis, streamName);
    const placements = await producer.put(
      Array.from({ length: count }, (_, index) => ({
        partitionKey: keyOf(index),
        data: String(index),
      })),
    );
    return {
      source: {
        streamName,
        streamArn: description.StreamARN ?? "",
        shardId: placements[0]?.shardId ?? "",
        region: "us-east-1",
        functionName: "test-consumer",
        invokeIdentityArn: "arn:aws:iam::000000000000:role/test-consumer",
      },
      sequences: placements.map((placement) => placement.sequenceNumber),
    };
  }

  function indexesOf(event: KinesisStreamEvent): number[] {
    return event.Records.map((entry) =>
      Number(Buffer.from(entry.kinesis.data, "base64").toString("utf8")),
    );
  }

  interface Harness {
    readonly invocations: number[][];
    readonly committed: number[];
    readonly deadLettered: DeadLetteredBatch[];
    readonly poller: ShardPoller;
  }

  async function drain(
    count: number,
    handle: (indexes: number[], event: KinesisStreamEvent) => KinesisStreamBatchResponse | void,
    settings: EventSourceMappingSettings = SETTINGS,
    clock?: () => number,
  ): Promise<Harness & { sequences: string[] }> {
    const { source, sequences } = await streamWith(count);
    const invocations: number[][] = [];
    const committed: number[] = [];
    const deadLettered: DeadLetteredBatch[] = [];
    const poller = new ShardPoller(
      kinesis,
      source,
      settings,
      (event) => {
        const indexes = indexesOf(event);
        invocations.push(indexes);
        return Promise.resolve(handle(indexes, event));
      },
      {
        onCommitted: (_shard, records) =>
          committed.push(
            ...records.map((entry) => Number(Buffer.from(entry.Data ?? []).toString())),
          ),
        onDeadLettered: (batch) => deadLettered.push(batch),
      },
      clock,
    );
    poller.start();
    await poller.waitForCheckpoint(sequences[sequences.length - 1]);
    await poller.stop();
    return { invocations, committed, deadLettered, poller, sequences };
  }

  const range = (from: number, to: number): number[] =>
    Array.from({ length: to - from }, (_, index) => from + index);

  it("delivers every record once, in order, in batches of the batch size", async () => {
    const result = await drain(1200, () => undefined);
    expect(result.invocations.map((batch) => [batch[0], batch.length])).toEqual([
      [0, 500],
      [500, 500],
      [1000, 200],
    ]);
    expect(result.committed).toEqual(range(0, 1200));
    expect(result.poller.checkpointSequenceNumber).toBe(result.sequences[1199]);
  });

  it("redelivers from the reported failure and never skips or repeats a record", async () => {
    const failOnce = new Set([300, 750]);
    const applied: number[] = [];
    const result = await drain(1200, (indexes, event) => {
      const failing = indexes.findIndex((index) => failOnce.has(index));
      if (failing === -1) {
        applied.push(...indexes);
        return { batchItemFailures: [] };
      }
      failOnce.delete(indexes[failing]);
      applied.push(...indexes.slice(0, failing));
      // Two failures reported: the poller must resume at the lower one.
      const later = event.Records[failing + 5]?.kinesis.sequenceNumber ?? "";
      return {
        batchItemFailures: [
          { itemIdentifier: later },
          { itemIdentifier: event.Records[failing]?.kinesis.sequenceNumber ?? "" },
        ],
      };
    });
    expect(result.invocations.map((batch) => [batch[0], batch.length])).toEqual([
      [0, 500],
      [300, 500],
      [750, 450],
    ]);
    expect(applied).toEqual(range(0, 1200));
    expect(result.committed).toEqual(range(0, 1200));
    expect(result.poller.stats.partialFailures).toBe(2);
    expect(result.deadLettered).toEqual([]);
  });

  it("bisects a batch on function errors until the poison record stands alone", async () => {
    const applied: number[] = [];
    const result = await drain(500, (indexes) => {
      if (indexes.includes(100) && indexes.length > 1) {
        throw new Error("poison record in batch");
      }
      applied.push(...indexes);
    });
    expect(result.invocations.map((batch) => [batch[0], batch.length])).toEqual([
      [0, 500],
      [0, 250],
      [0, 125],
      [0, 63],
      [63, 62],
      [63, 31],
      [94, 31],
      [94, 16],
      [94, 8],
      [94, 4],
      [98, 4],
      [98, 2],
      [100, 2],
      [100, 1],
      [101, 1],
      [102, 8],
      [110, 15],
      [125, 125],
      [250, 250],
    ]);
    expect(result.poller.stats.bisections).toBe(9);
    expect(applied).toEqual(range(0, 500));
    expect(result.committed).toEqual(range(0, 500));
    expect(result.deadLettered).toEqual([]);
  });

  it("sends a batch that keeps failing to the on-failure destination after its retries", async () => {
    const applied: number[] = [];
    const result = await drain(40, (indexes) => {
      if (indexes.includes(17)) {
        throw new Error("always fails on record 17");
      }
      applied.push(...indexes);
    });
    expect(applied).toEqual(range(0, 40).filter((index) => index !== 17));
    expect(result.deadLettered).toEqual([
      {
        functionName: "test-consumer",
        shardId: "shardId-000000000000",
        startSequenceNumber: result.sequences[17],
        endSequenceNumber: result.sequences[17],
        batchSize: 1,
        condition: "RetryAttemptsExhausted",
        lastError: "always fails on record 17",
      },
    ]);
    expect(result.committed).toEqual(range(0, 40).filter((index) => index !== 17));
    // Record 17 alone was tried once more than the retries allow: 1 + 3.
    expect(
      result.invocations.filter((batch) => batch.length === 1 && batch[0] === 17),
    ).toHaveLength(4);
  });

  it("parks a batch whose oldest record is older than the maximum record age, without invoking", async () => {
    const result = await drain(
      12,
      () => undefined,
      { ...SETTINGS, batchSize: 5, maximumRecordAgeSeconds: 60 },
      () => Date.now() + 61_000,
    );
    expect(result.invocations).toEqual([]);
    expect(result.committed).toEqual([]);
    expect(result.deadLettered.map((batch) => [batch.batchSize, batch.condition])).toEqual([
      [5, "RecordAgeExceeded"],
      [5, "RecordAgeExceeded"],
      [2, "RecordAgeExceeded"],
    ]);
    expect(result.deadLettered[0]?.lastError).toMatch(
      /^its oldest record arrived 61\.\d s ago, past the maximum record age of 60 s$/,
    );
    expect(result.poller.checkpointSequenceNumber).toBe(result.sequences[11]);
  });

  it("retries a failing batch until its oldest record passes the maximum age, whatever the retries left", async () => {
    let elapsedMs = 0;
    const result = await drain(
      4,
      (indexes) => {
        // Each attempt takes 10 s of the record's life.
        elapsedMs += 10_000;
        if (indexes.includes(3)) {
          throw new Error("always fails on record 3");
        }
      },
      { ...SETTINGS, batchSize: 10, maximumRetryAttempts: 10_000, maximumRecordAgeSeconds: 60 },
      () => Date.now() + elapsedMs,
    );
    expect(result.invocations.map((batch) => [batch[0], batch.length])).toEqual([
      [0, 4],
      [0, 2],
      [2, 2],
      [2, 1],
      [3, 1],
      [3, 1],
    ]);
    expect(result.committed).toEqual([0, 1, 2]);
    expect(result.deadLettered).toEqual([
      expect.objectContaining({
        startSequenceNumber: result.sequences[3],
        endSequenceNumber: result.sequences[3],
        batchSize: 1,
        condition: "RecordAgeExceeded",
      }),
    ]);
  });

  it("gathers records for the batching window before invoking, across reads", async () => {
    const { source, sequences } = await streamWith(30);
    const invocations: number[][] = [];
    const poller = new ShardPoller(
      kinesis,
      source,
      { ...SETTINGS, maximumBatchingWindowSeconds: 1 },
      (event) => {
        invocations.push(indexesOf(event));
        return Promise.resolve({ batchItemFailures: [] });
      },
    );
    poller.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = await new KinesisProducer(kinesis, source.streamName).put(
      Array.from({ length: 30 }, (_, index) => ({
        partitionKey: "AAPL",
        data: String(30 + index),
      })),
    );
    expect(invocations).toEqual([]);
    await poller.waitForCheckpoint(later[later.length - 1]?.sequenceNumber ?? sequences[29]);
    await poller.stop();
    expect(invocations).toEqual([range(0, 60)]);
  });

  it("invokes a full batch at once and the rest when the window ends", async () => {
    const { source, sequences } = await streamWith(45);
    const invoked: { first: number; size: number; atMs: number }[] = [];
    const started = performance.now();
    const poller = new ShardPoller(
      kinesis,
      source,
      { ...SETTINGS, batchSize: 20, maximumBatchingWindowSeconds: 1 },
      (event) => {
        const indexes = indexesOf(event);
        invoked.push({
          first: indexes[0] ?? -1,
          size: indexes.length,
          atMs: performance.now() - started,
        });
        return Promise.resolve({ batchItemFailures: [] });
      },
    );
    poller.start();
    await poller.waitForCheckpoint(sequences[44]);
    await poller.stop();
    expect(invoked.map(({ first, size }) => [first, size])).toEqual([
      [0, 20],
      [20, 20],
      [40, 5],
    ]);
    expect(invoked[1]?.atMs).toBeLessThan(900);
    expect((invoked[2]?.atMs ?? 0) - (invoked[1]?.atMs ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it("parks the rest of a batch whose reported failure outlasts its retries", async () => {
    const result = await drain(10, (indexes, event) => {
      const failing = indexes.indexOf(5);
      return failing === -1
        ? { batchItemFailures: [] }
        : {
            batchItemFailures: [
              { itemIdentifier: event.Records[failing]?.kinesis.sequenceNumber ?? "" },
            ],
          };
    });
    expect(result.invocations.map((batch) => [batch[0], batch.length])).toEqual([
      [0, 10],
      [5, 5],
      [5, 5],
      [5, 5],
    ]);
    expect(result.committed).toEqual(range(0, 5));
    expect(result.deadLettered).toEqual([
      {
        functionName: "test-consumer",
        shardId: "shardId-000000000000",
        startSequenceNumber: result.sequences[5],
        endSequenceNumber: result.sequences[9],
        batchSize: 5,
        condition: "RetryAttemptsExhausted",
        lastError: "the function reported 1 batch item failure(s)",
      },
    ]);
  });

  it("splits a shard into lanes by partition key, each redelivering only its own records", async () => {
    const symbols = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM"];
    const keyOf = (index: number): string => symbols[index % symbols.length];
    expect(new Set(symbols.map((symbol) => laneOf(symbol, 2)))).toEqual(new Set([0, 1]));
    const { source, sequences } = await streamWith(1600, keyOf);
    const delivered: number[][] = [[], []];
    const committed: number[][] = [[], []];
    let failedOnce = false;
    const pollers = [0, 1].map(
      (index) =>
        new ShardPoller(
          kinesis,
          { ...source, lane: { index, count: 2 } },
          SETTINGS,
          (event) => {
            const indexes = indexesOf(event);
            delivered[index]?.push(...indexes);
            const failing = indexes.findIndex((record) => record >= 700);
            if (index === 0 && !failedOnce && failing !== -1) {
              failedOnce = true;
              return Promise.resolve({
                batchItemFailures: [
                  { itemIdentifier: event.Records[failing]?.kinesis.sequenceNumber ?? "" },
                ],
              });
            }
            return Promise.resolve({ batchItemFailures: [] });
          },
          {
            onCommitted: (_shard, records) =>
              committed[index]?.push(
                ...records.map((entry) => Number(Buffer.from(entry.Data ?? []).toString())),
              ),
          },
        ),
    );
    for (const poller of pollers) {
      poller.start();
    }
    await Promise.all(
      pollers.map((poller) => poller.waitForCheckpoint(sequences[sequences.length - 1])),
    );
    await Promise.all(pollers.map((poller) => poller.stop()));

    const laneRecords = (lane: number): number[] =>
      range(0, 1600).filter((index) => laneOf(keyOf(index), 2) === lane);
    expect(committed[0]).toEqual(laneRecords(0));
    expect(committed[1]).toEqual(laneRecords(1));
    expect(failedOnce).toBe(true);
    // Lane 1 never saw a record twice; lane 0 saw its records from the failure on once more.
    expect(delivered[1]).toEqual(laneRecords(1));
    const firstFailed = laneRecords(0).find((index) => index >= 700) as number;
    const redelivered = (delivered[0] ?? []).filter(
      (index, position, all) => all.indexOf(index) !== position,
    );
    expect(redelivered[0]).toBe(firstFailed);
    expect(redelivered.filter((index) => index < firstFailed)).toEqual([]);
    expect(pollers[0]?.stats.partialFailures).toBe(1);
    expect(pollers.map((poller) => poller.checkpointSequenceNumber)).toEqual([
      sequences[1599],
      sequences[1599],
    ]);
  });
});
