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
    /** Concurrent batches per shard the event source mappings process (1-10). */
    readonly parallelizationFactor: number;
    /** Records per event source mapping batch. */
    readonly batchSize: number;
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
    /** How long Kinesis keeps records, in hours. */
    readonly retentionHours: number;
  };
  readonly queues: {
    /** How long the dead-letter queues keep a failed batch's pointer, in seconds. */
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
    logRetentionDays: 7,
    table: {
      capacity: { mode: "on-demand", maxReadRequestUnits: 100, maxWriteRequestUnits: 100 },
      pointInTimeRecovery: false,
      barRetentionDays: 7,
    },
    // Dev deletes raw data after 60 days, so only the transition that happens before then applies.
    archive: {
      versioning: false,
      transitions: [{ afterDays: 30, storageClass: "STANDARD_IA" }],
      expireAfterDays: 60,
    },
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
    logRetentionDays: 30,
    table: {
      capacity: { mode: "on-demand", maxReadRequestUnits: 1000, maxWriteRequestUnits: 500 },
      pointInTimeRecovery: true,
      barRetentionDays: 30,
    },
    archive: { versioning: false, transitions: STANDARD_TRANSITIONS },
    stream: { shardCount: 2, retentionHours: 24 },
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
    logRetentionDays: 90,
    table: {
      capacity: {
        mode: "provisioned",
        readCapacityUnits: 50,
        writeCapacityUnits: 50,
        maxReadCapacityUnits: 2000,
        maxWriteCapacityUnits: 1000,
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
    stream: { shardCount: 4, retentionHours: 24 },
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
