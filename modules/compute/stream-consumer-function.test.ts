import { ENVIRONMENT_SETTINGS } from "../config/settings";
import {
  ARCHIVER_RETRY_POLICY,
  assertRetryPolicy,
  MAXIMUM_RETRY_ATTEMPTS,
  PROCESSOR_RETRY_POLICY,
  type RetryPolicy,
} from "./stream-consumer-function";

describe("retry policies", () => {
  test("both consumers retry up to Lambda's maximum; the record age bounds the time", () => {
    expect(MAXIMUM_RETRY_ATTEMPTS).toBe(10_000);
    expect(PROCESSOR_RETRY_POLICY).toEqual({
      maximumRetryAttempts: 10_000,
      maximumRecordAgeSeconds: 900,
    });
    expect(ARCHIVER_RETRY_POLICY).toEqual({
      maximumRetryAttempts: 10_000,
      maximumRecordAgeSeconds: 3600,
    });
  });

  test.each(Object.values(ENVIRONMENT_SETTINGS))(
    "$name: a parked batch is still in the stream when its pointer lands in the queue",
    (settings) => {
      for (const policy of [PROCESSOR_RETRY_POLICY, ARCHIVER_RETRY_POLICY]) {
        expect(policy.maximumRecordAgeSeconds).toBeLessThan(settings.stream.retentionHours * 3600);
        expect(() => assertRetryPolicy("consumer", policy, settings)).not.toThrow();
      }
    },
  );
});

describe("assertRetryPolicy", () => {
  const production = ENVIRONMENT_SETTINGS.production;
  const dev = ENVIRONMENT_SETTINGS.dev;
  const policy = (maximumRetryAttempts: number, maximumRecordAgeSeconds: number): RetryPolicy => ({
    maximumRetryAttempts,
    maximumRecordAgeSeconds,
  });
  const attemptsMessage = (value: number) =>
    `market-processor: maximumRetryAttempts ${value} is invalid: Lambda takes -1 (retry until the records expire) or a whole number from 0 to 10,000.`;
  const ageMessage = (value: number) =>
    `market-processor: maximumRecordAgeSeconds ${value} is invalid: use whole seconds from 60 to 604,800. -1 (until the stream drops the records) is Lambda's default but would park nothing for replay.`;

  test.each([
    ["-1 attempts (until the record age)", policy(-1, 900)],
    ["0 attempts", policy(0, 900)],
    ["10,000 attempts", policy(10_000, 900)],
    ["a 60 s record age", policy(10, 60)],
    ["a record age one second below a week's retention", policy(10, 604_799)],
  ])("accepts %s in production", (_case, retry) => {
    expect(() => assertRetryPolicy("market-processor", retry, production)).not.toThrow();
  });

  test.each([
    ["-2 attempts", policy(-2, 900), attemptsMessage(-2)],
    ["10,001 attempts", policy(10_001, 900), attemptsMessage(10_001)],
    ["fractional attempts", policy(2.5, 900), attemptsMessage(2.5)],
    ["an unbounded record age", policy(10, -1), ageMessage(-1)],
    ["a 59 s record age", policy(10, 59), ageMessage(59)],
    ["a record age beyond Lambda's week", policy(10, 604_801), ageMessage(604_801)],
    [
      "a record age equal to a week's retention",
      policy(10, 604_800),
      "market-processor: maximumRecordAgeSeconds 604800 is not below the production stream's retention (168 hours = 604800 seconds): records would leave the stream before their batch is parked, leaving nothing to redrive. Lower maximumRecordAgeSeconds or raise stream.retentionHours in the production settings.",
    ],
  ])("rejects %s in production", (_case, retry, message) => {
    expect(() => assertRetryPolicy("market-processor", retry, production)).toThrow(
      new Error(message),
    );
  });

  test("rejects a record age that dev's 24 hours of retention cannot hold", () => {
    expect(() => assertRetryPolicy("market-archiver", policy(10, 86_400), dev)).toThrow(
      new Error(
        "market-archiver: maximumRecordAgeSeconds 86400 is not below the dev stream's retention (24 hours = 86400 seconds): records would leave the stream before their batch is parked, leaving nothing to redrive. Lower maximumRecordAgeSeconds or raise stream.retentionHours in the dev settings.",
      ),
    );
    expect(() => assertRetryPolicy("market-archiver", policy(10, 86_399), dev)).not.toThrow();
  });
});
