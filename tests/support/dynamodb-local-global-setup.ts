import { provideLocalDynamoDb, type LocalDynamoDb } from "../../scripts/local-aws/dynamodb-local";

/**
 * Jest `globalSetup`: one DynamoDB Local for the whole test run, its endpoint published in
 * `DYNAMODB_LOCAL_ENDPOINT` for the test files (their workers inherit it). Without Java 17 the run
 * says so once and each test file gets its own dynalite, as `startLocalAws` decides.
 */
export default async function setUpDynamoDbLocal(): Promise<void> {
  const dynamodb: LocalDynamoDb = await provideLocalDynamoDb();
  if (dynamodb.kind === "dynalite") {
    process.stderr.write(`\n${dynamodb.notice}\n`);
  }
  (globalThis as { __dynamoDbLocal__?: LocalDynamoDb }).__dynamoDbLocal__ = dynamodb;
}
