import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { environmentDirectory, stackName } from "../../environments/backends";
import { REGION, environmentSettings } from "../../modules/config/settings";
import type { EnvironmentName, EnvironmentSettings } from "../../modules/config/settings";

/**
 * Where the operator commands find an environment's resources and how they reach them.
 *
 * Names come from the stack outputs (`pulumi stack output --json`, run in `environments/<env>`, or
 * a file of that JSON passed with `--outputs`), never from a naming guess: a stack's suffix is
 * chosen per deployment. Settings the code needs (bar retention, batch sizes) come from the
 * environment's row of the settings table, as the deployed functions get them.
 *
 * Clients use the AWS SDK v3 defaults: the default credential chain (environment, SSO, profile,
 * instance role...), `AWS_REGION` (else the platform's region), and the standard
 * `AWS_ENDPOINT_URL_<SERVICE>` variables, which is how the tests point them at local emulators.
 */

/** The stack outputs the operator commands read. */
export interface StackTargets {
  readonly tableName: string;
  readonly bucketName: string;
  readonly streamName: string;
  readonly streamArn: string;
  /** Dead-letter queue URL per stream consumer service (`market-processor`, `market-archiver`). */
  readonly dlqUrls: Readonly<Record<"market-processor" | "market-archiver", string>>;
}

export class StackOutputsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackOutputsError";
  }
}

function text(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The targets in a `pulumi stack output --json` document; names what is missing. */
export function stackTargets(outputs: unknown, environment: EnvironmentName): StackTargets {
  const record = (typeof outputs === "object" && outputs !== null ? outputs : {}) as Record<
    string,
    unknown
  >;
  const queues = (
    typeof record.dlqUrls === "object" && record.dlqUrls !== null ? record.dlqUrls : {}
  ) as Record<string, unknown>;
  const found = {
    tableName: text(record, "tableName"),
    bucketName: text(record, "bucketName"),
    streamName: text(record, "streamName"),
    streamArn: text(record, "streamArn"),
    "dlqUrls.marketProcessor": text(queues, "marketProcessor"),
    "dlqUrls.marketArchiver": text(queues, "marketArchiver"),
  };
  const missing = Object.entries(found)
    .filter(([, value]) => value === undefined)
    .map(([key]) => key);
  if (missing.length > 0) {
    throw new StackOutputsError(
      `The ${environment} stack outputs lack ${missing.join(", ")} (they have: ${Object.keys(record).join(", ") || "nothing"}). Deploy the stack first, or pass --outputs with the JSON of \`pulumi stack output --json\`.`,
    );
  }
  return {
    tableName: found.tableName as string,
    bucketName: found.bucketName as string,
    streamName: found.streamName as string,
    streamArn: found.streamArn as string,
    dlqUrls: {
      "market-processor": found["dlqUrls.marketProcessor"] as string,
      "market-archiver": found["dlqUrls.marketArchiver"] as string,
    },
  };
}

/** Reads the stack outputs from `file`, or with the Pulumi CLI (logged in to the environment's backend). */
export function loadStackOutputs(
  environment: EnvironmentName,
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): unknown {
  if (file !== undefined) {
    let content: string;
    try {
      content = readFileSync(file, "utf8");
    } catch (error) {
      throw new StackOutputsError(
        `Cannot read --outputs ${file}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    try {
      return JSON.parse(content) as unknown;
    } catch {
      throw new StackOutputsError(
        `--outputs ${file} is not JSON; write it with \`pulumi stack output --json > ${file}\`.`,
      );
    }
  }
  const result = spawnSync(
    "pulumi",
    [
      "stack",
      "output",
      "--json",
      "--stack",
      stackName(environment),
      "--cwd",
      environmentDirectory(environment),
    ],
    { encoding: "utf8", env },
  );
  if (result.error !== undefined || result.status !== 0) {
    throw new StackOutputsError(
      `\`pulumi stack output --json\` failed for ${environment}: ${result.error?.message ?? result.stderr.trim()}. Log in to the environment's backend (PULUMI_BACKEND_URL) or pass --outputs <file>.`,
    );
  }
  return JSON.parse(result.stdout) as unknown;
}

/** The environment's targets and settings. */
export interface OperatorEnvironment {
  readonly name: EnvironmentName;
  readonly settings: EnvironmentSettings;
  readonly targets: StackTargets;
}

export function operatorEnvironment(
  environment: EnvironmentName,
  outputsFile: string | undefined,
  env: NodeJS.ProcessEnv,
): OperatorEnvironment {
  return {
    name: environment,
    settings: environmentSettings(environment),
    targets: stackTargets(loadStackOutputs(environment, outputsFile, env), environment),
  };
}

/** SDK clients from the default chain; `destroy()` closes their sockets. */
export interface OperatorClients {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly kinesis: KinesisClient;
  readonly sqs: SQSClient;
  destroy(): void;
}

export function operatorClients(env: NodeJS.ProcessEnv): OperatorClients {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? REGION;
  const dynamodb = new DynamoDBClient({ region });
  // A local S3 (an endpoint override) serves buckets by path, not by host name.
  const s3 = new S3Client({
    region,
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL),
  });
  // GetRecords needs no HTTP/2 (only SubscribeToShard does); HTTP/1.1 also reaches kinesalite.
  const kinesis = new KinesisClient({ region, requestHandler: new NodeHttpHandler() });
  const sqs = new SQSClient({ region });
  return {
    dynamodb,
    s3,
    kinesis,
    sqs,
    destroy() {
      dynamodb.destroy();
      s3.destroy();
      kinesis.destroy();
      sqs.destroy();
    },
  };
}
