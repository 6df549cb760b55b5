import {
  consumerOfDeadLetterQueue,
  deadLetterQueueService,
  redriveCommand,
  STREAM_CONSUMER_KEYS,
  STREAM_CONSUMERS,
} from "./stream-consumers";

test("the two stream consumers, each with its own dead-letter queue", () => {
  expect(STREAM_CONSUMER_KEYS).toEqual(["marketProcessor", "marketArchiver"]);
  expect(STREAM_CONSUMER_KEYS.map((key) => deadLetterQueueService(STREAM_CONSUMERS[key]))).toEqual([
    "market-processor-dlq",
    "market-archiver-dlq",
  ]);
});

test.each([
  ["market-processor-dlq", "market-processor"],
  ["market-archiver-dlq", "market-archiver"],
])("%s belongs to %s", (queue, consumer) => {
  expect(consumerOfDeadLetterQueue(queue)).toBe(consumer);
});

test.each(["market-processor", "analytics-api-dlq", "dlq", ""])(
  "%j is no consumer's dead-letter queue",
  (queue) => {
    expect(() => consumerOfDeadLetterQueue(queue)).toThrow(
      new Error(
        `"${queue}" is not a stream consumer's dead-letter queue: use one of market-processor-dlq, market-archiver-dlq.`,
      ),
    );
  },
);

test.each([
  [
    "production",
    "market-processor",
    "npm run redrive -- --env production --consumer market-processor",
  ],
  ["dev", "market-archiver", "npm run redrive -- --env dev --consumer market-archiver"],
] as const)("the %s redrive command for %s", (environment, consumer, command) => {
  expect(redriveCommand(environment, consumer)).toBe(command);
});
