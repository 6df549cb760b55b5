import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { Environment } from "./env";

/**
 * AWS SDK clients, built once per container by each handler module. Endpoints come from the
 * standard `AWS_ENDPOINT_URL_<SERVICE>` variables, which the SDK reads itself; tests and the local
 * run point them at DynamoDB Local and s3rver.
 */

/**
 * Socket timeouts. Without them a connection that hangs would hold the invocation until the
 * function times out; with them the SDK retries it like any other transient error.
 */
const REQUEST_HANDLER = { connectionTimeout: 2_000, requestTimeout: 5_000 } as const;

export function createDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({ requestHandler: REQUEST_HANDLER });
}

/** Local S3 implementations serve buckets by path (`http://host/bucket/key`), not by host name. */
export function usesLocalS3Endpoint(env: Environment = process.env): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
}

export function createS3Client(env: Environment = process.env): S3Client {
  return new S3Client({
    requestHandler: REQUEST_HANDLER,
    forcePathStyle: usesLocalS3Endpoint(env),
  });
}
