import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import kinesalite from "kinesalite";
import S3rver from "s3rver";
import { sharedDynamoDbLocalEndpoint } from "./dynamodb-local";

/**
 * Local implementations of DynamoDB, S3 (s3rver) and Kinesis (kinesalite) on 127.0.0.1 with ports
 * chosen by the OS, for tests and the local run. The real AWS SDK clients reach them through the
 * standard `AWS_ENDPOINT_URL_<SERVICE>` variables.
 *
 * DynamoDB is the DynamoDB Local of the run (scripts/local-aws/dynamodb-local.ts), started once per test
 * run, `npm start` or `npm run bench` and shared through `DYNAMODB_LOCAL_ENDPOINT`: callers create
 * tables with names of their own. Without it (no Java 17), dynalite is started in-process instead.
 */

export type LocalService = "dynamodb" | "s3" | "kinesis";

export const LOCAL_REGION = "us-east-1";

/** s3rver accepts only this key pair; DynamoDB Local, dynalite and kinesalite accept any. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface LocalAwsOptions {
  /** @default - all three */
  readonly services?: readonly LocalService[];
  /**
   * Set `AWS_ENDPOINT_URL_*`, `AWS_REGION` and dummy credentials in `process.env` (restored by
   * `stop()`), so clients built from the environment, such as the handlers', use the local services.
   * @default true
   */
  readonly setEnv?: boolean;
}

export interface LocalAws {
  /** Endpoint URLs of the started services, e.g. `http://127.0.0.1:43121`. */
  readonly endpoints: Readonly<Partial<Record<LocalService, string>>>;
  /** The variables that point SDK clients at the services. */
  readonly env: Readonly<Record<string, string>>;
  readonly region: string;
  /**
   * Stops every service started here, deletes s3rver's directory and restores `process.env`. The
   * shared DynamoDB Local keeps running (with the tables created in it) for the rest of the run.
   */
  stop(): Promise<void>;
}

const ENDPOINT_VARIABLES: Record<LocalService, string> = {
  dynamodb: "AWS_ENDPOINT_URL_DYNAMODB",
  s3: "AWS_ENDPOINT_URL_S3",
  kinesis: "AWS_ENDPOINT_URL_KINESIS",
};

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

/** Starts the requested services. Always call `stop()` (in `afterAll` or `finally`). */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const services = options.services ?? ["dynamodb", "s3", "kinesis"];
  const stoppers: (() => Promise<void>)[] = [];
  const endpoints: Partial<Record<LocalService, string>> = {};
  try {
    if (services.includes("dynamodb")) {
      const shared = sharedDynamoDbLocalEndpoint();
      if (shared !== undefined) {
        endpoints.dynamodb = shared;
      } else {
        // Loaded only where it serves: most runs have DynamoDB Local.
        const { default: dynalite } = await import("dynalite");
        const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
        endpoints.dynamodb = await listen(server);
        stoppers.push(() => close(server));
      }
    }
    if (services.includes("kinesis")) {
      const server = kinesalite({
        createStreamMs: 0,
        deleteStreamMs: 0,
        updateStreamMs: 0,
        shardLimit: 100,
      });
      endpoints.kinesis = await listen(server);
      stoppers.push(() => close(server));
    }
    if (services.includes("s3")) {
      const directory = await mkdtemp(join(tmpdir(), "s3rver-"));
      const s3rver = new S3rver({
        address: "127.0.0.1",
        port: 0,
        silent: true,
        directory,
      });
      const { port } = await s3rver.run();
      endpoints.s3 = `http://127.0.0.1:${port}`;
      stoppers.push(async () => {
        await s3rver.close();
        await rm(directory, { recursive: true, force: true });
      });
    }
  } catch (error) {
    await Promise.allSettled(stoppers.map((stop) => stop()));
    throw error;
  }

  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  for (const service of services) {
    const endpoint = endpoints[service];
    if (endpoint !== undefined) {
      env[ENDPOINT_VARIABLES[service]] = endpoint;
    }
  }
  const previous = new Map<string, string | undefined>();
  if (options.setEnv ?? true) {
    for (const [name, value] of Object.entries(env)) {
      previous.set(name, process.env[name]);
      process.env[name] = value;
    }
  }

  let stopped = false;
  return {
    endpoints,
    env,
    region: LOCAL_REGION,
    async stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      for (const [name, value] of previous) {
        if (value === undefined) {
          delete process.env[name];
        } else {
          process.env[name] = value;
        }
      }
      const results = await Promise.allSettled(stoppers.map((stop) => stop()));
      const failure = results.find(
        (result): result is PromiseRejectedResult => result.status === "rejected",
      );
      if (failure !== undefined) {
        throw failure.reason;
      }
    },
  };
}

/** Client settings for a local endpoint: region and the dummy credentials. */
function clientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
}

function endpointOf(local: LocalAws, service: LocalService): string {
  const endpoint = local.endpoints[service];
  if (endpoint === undefined) {
    throw new Error(`${service} was not started; pass it in startLocalAws({ services })`);
  }
  return endpoint;
}

export function localDynamoDbClient(local: LocalAws, endpoint = endpointOf(local, "dynamodb")) {
  return new DynamoDBClient(clientConfig(endpoint));
}

export function localS3Client(local: LocalAws): S3Client {
  return new S3Client({ ...clientConfig(endpointOf(local, "s3")), forcePathStyle: true });
}

/** kinesalite speaks HTTP/1.1 only; the Kinesis client defaults to HTTP/2. */
export function localKinesisClient(local: LocalAws): KinesisClient {
  return new KinesisClient({
    ...clientConfig(endpointOf(local, "kinesis")),
    requestHandler: new NodeHttpHandler(),
  });
}

/** Creates the analytics table with the deployed key schema (`pk` S, `sk` S) and waits for it. */
export async function createAnalyticsTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
}

export async function createArchiveBucket(client: S3Client, bucketName: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucketName }));
}

export async function createMarketStream(
  client: KinesisClient,
  streamName: string,
  shardCount: number,
): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  await waitUntilStreamExists({ client, maxWaitTime: 30, minDelay: 1 }, { StreamName: streamName });
}
