import {
  assertDeliverySettings,
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  environmentSettings,
  isEnvironmentName,
  REGION,
  type EnvironmentName,
  type EnvironmentSettings,
} from "./settings";

const FOURTEEN_DAYS_SECONDS = 1_209_600;

/** The design table, one row per setting, one column per environment. */
const DESIGN_TABLE: readonly [
  string,
  (env: EnvironmentName) => unknown,
  [unknown, unknown, unknown],
][] = [
  ["Lambda memory (MB)", (env) => ENVIRONMENT_SETTINGS[env].lambda.memoryMb, [512, 1024, 2048]],
  ["log retention (days)", (env) => ENVIRONMENT_SETTINGS[env].logRetentionDays, [7, 30, 90]],
  [
    "DynamoDB billing",
    (env) => ENVIRONMENT_SETTINGS[env].table.capacity.mode,
    ["on-demand", "on-demand", "provisioned"],
  ],
  ["S3 versioning", (env) => ENVIRONMENT_SETTINGS[env].archive.versioning, [false, false, true]],
  [
    "VPC CIDR",
    (env) => ENVIRONMENT_SETTINGS[env].network.cidrBlock,
    ["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16"],
  ],
  [
    "availability zones",
    (env) => ENVIRONMENT_SETTINGS[env].network.availabilityZoneCount,
    [2, 2, 3],
  ],
  ["stream shards", (env) => ENVIRONMENT_SETTINGS[env].stream.shardCount, [1, 2, 4]],
  [
    "stream consumer reserved concurrency",
    (env) => ENVIRONMENT_SETTINGS[env].lambda.streamConsumerReservedConcurrency,
    [1, 4, 8],
  ],
  [
    "API reserved concurrency",
    (env) => ENVIRONMENT_SETTINGS[env].lambda.apiReservedConcurrency,
    [5, 25, 50],
  ],
  [
    "parallelization factor",
    (env) => ENVIRONMENT_SETTINGS[env].lambda.parallelizationFactor,
    [1, 2, 2],
  ],
  [
    "stream consumer timeout (s)",
    (env) => ENVIRONMENT_SETTINGS[env].lambda.streamConsumerTimeoutSeconds,
    [60, 60, 60],
  ],
  ["API timeout (s)", (env) => ENVIRONMENT_SETTINGS[env].lambda.apiTimeoutSeconds, [10, 10, 10]],
  ["processor batch size", (env) => ENVIRONMENT_SETTINGS[env].lambda.batchSize, [500, 500, 500]],
  [
    "archiver batch size",
    (env) => ENVIRONMENT_SETTINGS[env].archiver.batchSize,
    [500, 10_000, 10_000],
  ],
  [
    "archiver batching window (s)",
    (env) => ENVIRONMENT_SETTINGS[env].archiver.batchingWindowSeconds,
    [5, 300, 120],
  ],
  [
    "archiver parallelization factor",
    (env) => ENVIRONMENT_SETTINGS[env].archiver.parallelizationFactor,
    [1, 1, 1],
  ],
  [
    "point-in-time recovery",
    (env) => ENVIRONMENT_SETTINGS[env].table.pointInTimeRecovery,
    [false, true, true],
  ],
  ["bar retention (days)", (env) => ENVIRONMENT_SETTINGS[env].table.barRetentionDays, [7, 30, 400]],
  ["alarms notify", (env) => ENVIRONMENT_SETTINGS[env].alarmsNotify, [false, true, true]],
  ["flow logs", (env) => ENVIRONMENT_SETTINGS[env].network.flowLogs, [false, false, true]],
  ["subnet mask", (env) => ENVIRONMENT_SETTINGS[env].network.subnetCidrMask, [20, 20, 20]],
  [
    "stream retention (hours)",
    (env) => ENVIRONMENT_SETTINGS[env].stream.retentionHours,
    [24, 72, 168],
  ],
  [
    "DLQ retention (seconds)",
    (env) => ENVIRONMENT_SETTINGS[env].queues.dlqRetentionSeconds,
    [FOURTEEN_DAYS_SECONDS, FOURTEEN_DAYS_SECONDS, FOURTEEN_DAYS_SECONDS],
  ],
  [
    "archive expiry (days)",
    (env) => ENVIRONMENT_SETTINGS[env].archive.expireAfterDays,
    [60, undefined, undefined],
  ],
  [
    "noncurrent version expiry (days)",
    (env) => ENVIRONMENT_SETTINGS[env].archive.noncurrentVersionExpireAfterDays,
    [undefined, undefined, 30],
  ],
  [
    "archive transitions",
    (env) => ENVIRONMENT_SETTINGS[env].archive.transitions,
    [
      [],
      [
        { afterDays: 30, storageClass: "STANDARD_IA" },
        { afterDays: 90, storageClass: "GLACIER_IR" },
      ],
      [
        { afterDays: 30, storageClass: "STANDARD_IA" },
        { afterDays: 90, storageClass: "GLACIER_IR" },
      ],
    ],
  ],
  [
    "table capacity",
    (env) => ENVIRONMENT_SETTINGS[env].table.capacity,
    [
      { mode: "on-demand", maxReadRequestUnits: 100, maxWriteRequestUnits: 100 },
      { mode: "on-demand", maxReadRequestUnits: 1000, maxWriteRequestUnits: 1000 },
      {
        mode: "provisioned",
        readCapacityUnits: 50,
        writeCapacityUnits: 50,
        maxReadCapacityUnits: 2000,
        maxWriteCapacityUnits: 2000,
        targetUtilizationPercent: 70,
      },
    ],
  ],
];

describe("the settings table", () => {
  test("has exactly dev, staging and production, each under its own name in us-east-1", () => {
    expect(ENVIRONMENT_NAMES).toEqual(["dev", "staging", "production"]);
    expect(Object.keys(ENVIRONMENT_SETTINGS)).toEqual(["dev", "staging", "production"]);
    for (const env of ENVIRONMENT_NAMES) {
      expect(ENVIRONMENT_SETTINGS[env].name).toBe(env);
      expect(ENVIRONMENT_SETTINGS[env].region).toBe("us-east-1");
    }
    expect(REGION).toBe("us-east-1");
  });

  describe.each(DESIGN_TABLE)("%s", (_setting, read, [dev, staging, production]) => {
    test.each([
      ["dev", dev],
      ["staging", staging],
      ["production", production],
    ] as const)("%s", (env, value) => {
      expect(read(env)).toEqual(value);
    });
  });

  describe("staging's capacity is exactly half of production's", () => {
    const staging = ENVIRONMENT_SETTINGS.staging;
    const production = ENVIRONMENT_SETTINGS.production;

    test.each([
      ["stream shards", staging.stream.shardCount, production.stream.shardCount],
      [
        "stream consumer concurrency",
        staging.lambda.streamConsumerReservedConcurrency,
        production.lambda.streamConsumerReservedConcurrency,
      ],
      [
        "API concurrency",
        staging.lambda.apiReservedConcurrency,
        production.lambda.apiReservedConcurrency,
      ],
    ])("%s", (_name, half, full) => {
      expect(half * 2).toBe(full);
    });

    test("table throughput: staging's on-demand caps are half of production's scaling maximum", () => {
      const s = staging.table.capacity;
      const p = production.table.capacity;
      if (s.mode !== "on-demand" || p.mode !== "provisioned") {
        throw new Error("staging must be on-demand and production provisioned");
      }
      expect(s.maxReadRequestUnits * 2).toBe(p.maxReadCapacityUnits);
      expect(s.maxWriteRequestUnits * 2).toBe(p.maxWriteCapacityUnits);
    });
  });

  test.each(ENVIRONMENT_NAMES)(
    "%s: each stream consumer's reserved concurrency covers shards x parallelization factor",
    (env) => {
      const { lambda, stream } = ENVIRONMENT_SETTINGS[env];
      expect(lambda.streamConsumerReservedConcurrency).toBeGreaterThanOrEqual(
        stream.shardCount * lambda.parallelizationFactor,
      );
    },
  );

  test.each(ENVIRONMENT_NAMES)(
    "%s: each stream consumer's reserved concurrency covers shards x the archiver's parallelization factor",
    (env) => {
      const { lambda, stream, archiver } = ENVIRONMENT_SETTINGS[env];
      expect(lambda.streamConsumerReservedConcurrency).toBeGreaterThanOrEqual(
        stream.shardCount * archiver.parallelizationFactor,
      );
    },
  );

  test.each(ENVIRONMENT_NAMES)(
    "%s: the dead-letter queues keep a pointer at least as long as the stream keeps its records",
    (env) => {
      const { stream, queues } = ENVIRONMENT_SETTINGS[env];
      expect(queues.dlqRetentionSeconds).toBeGreaterThanOrEqual(stream.retentionHours * 3600);
    },
  );

  test.each(ENVIRONMENT_NAMES)("%s: delivery settings are valid", (env) => {
    expect(() => assertDeliverySettings(ENVIRONMENT_SETTINGS[env])).not.toThrow();
  });

  test.each(ENVIRONMENT_NAMES)("%s: the auto-scaling ceiling is above the base capacity", (env) => {
    const capacity = ENVIRONMENT_SETTINGS[env].table.capacity;
    if (capacity.mode === "provisioned") {
      expect(capacity.maxReadCapacityUnits).toBeGreaterThan(capacity.readCapacityUnits);
      expect(capacity.maxWriteCapacityUnits).toBeGreaterThan(capacity.writeCapacityUnits);
    } else {
      expect(capacity.mode).toBe("on-demand");
    }
  });
});

describe("environmentSettings", () => {
  test.each(ENVIRONMENT_NAMES)("returns the row of %s", (env) => {
    expect(environmentSettings(env)).toBe(ENVIRONMENT_SETTINGS[env]);
  });

  test.each(["qa", "Dev", "prod", "", "dev "])("rejects %j and lists the valid names", (name) => {
    expect(() => environmentSettings(name)).toThrow(
      `Unknown environment "${name}". Use one of: dev, staging, production (the stack name is the environment name).`,
    );
  });

  test.each([
    ["dev", true],
    ["staging", true],
    ["production", true],
    ["prod", false],
    ["toString", false],
  ])("isEnvironmentName(%j) is %s", (name, expected) => {
    expect(isEnvironmentName(name)).toBe(expected);
  });
});

describe("assertDeliverySettings", () => {
  type Change = (settings: EnvironmentSettings) => EnvironmentSettings;
  const stream =
    (retentionHours: number, dlqRetentionSeconds = 1_209_600): Change =>
    (settings) => ({
      ...settings,
      stream: { ...settings.stream, retentionHours },
      queues: { dlqRetentionSeconds },
    });
  const queue =
    (dlqRetentionSeconds: number): Change =>
    (settings) => ({ ...settings, queues: { dlqRetentionSeconds } });
  const archiver =
    (change: Partial<EnvironmentSettings["archiver"]>): Change =>
    (settings) => ({ ...settings, archiver: { ...settings.archiver, ...change } });

  const retentionMessage = (value: number) =>
    `stream.retentionHours is ${value} in production: use a whole number of hours from 24 to 168 (24 come with the shard, up to 168 is extended retention billed per shard-hour; longer is long-term retention billed per GB-month, which the cost model does not price). Change stream.retentionHours in the production settings.`;
  const queueMessage = (value: number) =>
    `queues.dlqRetentionSeconds is ${value} in production: use a whole number of seconds from 60 to 1,209,600 (what SQS allows, 14 days at most). Change queues.dlqRetentionSeconds in the production settings.`;
  const archiverMessage = (setting: string, value: number, range: string, why: string) =>
    `archiver.${setting} is ${value} in production: use a whole number of ${range} (${why}). Change archiver.${setting} in the production settings.`;
  const batchSize = (value: number) =>
    archiverMessage(
      "batchSize",
      value,
      "records from 1 to 10,000",
      "Lambda's range for a Kinesis batch",
    );
  const window = (value: number) =>
    archiverMessage(
      "batchingWindowSeconds",
      value,
      "seconds from 0 to 300",
      "Lambda's range for MaximumBatchingWindowInSeconds",
    );
  const factor = (value: number) =>
    archiverMessage(
      "parallelizationFactor",
      value,
      "batches from 1 to 10",
      "Lambda's range for ParallelizationFactor",
    );

  test.each<[string, Change]>([
    ["24 hours of stream retention", stream(24)],
    ["168 hours of stream retention", stream(168)],
    ["a queue keeping exactly the stream's retention", stream(72, 259_200)],
    ["a queue keeping 14 days", queue(1_209_600)],
    ["a batch of 1 record", archiver({ batchSize: 1 })],
    ["a batch of 10,000 records", archiver({ batchSize: 10_000 })],
    ["no batching window", archiver({ batchingWindowSeconds: 0 })],
    ["a 300 s window", archiver({ batchingWindowSeconds: 300 })],
    ["a parallelization factor of 10", archiver({ parallelizationFactor: 10 })],
  ])("accepts %s", (_case, change) => {
    expect(() => assertDeliverySettings(change(ENVIRONMENT_SETTINGS.production))).not.toThrow();
  });

  test.each<[string, Change, string]>([
    ["23 hours of stream retention", stream(23), retentionMessage(23)],
    ["169 hours of stream retention", stream(169), retentionMessage(169)],
    ["fractional hours", stream(36.5), retentionMessage(36.5)],
    ["a queue keeping 59 seconds", queue(59), queueMessage(59)],
    ["a queue keeping more than 14 days", queue(1_209_601), queueMessage(1_209_601)],
    [
      "a queue keeping one second less than the stream",
      stream(72, 259_199),
      "queues.dlqRetentionSeconds is 259199 in production, less than the stream keeps records (72 hours = 259200 seconds): a parked batch's pointer would vanish while its records could still be replayed. Raise queues.dlqRetentionSeconds to at least 259200, or lower stream.retentionHours, in the production settings.",
    ],
    ["a batch of 0 records", archiver({ batchSize: 0 }), batchSize(0)],
    ["a batch of 10,001 records", archiver({ batchSize: 10_001 }), batchSize(10_001)],
    ["a fractional batch", archiver({ batchSize: 2.5 }), batchSize(2.5)],
    ["a negative window", archiver({ batchingWindowSeconds: -1 }), window(-1)],
    ["a 301 s window", archiver({ batchingWindowSeconds: 301 }), window(301)],
    ["a parallelization factor of 0", archiver({ parallelizationFactor: 0 }), factor(0)],
    ["a parallelization factor of 11", archiver({ parallelizationFactor: 11 }), factor(11)],
  ])("rejects %s", (_case, change, message) => {
    expect(() => assertDeliverySettings(change(ENVIRONMENT_SETTINGS.production))).toThrow(
      new Error(message),
    );
  });
});
