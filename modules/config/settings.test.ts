import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  environmentSettings,
  isEnvironmentName,
  REGION,
  type EnvironmentName,
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
  ["batch size", (env) => ENVIRONMENT_SETTINGS[env].lambda.batchSize, [500, 500, 500]],
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
    [24, 24, 24],
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
      [{ afterDays: 30, storageClass: "STANDARD_IA" }],
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
      { mode: "on-demand", maxReadRequestUnits: 1000, maxWriteRequestUnits: 500 },
      {
        mode: "provisioned",
        readCapacityUnits: 50,
        writeCapacityUnits: 50,
        maxReadCapacityUnits: 2000,
        maxWriteCapacityUnits: 1000,
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
