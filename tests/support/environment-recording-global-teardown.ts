import fs from "node:fs";
import tearDownDynamoDbLocal from "./dynamodb-local-global-teardown";
import { RECORDINGS_VARIABLE } from "./environment-recording";

/** Jest `globalTeardown`: stops the run's DynamoDB Local and removes the recorded programs. */
export default async function tearDownTestRun(): Promise<void> {
  const directory = process.env[RECORDINGS_VARIABLE];
  delete process.env[RECORDINGS_VARIABLE];
  if (directory !== undefined && directory !== "") {
    fs.rmSync(directory, { recursive: true, force: true });
  }
  await tearDownDynamoDbLocal();
}
