import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { REGION } from "../../modules/config/settings";

/** SDK clients for the developer commands, pointed at the local services through `AWS_ENDPOINT_URL_*`. */
export interface LocalClients {
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  destroy(): void;
}

function endpointOf(variable: string): string {
  const endpoint = process.env[variable];
  if (!endpoint) {
    throw new Error(
      `${variable} is not set: start the local services first (startLocalAws in scripts/local-aws/local-aws.ts sets it).`,
    );
  }
  return endpoint;
}

/**
 * Builds the clients from the standard endpoint variables. The Kinesis client defaults to HTTP/2,
 * which kinesalite does not speak, so it gets the HTTP/1.1 handler; S3 uses path-style addressing.
 */
export function createLocalClients(): LocalClients {
  // The SDK warns that releases from 2027 need Node.js 22; the functions run on nodejs24.x.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const kinesis = new KinesisClient({
    region: REGION,
    endpoint: endpointOf("AWS_ENDPOINT_URL_KINESIS"),
    requestHandler: new NodeHttpHandler(),
  });
  const dynamodb = new DynamoDBClient({
    region: REGION,
    endpoint: endpointOf("AWS_ENDPOINT_URL_DYNAMODB"),
  });
  const s3 = new S3Client({
    region: REGION,
    endpoint: endpointOf("AWS_ENDPOINT_URL_S3"),
    forcePathStyle: true,
  });
  return {
    kinesis,
    dynamodb,
    s3,
    destroy() {
      kinesis.destroy();
      dynamodb.destroy();
      s3.destroy();
    },
  };
}
