import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteStreamCommand,
  DescribeStreamCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import type { KinesisClient, _Record as KinesisRecord } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import type { S3Client as S3ClientType } from "@aws-sdk/client-s3";
import { CreateQueueCommand, SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { Tick } from "../../functions/domain/tick";
import { barKey } from "../../functions/domain/idempotency";
import { createMarketArchiver } from "../../functions/market-archiver/archiver";
import { createMarketProcessor } from "../../functions/market-processor/processor";
import {
  MARKET_START,
  expectedBars,
  syntheticTicks,
  TEST_CLOCK,
} from "../../tests/support/functions/market";
import { RecordingMetrics, silentLogger } from "../../tests/support/functions/observability";
import { beforeCommand } from "../../tests/support/functions/sdk";
import { auditArchive } from "../local-run/archive-audit";
import type { SentRecordView } from "../local-run/archive-audit";
import { ShardPoller } from "../local-aws/event-source-mapping";
import type { BatchInvoker } from "../local-aws/event-source-mapping";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  createAnalyticsTable,
  createArchiveBucket,
  createMarketStream,
  localDynamoDbClient,
  localKinesisClient,
  localS3Client,
  startLocalAws,
} from "../local-aws/local-aws";
import type { LocalAws } from "../local-aws/local-aws";
import { deadLetterBody } from "./dead-letter";
import type { LocalSqs } from "../../tests/support/operations/local-sqs";
import { startLocalSqs } from "../../tests/support/operations/local-sqs";
import { redrive } from "./redrive";
import { redriveCli } from "./redrive-cli";
import type { RedriveOptions } from "./redrive";
import {
  capturedIo,
  tableState,
  uniqueName,
  writeOutputs,
} from "../../tests/support/operations/test-support";

/**
 * redrive against kinesalite, a local DynamoDB, s3rver and a local SQS, with real failures: the
 * pollers behave like Lambda's event source mappings (retries, bisection, then the batch's pointer
 * to the dead-letter queue, as Lambda sends it) around the real processor and archiver, whose SDK
 * clients fail on purpose; then the command replays what was parked.
 */

const FAULTED_SYMBOL = "AAA";
const FAULTED_MINUTE = MARKET_START;

let local: LocalAws;
let sqsServer: LocalSqs;
let dynamodb: DynamoDBClient;
let s3: S3ClientType;
let kinesis: KinesisClient;
let sqs: SQSClient;
let counter = 0;
const previousSqsEndpoint = process.env.AWS_ENDPOINT_URL_SQS;

beforeAll(async () => {
  local = await startLocalAws();
  sqsServer = await startLocalSqs();
  process.env.AWS_ENDPOINT_URL_SQS = sqsServer.endpoint;
  dynamodb = localDynamoDbClient(local);
  s3 = localS3Client(local);
  kinesis = localKinesisClient(local);
  sqs = new SQSClient({
    endpoint: sqsServer.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  for (const client of [dynamodb, s3, kinesis, sqs]) {
    client.destroy();
  }
  if (previousSqsEndpoint === undefined) {
    delete process.env.AWS_ENDPOINT_URL_SQS;
  } else {
    process.env.AWS_ENDPOINT_URL_SQS = previousSqsEndpoint;
  }
  await sqsServer.stop();
  await local.stop();
});

interface Environment {
  readonly streamName: string;
  readonly streamArn: string;
  readonly shardId: string;
  readonly tableName: string;
  readonly bucketName: string;
  readonly processorQueue: { name: string; url: string };
  readonly archiverQueue: { name: string; url: string };
  readonly outputs: string;
}

async function queue(name: string): Promise<{ name: string; url: string }> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  return { name, url: created.QueueUrl ?? "" };
}

async function newEnvironment(): Promise<Environment> {
  counter += 1;
  const streamName = uniqueName("ops-redrive-stream", counter);
  await createMarketStream(kinesis, streamName, 1);
  const described = await kinesis.send(new DescribeStreamCommand({ StreamName: streamName }));
  const streamArn = described.StreamDescription?.StreamARN ?? "";
  const shardId = described.StreamDescription?.Shards?.[0]?.ShardId ?? "";
  const tableName = uniqueName("ops-redrive-table", counter);
  await createAnalyticsTable(dynamodb, tableName);
  const bucketName = `ops-redrive-${counter}`;
  await createArchiveBucket(s3, bucketName);
  const processorQueue = await queue(`processor-dlq-${counter}`);
  const archiverQueue = await queue(`archiver-dlq-${counter}`);
  return {
    streamName,
    streamArn,
    shardId,
    tableName,
    bucketName,
    processorQueue,
    archiverQueue,
    outputs: writeOutputs({
      tableName,
      bucketName,
      streamName,
      streamArn,
      processorQueueUrl: processorQueue.url,
      archiverQueueUrl: archiverQueue.url,
    }),
  };
}

/** Puts each tick as its own record (partition key = symbol); returns the sent records by id. */
async function put(
  environment: Environment,
  ticks: readonly Tick[],
): Promise<{ last: string; sent: Map<string, SentRecordView> }> {
  const sent = new Map<string, SentRecordView>();
  let last = "";
  for (let i = 0; i < ticks.length; i += 100) {
    const chunk = ticks.slice(i, i + 100);
    const response = await kinesis.send(
      new PutRecordsCommand({
        StreamName: environment.streamName,
        Records: chunk.map((tick) => ({
          PartitionKey: tick.symbol,
          Data: Buffer.from(JSON.stringify(tick)),
        })),
      }),
    );
    (response.Records ?? []).forEach((entry, index) => {
      const key = `${entry.ShardId}:${entry.SequenceNumber}`;
      sent.set(key, { partitionKey: chunk[index].symbol, data: JSON.stringify(chunk[index]) });
      last = entry.SequenceNumber ?? last;
    });
  }
  return { last, sent };
}

/** A poller like the consumer's event source mapping, whose discarded batches go to `queueUrl`. */
function poller(
  environment: Environment,
  functionName: string,
  queueUrl: string,
  invoke: BatchInvoker,
): { poller: ShardPoller; parked: Promise<unknown>[] } {
  const parked: Promise<unknown>[] = [];
  const shardPoller = new ShardPoller(
    kinesis,
    {
      streamName: environment.streamName,
      streamArn: environment.streamArn,
      shardId: environment.shardId,
      region: LOCAL_REGION,
      functionName,
      invokeIdentityArn: `arn:aws:iam::000000000000:role/${functionName}`,
    },
    {
      batchSize: 10,
      maximumRetryAttempts: 2,
      bisectBatchOnFunctionError: true,
      idlePollMs: 20,
      retryBackoffMs: 5,
    },
    invoke,
    {
      onDeadLettered: (batch, records: readonly KinesisRecord[]) => {
        const arrival = (record: KinesisRecord | undefined) =>
          record?.ApproximateArrivalTimestamp?.getTime() ?? 0;
        parked.push(
          sqs.send(
            new SendMessageCommand({
              QueueUrl: queueUrl,
              MessageBody: deadLetterBody(
                {
                  shardId: batch.shardId,
                  startSequenceNumber: batch.startSequenceNumber,
                  endSequenceNumber: batch.endSequenceNumber,
                  firstArrival: arrival(records[0]),
                  lastArrival: arrival(records.at(-1)),
                  batchSize: batch.batchSize,
                  streamArn: environment.streamArn,
                },
                `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
              ),
            }),
          ),
        );
      },
    },
  );
  return { poller: shardPoller, parked };
}

function processorOn(client: DynamoDBClient, tableName: string) {
  return createMarketProcessor({
    dynamodb: client,
    tableName,
    barTtlDays: 7,
    logger: silentLogger(),
    metrics: new RecordingMetrics(),
    backoffMs: () => 1,
    now: TEST_CLOCK,
  });
}

function dynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: local.endpoints.dynamodb,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}

/** A DynamoDB client whose PutItem of the faulted bar fails while `faulty()` holds. */
function failingBarClient(faulty: () => boolean): DynamoDBClient {
  const client = dynamoDbClient();
  beforeCommand(client, (name, input) => {
    const item = input.Item as Record<string, { S?: string }> | undefined;
    if (
      faulty() &&
      name === "PutItemCommand" &&
      item?.pk?.S === `BAR#${FAULTED_SYMBOL}` &&
      item?.sk?.S === new Date(FAULTED_MINUTE).toISOString()
    ) {
      throw Object.assign(new Error("injected: the bar's partition is unavailable"), {
        name: "InternalServerError",
      });
    }
  });
  return client;
}

const market = (seed: number) => syntheticTicks(seed, 80, [FAULTED_SYMBOL, "BBB"], 2);
const later = (seed: number): Tick => ({
  symbol: FAULTED_SYMBOL,
  price: 101.25,
  size: 3,
  ts: FAULTED_MINUTE + 59_000,
  tradeId: `later-${seed}`,
});

const barsOf = (ticks: readonly Tick[]) =>
  expectedBars(ticks.map((tick) => ({ ...tick, seq: "1", index: 0 })));

async function liveBars(tableName: string) {
  return new Map(
    [...(await tableState(dynamodb, tableName))].map(([key, state]) => [key, state.bar]),
  );
}

/**
 * The live processor runs while the faulted bar cannot be written: its batches are retried, then
 * parked. Then the fault clears, a later trade of the same bar is applied, and a producer re-puts
 * some ticks under new sequence numbers. With `archive`, a healthy archiver runs beside it.
 */
async function discardAndContinue(environment: Environment, seed: number, archive: boolean) {
  let faulty = true;
  const processor = processorOn(
    failingBarClient(() => faulty),
    environment.tableName,
  );
  const live = poller(
    environment,
    "dev-market-processor",
    environment.processorQueue.url,
    (event) => processor.processBatch(event).then((result) => result.response),
  );
  const archiver = createMarketArchiver({
    s3,
    bucketName: environment.bucketName,
    logger: silentLogger(),
    metrics: new RecordingMetrics(),
  });
  const archiving = archive
    ? poller(environment, "dev-market-archiver", environment.archiverQueue.url, (event) =>
        archiver.archiveBatch(event).then(() => ({ batchItemFailures: [] })),
      )
    : undefined;
  const ticks = market(seed);
  const first = await put(environment, ticks);
  live.poller.start();
  archiving?.poller.start();
  await live.poller.waitForCheckpoint(first.last);
  await Promise.all(live.parked);
  expect(live.poller.stats.recordsDeadLettered).toBeGreaterThan(0);
  const parkedMessages = sqsServer.messages(environment.processorQueue.name).length;
  expect(parkedMessages).toBeGreaterThan(0);

  faulty = false;
  const reput = await put(environment, [later(seed), ...ticks.slice(0, 15)]);
  await live.poller.waitForCheckpoint(reput.last);
  await archiving?.poller.waitForCheckpoint(reput.last);
  await live.poller.stop();
  await archiving?.poller.stop();

  const expected = barsOf([...ticks, later(seed)]);
  const before = await liveBars(environment.tableName);
  const key = barKey(FAULTED_SYMBOL, FAULTED_MINUTE);
  // The later trade is in, the parked ones are not: the bar is short of trades.
  expect(before.get(key)?.trades ?? 0).toBeGreaterThan(0);
  expect(before.get(key)?.trades).toBeLessThan(expected.get(key)?.trades ?? 0);
  expect(before).not.toEqual(expected);
  return { expected, parkedMessages, ticks };
}

function redriveOptions(
  environment: Environment,
  overrides: Partial<RedriveOptions>,
): RedriveOptions {
  return {
    consumer: "market-processor",
    queueUrl: environment.processorQueue.url,
    streamName: environment.streamName,
    streamArn: environment.streamArn,
    sqs,
    kinesis,
    s3,
    dynamodb,
    tableName: environment.tableName,
    bucketName: environment.bucketName,
    barTtlDays: 7,
    batchSize: 500,
    visibilityTimeoutSeconds: 60,
    maxMessages: 100,
    waitTimeSeconds: 0,
    dryRun: false,
    out: () => undefined,
    progress: () => undefined,
    ...overrides,
  };
}

describe("redrive --consumer market-processor", () => {
  it("replays a discarded batch from the stream: the bar is exact, re-puts counted once", async () => {
    const environment = await newEnvironment();
    const { expected, parkedMessages } = await discardAndContinue(environment, 21, false);

    const dryRun = capturedIo();
    const args = ["--env", "dev", "--outputs", environment.outputs];
    expect(await redriveCli([...args, "--consumer", "market-processor", "--dry-run"], dryRun)).toBe(
      1,
    );
    expect(dryRun.out()).toContain("dry run: would apply");
    expect(dryRun.out()).toContain(`${parkedMessages} message`);
    expect(sqsServer.messages(environment.processorQueue.name)).toHaveLength(parkedMessages);

    const io = capturedIo();
    expect(await redriveCli([...args, "--consumer", "market-processor"], io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(
      /message [\w-]+: shardId-000000000000 …\d{12}\.\.…\d{12}, \d+ records that arrived /,
    );
    expect(out).toMatch(/ {2}\d+ records read from the stream\n/);
    expect(out).toMatch(
      / {2}processor: \d+ ticks applied to \d+ bars, \d+ already counted, 0 malformed records/,
    );
    expect(out).toContain("  message deleted");
    expect(out).toContain(
      `${parkedMessages} message${parkedMessages === 1 ? "" : "s"}: ${parkedMessages} replayed and deleted, 0 left in the queue.`,
    );
    expect(await liveBars(environment.tableName)).toEqual(expected);
    expect(sqsServer.messages(environment.processorQueue.name)).toHaveLength(0);

    const again = capturedIo();
    expect(await redriveCli([...args, "--consumer", "market-processor"], again)).toBe(0);
    expect(again.out()).toBe("The dead-letter queue is empty: nothing to replay.\n");
  });

  it("replays from the archive once the stream no longer holds the records", async () => {
    const environment = await newEnvironment();
    const { expected } = await discardAndContinue(environment, 22, true);
    // Past the stream's retention: the shard is gone, the archive keeps every record.
    await kinesis.send(new DeleteStreamCommand({ StreamName: environment.streamName }));

    const io = capturedIo();
    const code = await redriveCli(
      ["--env", "dev", "--outputs", environment.outputs, "--consumer", "market-processor"],
      io,
    );
    expect(io.out()).toContain("  stream: the stream cannot be read at ");
    expect(io.out()).toContain("ResourceNotFoundException");
    expect(io.out()).toMatch(/ {2}\d+ records read from the archive \(\d+ objects\)/);
    expect(code).toBe(0);
    expect(await liveBars(environment.tableName)).toEqual(expected);
    expect(sqsServer.messages(environment.processorQueue.name)).toHaveLength(0);
  });

  it("leaves a message whose batch fails again, and applies it exactly once a lost acknowledgement later", async () => {
    const environment = await newEnvironment();
    const { expected, parkedMessages } = await discardAndContinue(environment, 23, false);

    const stillFailing = processorOn(
      failingBarClient(() => true),
      environment.tableName,
    );
    const lines: string[] = [];
    const failed = await redrive(
      redriveOptions(environment, { processor: stillFailing, out: (line) => lines.push(line) }),
    );
    // A message whose trades of the bar all came back through the producer's re-puts has nothing
    // left to write, so it goes; the others stay.
    expect(failed.left).toBeGreaterThan(0);
    expect(failed.deleted + failed.left).toBe(parkedMessages);
    expect(lines.join("\n")).toContain(
      `bar ${FAULTED_SYMBOL} ${new Date(FAULTED_MINUTE).toISOString()} not written: injected: the bar's partition is unavailable`,
    );
    expect(lines).toContain("  left in the queue for a later run");
    // Left messages are visible again at once, for the next run.
    expect(sqsServer.messages(environment.processorQueue.name)).toHaveLength(failed.left);

    // The next run's writes land, but their responses are lost on the way back.
    const losing = new DynamoDBClient({
      endpoint: local.endpoints.dynamodb,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    let lost = 0;
    losing.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "PutItemCommand" && lost < 1) {
          lost += 1;
          throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
        }
        return result;
      },
      { step: "initialize", name: "loseResponses" },
    );
    const done = await redrive(
      redriveOptions(environment, { processor: processorOn(losing, environment.tableName) }),
    );
    expect(lost).toBe(1);
    expect(done).toMatchObject({ messages: failed.left, deleted: failed.left, left: 0 });
    expect(await liveBars(environment.tableName)).toEqual(expected);
    losing.destroy();
  });

  it("counts no tick of a bar past its retention, says so, and deletes the message", async () => {
    const environment = await newEnvironment();
    const { parkedMessages } = await discardAndContinue(environment, 23, false);
    const before = await liveBars(environment.tableName);
    const lines: string[] = [];
    // Eight days after the market: every bar of the parked batches is past dev's 7 days.
    const summary = await redrive(
      redriveOptions(environment, {
        now: () => MARKET_START + 8 * 86_400_000,
        out: (line) => lines.push(line),
      }),
    );
    expect(summary).toMatchObject({ messages: parkedMessages, deleted: parkedMessages, left: 0 });
    expect(lines.join("\n")).toMatch(
      / {2}processor: 0 ticks applied to 0 bars, 0 already counted, .*\n {2}\d+ ticks? of bars past their 7-day retention not counted \(their bars have expired or expire within the hour; the records stay in the archive\)/,
    );
    expect(await liveBars(environment.tableName)).toEqual(before);
  });

  it("leaves a message that points at another stream", async () => {
    const environment = await newEnvironment();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: environment.processorQueue.url,
        MessageBody: deadLetterBody(
          {
            shardId: "shardId-000000000000",
            startSequenceNumber: "49590000000000000000000000000000000000000000000000000001",
            endSequenceNumber: "49590000000000000000000000000000000000000000000000000002",
            firstArrival: Date.now(),
            lastArrival: Date.now(),
            batchSize: 2,
            streamArn: "arn:aws:kinesis:us-east-1:000000000000:stream/another",
          },
          "arn:aws:lambda:us-east-1:000000000000:function:f",
        ),
      }),
    );
    await sqs.send(
      new SendMessageCommand({ QueueUrl: environment.processorQueue.url, MessageBody: "{}" }),
    );
    const io = capturedIo();
    expect(
      await redriveCli(
        ["--env", "dev", "--outputs", environment.outputs, "--consumer", "market-processor"],
        io,
      ),
    ).toBe(1);
    expect(io.out()).toContain(
      "its stream arn:aws:kinesis:us-east-1:000000000000:stream/another is not this environment's",
    );
    expect(io.out()).toContain("not a Kinesis batch pointer: KinesisBatchInfo");
    expect(io.out()).toContain("2 messages: 0 replayed and deleted, 2 left in the queue.");
    expect(sqsServer.messages(environment.processorQueue.name)).toHaveLength(2);
  });
});

describe("redrive --consumer market-archiver", () => {
  it("re-archives a discarded batch through the archiver: every record is in the archive", async () => {
    const environment = await newEnvironment();
    let faulty = true;
    const failingS3 = new S3Client({
      endpoint: local.endpoints.s3,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
    });
    failingS3.middlewareStack.add(
      (next, context) => async (args) => {
        if (faulty && context.commandName === "PutObjectCommand") {
          throw Object.assign(new Error("injected: SlowDown"), { name: "SlowDown" });
        }
        return next(args);
      },
      { step: "initialize", name: "failPuts" },
    );
    const archiver = createMarketArchiver({
      s3: failingS3,
      bucketName: environment.bucketName,
      logger: silentLogger(),
      metrics: new RecordingMetrics(),
    });
    const archiving = poller(
      environment,
      "dev-market-archiver",
      environment.archiverQueue.url,
      (event) => archiver.archiveBatch(event).then(() => ({ batchItemFailures: [] })),
    );
    const first = await put(environment, market(31).slice(0, 30));
    archiving.poller.start();
    await archiving.poller.waitForCheckpoint(first.last);
    await Promise.all(archiving.parked);
    faulty = false;
    const second = await put(environment, market(32).slice(0, 10));
    await archiving.poller.waitForCheckpoint(second.last);
    await archiving.poller.stop();
    failingS3.destroy();

    const sent = new Map([...first.sent, ...second.sent]);
    const before = await auditArchive(s3, environment.bucketName, sent);
    expect(before.missing).toHaveLength(30);

    const io = capturedIo();
    expect(
      await redriveCli(
        ["--env", "dev", "--outputs", environment.outputs, "--consumer", "market-archiver"],
        io,
      ),
    ).toBe(0);
    expect(io.out()).toMatch(/ {2}archived \d+ records to s3:\/\/ops-redrive-\d+\/raw\/dt=/);
    const after = await auditArchive(s3, environment.bucketName, sent);
    expect(after.missing).toEqual([]);
    expect(after.problems).toEqual([]);
    expect(after.archivedRecords).toBe(40);
    expect(sqsServer.messages(environment.archiverQueue.name)).toHaveLength(0);
  });
});
