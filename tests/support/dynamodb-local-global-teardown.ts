import type { LocalDynamoDb } from "../../scripts/local-aws/dynamodb-local";

/** Jest `globalTeardown`: stops the DynamoDB Local of the run (dynamodb-local-global-setup.ts). */
export default async function tearDownDynamoDbLocal(): Promise<void> {
  const holder = globalThis as { __dynamoDbLocal__?: LocalDynamoDb };
  const dynamodb = holder.__dynamoDbLocal__;
  delete holder.__dynamoDbLocal__;
  await dynamodb?.stop();
}
