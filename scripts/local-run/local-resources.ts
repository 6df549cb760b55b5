import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import { CreateStreamCommand, DescribeStreamCommand, type Shard } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import {
  REGION,
  type EnvironmentName,
  type EnvironmentSettings,
} from "../../modules/config/settings";
import { namerFor } from "../../modules/naming/physical-name";
import type { LocalClients } from "../local-aws/local-clients";

/** The environmentSuffix of every local deployment. */
export const LOCAL_SUFFIX = "local";

/** Account id of the local services (what kinesalite puts into stream ARNs). */
export const LOCAL_ACCOUNT_ID = "000000000000";

/** The TTL attribute of the analytics table (epoch seconds). */
export const TTL_ATTRIBUTE = "expiresAt";

export interface LocalNames {
  readonly stream: string;
  readonly table: string;
  readonly bucket: string;
  readonly functions: {
    readonly processor: string;
    readonly archiver: string;
    readonly api: string;
  };
  readonly roles: {
    readonly processor: string;
    readonly archiver: string;
    readonly api: string;
  };
}

/** The physical names of one environment's resources, as deployed with the suffix `local`. */
export function localNames(environment: EnvironmentName): LocalNames {
  const namer = namerFor({ environment, region: REGION, suffix: LOCAL_SUFFIX });
  return {
    stream: namer("kinesis-stream", "market-data"),
    table: namer("dynamodb-table", "market-analytics"),
    bucket: namer("s3-bucket", "market-archive"),
    functions: {
      processor: namer("lambda-function", "market-processor"),
      archiver: namer("lambda-function", "market-archiver"),
      api: namer("lambda-function", "analytics-api"),
    },
    roles: {
      processor: namer("iam-role", "market-processor"),
      archiver: namer("iam-role", "market-archiver"),
      api: namer("iam-role", "analytics-api"),
    },
  };
}

export function roleArn(roleName: string): string {
  return `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${roleName}`;
}

export interface LocalStream {
  readonly streamName: string;
  readonly streamArn: string;
  readonly shardIds: readonly string[];
}

export interface CreatedResources {
  readonly stream: LocalStream;
  readonly tableName: string;
  readonly bucketName: string;
  /**
   * Whether TTL on `expiresAt` is switched on: DynamoDB Local does, dynalite (the fallback without
   * Java 17) does not implement UpdateTimeToLive.
   */
  readonly ttlEnabled: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} did not become ready within 30 seconds.`);
    }
    await sleep(25);
  }
}

/** Table definition: pk/sk strings; billing mode and capacity as the environment's settings say. */
export function tableDefinition(
  tableName: string,
  settings: EnvironmentSettings,
): CreateTableCommandInput {
  const capacity = settings.table.capacity;
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    ...(capacity.mode === "on-demand"
      ? { BillingMode: "PAY_PER_REQUEST" }
      : {
          BillingMode: "PROVISIONED",
          ProvisionedThroughput: {
            ReadCapacityUnits: capacity.readCapacityUnits,
            WriteCapacityUnits: capacity.writeCapacityUnits,
          },
        }),
  };
}

/**
 * Creates the environment's stream (its shard count), table (pk/sk, TTL on `expiresAt`, checked
 * with DescribeTimeToLive) and bucket on the local services, and waits until they are active.
 */
export async function createLocalResources(
  clients: LocalClients,
  settings: EnvironmentSettings,
): Promise<CreatedResources> {
  const names = localNames(settings.name);
  await clients.kinesis.send(
    new CreateStreamCommand({ StreamName: names.stream, ShardCount: settings.stream.shardCount }),
  );
  await clients.dynamodb.send(new CreateTableCommand(tableDefinition(names.table, settings)));
  await clients.s3.send(new CreateBucketCommand({ Bucket: names.bucket }));

  const description = await until(`Stream ${names.stream}`, async () => {
    const response = await clients.kinesis.send(
      new DescribeStreamCommand({ StreamName: names.stream }),
    );
    return response.StreamDescription?.StreamStatus === "ACTIVE"
      ? response.StreamDescription
      : undefined;
  });
  await until(`Table ${names.table}`, async () => {
    const response = await clients.dynamodb.send(
      new DescribeTableCommand({ TableName: names.table }),
    );
    return response.Table?.TableStatus === "ACTIVE" ? true : undefined;
  });
  let ttlEnabled = true;
  try {
    await clients.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: names.table,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    const name = typeof error === "object" && error !== null && "name" in error ? error.name : "";
    if (name !== "UnknownOperationException") {
      throw error;
    }
    ttlEnabled = false;
  }
  if (ttlEnabled) {
    const described = await clients.dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: names.table }),
    );
    const { AttributeName, TimeToLiveStatus } = described.TimeToLiveDescription ?? {};
    if (
      AttributeName !== TTL_ATTRIBUTE ||
      (TimeToLiveStatus !== "ENABLED" && TimeToLiveStatus !== "ENABLING")
    ) {
      throw new Error(
        `TTL of table ${names.table} is ${TimeToLiveStatus ?? "unknown"} on ${AttributeName ?? "no attribute"} after UpdateTimeToLive; expected ENABLED on ${TTL_ATTRIBUTE}.`,
      );
    }
  }
  const shards: Shard[] = description.Shards ?? [];
  if (!description.StreamARN || shards.length !== settings.stream.shardCount) {
    throw new Error(
      `Stream ${names.stream} came up with ${shards.length} shard(s), expected ${settings.stream.shardCount}.`,
    );
  }
  return {
    stream: {
      streamName: names.stream,
      streamArn: description.StreamARN,
      shardIds: shards.map((shard) => shard.ShardId ?? ""),
    },
    tableName: names.table,
    bucketName: names.bucket,
    ttlEnabled,
  };
}
