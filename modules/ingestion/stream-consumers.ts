import type { EnvironmentName } from "../config/settings";

/**
 * The two functions that consume the market-data stream, by the key used in outputs and code, with
 * their service names. Each gets its own dead-letter queue.
 */
export const STREAM_CONSUMERS = {
  marketProcessor: "market-processor",
  marketArchiver: "market-archiver",
} as const;

export type StreamConsumerKey = keyof typeof STREAM_CONSUMERS;

export const STREAM_CONSUMER_KEYS = Object.keys(STREAM_CONSUMERS) as StreamConsumerKey[];

/** A stream consumer's service name, e.g. `market-processor`. */
export type StreamConsumerService = (typeof STREAM_CONSUMERS)[StreamConsumerKey];

/** The service name of a consumer's dead-letter queue, e.g. `market-processor-dlq`. */
export function deadLetterQueueService(consumer: StreamConsumerService): string {
  return `${consumer}-dlq`;
}

/** The consumer whose dead-letter queue has this service name; anything else throws. */
export function consumerOfDeadLetterQueue(queueService: string): StreamConsumerService {
  const consumer = Object.values(STREAM_CONSUMERS).find(
    (candidate) => deadLetterQueueService(candidate) === queueService,
  );
  if (consumer === undefined) {
    throw new Error(
      `"${queueService}" is not a stream consumer's dead-letter queue: use one of ${Object.values(
        STREAM_CONSUMERS,
      )
        .map(deadLetterQueueService)
        .join(", ")}.`,
    );
  }
  return consumer;
}

/**
 * The operator command that replays the batches parked in a consumer's dead-letter queue: it reads
 * each pointer (shard and sequence range), re-reads the records from the stream while it keeps
 * them, else from the raw archive, and applies them. Safe to run any number of times: a bar is the
 * fold of a set of trades, so applying a record again changes nothing.
 */
export function redriveCommand(
  environment: EnvironmentName,
  consumer: StreamConsumerService,
): string {
  return `npm run redrive -- --env ${environment} --consumer ${consumer}`;
}
