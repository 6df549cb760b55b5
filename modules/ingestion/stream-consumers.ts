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
