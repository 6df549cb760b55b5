import * as fs from "fs";
import * as path from "path";

import { API_TABLE_ACTIONS } from "./analytics-api";
import { PROCESSOR_TABLE_ACTIONS } from "./market-functions";

/**
 * The roles grant exactly what the function code calls: every AWS SDK command a function's code
 * (or the shared code it bundles) imports becomes one IAM action, and the lists must match.
 */
const FUNCTIONS_ROOT = path.resolve(__dirname, "..", "..", "functions");

const IAM_PREFIX: Record<string, string> = {
  dynamodb: "dynamodb",
  s3: "s3",
  kinesis: "kinesis",
  sqs: "sqs",
};

function sourceFiles(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(full);
    }
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

/**
 * Operations IAM authorizes as other actions: a DynamoDB transaction as each action inside it
 * (DynamoDB developer guide, "Using IAM with DynamoDB transactions"; AWS's service authorization
 * data lists no TransactWriteItems action). The processor's transactions put and delete items.
 */
const AUTHORIZED_AS: Readonly<Record<string, readonly string[]>> = {
  "dynamodb:TransactWriteItems": ["PutItem", "DeleteItem"],
};

/** `service:Action` for every SDK command imported as a value by the function's bundle sources. */
function actionsCalledBy(functionDirectory: string): string[] {
  const files = [
    ...sourceFiles(path.join(FUNCTIONS_ROOT, functionDirectory)),
    ...sourceFiles(path.join(FUNCTIONS_ROOT, "shared")),
  ];
  const actions = new Set<string>();
  const importPattern = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+"@aws-sdk\/client-([a-z0-9-]+)"/g;
  for (const file of files) {
    const source = fs.readFileSync(file, "utf8");
    for (const [, typeOnly, names, client] of source.matchAll(importPattern)) {
      if (typeOnly !== undefined) {
        continue;
      }
      for (const raw of names.split(",")) {
        const name = raw.trim();
        if (name.endsWith("Command") && !name.startsWith("type ")) {
          const prefix = IAM_PREFIX[client];
          if (prefix === undefined) {
            throw new Error(`${file} imports ${name} from an unmapped client "${client}"`);
          }
          const operation = name.slice(0, -"Command".length);
          for (const action of AUTHORIZED_AS[`${prefix}:${operation}`] ?? [operation]) {
            actions.add(`${prefix}:${action}`);
          }
        }
      }
    }
  }
  return [...actions].sort();
}

test("market-processor's table actions are exactly the commands its code sends", () => {
  expect(actionsCalledBy("market-processor")).toEqual([...PROCESSOR_TABLE_ACTIONS].sort());
});

test("market-archiver only puts objects", () => {
  expect(actionsCalledBy("market-archiver")).toEqual(["s3:PutObject"]);
});

test("analytics-api's table actions are exactly the commands its code sends", () => {
  expect(actionsCalledBy("analytics-api")).toEqual([...API_TABLE_ACTIONS].sort());
});
