import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import setUpDynamoDbLocal from "./dynamodb-local-global-setup";
import { RECORDINGS_VARIABLE } from "./environment-recording";

/**
 * Jest `globalSetup`: the run's DynamoDB Local (dynamodb-local-global-setup.ts), and a directory
 * for the environments' recorded programs, published in `ENVIRONMENT_RECORDINGS_DIR` for the
 * test files (their workers inherit it).
 */
export default async function setUpTestRun(): Promise<void> {
  process.env[RECORDINGS_VARIABLE] = fs.mkdtempSync(
    path.join(os.tmpdir(), "environment-recordings-"),
  );
  await setUpDynamoDbLocal();
}
