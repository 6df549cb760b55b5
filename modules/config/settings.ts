/** The three environments this platform is deployed to. The stack name is the environment name. */
export const ENVIRONMENT_NAMES = ["dev", "staging", "production"] as const;

export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** The only region the platform is deployed to. */
export const REGION = "us-east-1";

/** An S3 storage-class transition of the raw archive. */
export interface ArchiveTransition {
  /** Days after creation before objects move. */
  readonly afterDays: number;
  readonly storageClass: "STANDARD_IA" | "GLACIER_IR" | "GLACIER" | "DEEP_ARCHIVE";
}

/** DynamoDB capacity. Provisioned mode always comes with auto scaling. */
export type TableCapacity =
  | {
      readonly mode: "on-demand";
      /** Throughput cap in read request units per second, so a runaway client cannot run up the bill. */
      readonly maxReadRequestUnits: number;
      /** Throughput cap in write request units per second. */
      readonly maxWriteRequestUnits: number;
    }
  | {
      readonly mode: "provisioned";
      /** Read capacity units the table starts with and never scales below. */
      readonly readCapacityUnits: number;
      /** Write capacity units the table starts with and never scales below. */
      readonly writeCapacityUnits: number;
      /** Auto-scaling ceiling for reads. */
      readonly maxReadCapacityUnits: number;
      /** Auto-scaling ceiling for writes. */
      readonly maxWriteCapacityUnits: number;
      /** Target utilisation of the target-tracking policies, in percent. */
      readonly targetUtilizationPercent: number;
    };

/** Everything that differs between environments. Values an operator sets per deployment live in Pulumi config instead. */
export interface EnvironmentSettings {
  readonly name: EnvironmentName;
  readonly region: typeof REGION;
  readonly network: {
    /** The VPC's IPv4 range; distinct per environment so the VPCs could be peered one day. */
    readonly cidrBlock: string;
    readonly availabilityZoneCount: number;
    /** Prefix length of each private subnet. */
    readonly subnetCidrMask: number;
    /** VPC flow logs into CloudWatch Logs. */
    readonly flowLogs: boolean;
  };
  readonly lambda: {
    /** Memory of every function, in MB. CPU scales with it. */
    readonly memoryMb: number;
    /** Timeout of the two stream consumers, in seconds. */
    readonly streamConsumerTimeoutSeconds: number;
    /** Timeout of the analytics API, in seconds. */
    readonly apiTimeoutSeconds: number;
    /** Reserved concurrency of each stream consumer; must cover shards x parallelisation factor. */
    readonly streamConsumerReservedConcurrency: number;
    /** Reserved concurrency of the analytics API: a cap on its load on the table and the account. */
    readonly apiReservedConcurrency: number;
    /** Concurrent batches per shard of the processor's event source mapping (1-10). */
    readonly parallelizationFactor: number;
    /** Records per batch of the processor's event source mapping. */
    readonly batchSize: number;
  };
  /**
   * The archiver's event source mapping. Each batch becomes one archive object, and S3 lifecycle
   * transitions skip objects under 128 KB, so these are sized for objects above that at the
   * environment's expected rate (see `scripts/plan/cost-model.ts`). The window is also how far the
   * archive trails the stream.
   */
  readonly archiver: {
    /** Records per batch, so per archive object at most (1-10,000). */
    readonly batchSize: number;
    /** How long the mapping gathers records before invoking, in seconds (0-300). */
    readonly batchingWindowSeconds: number;
    /** Concurrent batches per shard (1-10); each batch is an object of its own. */
    readonly parallelizationFactor: number;
  };
  /** CloudWatch Logs retention of every log group, in days. */
  readonly logRetentionDays: number;
  readonly table: {
    readonly capacity: TableCapacity;
    readonly pointInTimeRecovery: boolean;
    /** Bars expire by TTL this many days after their minute. */
    readonly barRetentionDays: number;
  };
  readonly archive: {
    /** Versioning is on only where the raw archive is the system of record (production). */
    readonly versioning: boolean;
    readonly transitions: readonly ArchiveTransition[];
    /** Objects are deleted this many days after creation. @default - kept until deleted by hand */
    readonly expireAfterDays?: number;
    /** Older versions are deleted this many days after they stop being current (versioned buckets only). */
    readonly noncurrentVersionExpireAfterDays?: number;
  };
  readonly stream: {
    readonly shardCount: number;
    /**
     * How long Kinesis keeps records, in hours (24-168): how long an operator can replay a parked
     * batch from the stream (`npm run redrive`), and the archiver's deadline, since a batch it
     * parked is in the stream only. 24 hours come with the shard; 25-168 is extended retention,
     * billed per shard-hour whatever the number of hours.
     */
    readonly retentionHours: number;
  };
  readonly queues: {
    /**
     * How long the dead-letter queues keep a parked batch's pointer, in seconds (60-1,209,600): at
     * least the stream's retention, so no pointer vanishes while its records can still be replayed.
     */
    readonly dlqRetentionSeconds: number;
  };
  /** Whether alarms send to the alarm topic. In dev they still change state, visibly, without paging anyone. */
  readonly alarmsNotify: boolean;
}

const FOURTEEN_DAYS_SECONDS = 14 * 24 * 60 * 60;

const STANDARD_TRANSITIONS: readonly ArchiveTransition[] = [
  { afterDays: 30, storageClass: "STANDARD_IA" },
  { afterDays: 90, storageClass: "GLACIER_IR" },
];

/** The settings table. Staging's capacity is half of production's; dev runs the minimum. */
export const ENVIRONMENT_SETTINGS: Readonly<Record<EnvironmentName, EnvironmentSettings>> = {
  dev: {
    name: "dev",
    region: REGION,
    network: {
      cidrBlock: "10.10.0.0/16",
      availabilityZoneCount: 2,
      subnetCidrMask: 20,
      flowLogs: false,
    },
    lambda: {
      memoryMb: 512,
      streamConsumerTimeoutSeconds: 60,
      apiTimeoutSeconds: 10,
      streamConsumerReservedConcurrency: 1,
      apiReservedConcurrency: 5,
      parallelizationFactor: 1,
      batchSize: 500,
    },
    // Dev's trickle makes objects of about 1 KB even at the longest window, so it keeps the short one.
    archiver: { batchSize: 500, batchingWindowSeconds: 5, parallelizationFactor: 1 },
    logRetentionDays: 7,
    table: {
      capacity: { mode: "on-demand", maxReadRequestUnits: 100, maxWriteRequestUnits: 100 },
      pointInTimeRecovery: false,
      barRetentionDays: 7,
    },
    // Dev's objects stay under 128 KB, which S3 lifecycle never transitions: no tiering, only expiry.
    archive: { versioning: false, transitions: [], expireAfterDays: 60 },
    stream: { shardCount: 1, retentionHours: 24 },
    queues: { dlqRetentionSeconds: FOURTEEN_DAYS_SECONDS },
    alarmsNotify: false,
  },
  staging: {
    name: "staging",
    region: REGION,
    network: {
      cidrBlock: "10.20.0.0/16",
      availabilityZoneCount: 2,
      subnetCidrMask: 20,
      flowLogs: false,
    },
    lambda: {
      memoryMb: 1024,
      streamConsumerTimeoutSeconds: 60,
      apiTimeoutSeconds: 10,
      streamConsumerReservedConcurrency: 4,
      apiReservedConcurrency: 25,
      parallelizationFactor: 2,
      batchSize: 500,
    },
    // About 10 records/s per shard: 300 s make objects of about 240 KB gzip.
    archiver: { batchSize: 10_000, batchingWindowSeconds: 300, parallelizationFactor: 1 },
    logRetentionDays: 30,
    table: {
      capacity: { mode: "on-demand", maxReadRequestUnits: 1000, maxWriteRequestUnits: 1000 },
      pointInTimeRecovery: true,
      barRetentionDays: 30,
    },
    archive: { versioning: false, transitions: STANDARD_TRANSITIONS },
    // Three days: a batch parked on Friday evening can still be replayed from the stream on Monday.
    stream: { shardCount: 2, retentionHours: 72 },
    queues: { dlqRetentionSeconds: FOURTEEN_DAYS_SECONDS },
    alarmsNotify: true,
  },
  production: {
    name: "production",
    region: REGION,
    network: {
      cidrBlock: "10.30.0.0/16",
      availabilityZoneCount: 3,
      subnetCidrMask: 20,
      flowLogs: true,
    },
    lambda: {
      memoryMb: 2048,
      streamConsumerTimeoutSeconds: 60,
      apiTimeoutSeconds: 10,
      streamConsumerReservedConcurrency: 8,
      apiReservedConcurrency: 50,
      parallelizationFactor: 2,
      batchSize: 500,
    },
    // About 15 records/s per shard: 120 s make objects of about 280 KB gzip.
    archiver: { batchSize: 10_000, batchingWindowSeconds: 120, parallelizationFactor: 1 },
    logRetentionDays: 90,
    table: {
      capacity: {
        mode: "provisioned",
        readCapacityUnits: 50,
        writeCapacityUnits: 50,
        maxReadCapacityUnits: 2000,
        maxWriteCapacityUnits: 2000,
        targetUtilizationPercent: 70,
      },
      pointInTimeRecovery: true,
      barRetentionDays: 400,
    },
    archive: {
      versioning: true,
      transitions: STANDARD_TRANSITIONS,
      noncurrentVersionExpireAfterDays: 30,
    },
    // The longest extended retention: a week to notice, fix and replay.
    stream: { shardCount: 4, retentionHours: 168 },
    queues: { dlqRetentionSeconds: FOURTEEN_DAYS_SECONDS },
    alarmsNotify: true,
  },
};

export function isEnvironmentName(value: string): value is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(value);
}

/** The settings of one environment; an unknown name throws a message that lists the valid ones. */
export function environmentSettings(name: string): EnvironmentSettings {
  if (!isEnvironmentName(name)) {
    throw new Error(
      `Unknown environment "${name}". Use one of: ${ENVIRONMENT_NAMES.join(", ")} (the stack name is the environment name).`,
    );
  }
  return ENVIRONMENT_SETTINGS[name];
}

/**
 * Kinesis keeps records 24 hours with the shard price; up to 168 hours is extended retention,
 * billed per shard-hour; beyond that is long-term retention, billed per GB-month, which the cost
 * model does not price (https://aws.amazon.com/kinesis/data-streams/pricing/,
 * https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html).
 */
export const STREAM_RETENTION_HOURS = { minimum: 24, maximum: 168 } as const;

/** SQS keeps messages 60 seconds to 14 days (`MessageRetentionPeriod`, SQS API reference). */
export const QUEUE_RETENTION_SECONDS = { minimum: 60, maximum: 1_209_600 } as const;

/**
 * Lambda's bounds for a Kinesis event source mapping: `BatchSize` up to 10,000,
 * `MaximumBatchingWindowInSeconds` 0-300, `ParallelizationFactor` 1-10
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html).
 */
export const KINESIS_MAPPING_LIMITS = {
  maximumBatchSize: 10_000,
  maximumBatchingWindowSeconds: 300,
  maximumParallelizationFactor: 10,
} as const;

function checkWholeNumber(
  settings: EnvironmentSettings,
  setting: string,
  value: number,
  [minimum, maximum]: readonly [number, number],
  unit: string,
  why: string,
): void {
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new Error(
      `${setting} is ${value} in ${settings.name}: use a whole number of ${unit} from ${minimum.toLocaleString("en-US")} to ${maximum.toLocaleString("en-US")} (${why}). Change ${setting} in the ${settings.name} settings.`,
    );
  }
}

/**
 * Checks how failed batches can be replayed and how the archiver batches, before anything is
 * registered: values AWS would reject, stream retention the cost model does not price, and
 * dead-letter queues that would drop a pointer while its records are still in the stream.
 */
export function assertDeliverySettings(settings: EnvironmentSettings): void {
  const { stream, queues, archiver } = settings;
  checkWholeNumber(
    settings,
    "stream.retentionHours",
    stream.retentionHours,
    [STREAM_RETENTION_HOURS.minimum, STREAM_RETENTION_HOURS.maximum],
    "hours",
    "24 come with the shard, up to 168 is extended retention billed per shard-hour; longer is long-term retention billed per GB-month, which the cost model does not price",
  );
  checkWholeNumber(
    settings,
    "queues.dlqRetentionSeconds",
    queues.dlqRetentionSeconds,
    [QUEUE_RETENTION_SECONDS.minimum, QUEUE_RETENTION_SECONDS.maximum],
    "seconds",
    "what SQS allows, 14 days at most",
  );
  const streamSeconds = stream.retentionHours * 3600;
  if (queues.dlqRetentionSeconds < streamSeconds) {
    throw new Error(
      `queues.dlqRetentionSeconds is ${queues.dlqRetentionSeconds} in ${settings.name}, less than the stream keeps records (${stream.retentionHours} hours = ${streamSeconds} seconds): a parked batch's pointer would vanish while its records could still be replayed. Raise queues.dlqRetentionSeconds to at least ${streamSeconds}, or lower stream.retentionHours, in the ${settings.name} settings.`,
    );
  }
  checkWholeNumber(
    settings,
    "archiver.batchSize",
    archiver.batchSize,
    [1, KINESIS_MAPPING_LIMITS.maximumBatchSize],
    "records",
    "Lambda's range for a Kinesis batch",
  );
  checkWholeNumber(
    settings,
    "archiver.batchingWindowSeconds",
    archiver.batchingWindowSeconds,
    [0, KINESIS_MAPPING_LIMITS.maximumBatchingWindowSeconds],
    "seconds",
    "Lambda's range for MaximumBatchingWindowInSeconds",
  );
  checkWholeNumber(
    settings,
    "archiver.parallelizationFactor",
    archiver.parallelizationFactor,
    [1, KINESIS_MAPPING_LIMITS.maximumParallelizationFactor],
    "batches",
    "Lambda's range for ParallelizationFactor",
  );
}
