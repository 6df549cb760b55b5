import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FunctionError, LocalFunction, type LocalFunctionSpec } from "./local-lambda";

const HANDLER = `"use strict";
const { threadId } = require("node:worker_threads");
let invocations = 0;
exports.handler = async (event, context) => {
  invocations += 1;
  console.log(JSON.stringify({ level: "INFO", message: "invoked", n: event.n }));
  if (event.fail) {
    throw new RangeError("asked to fail");
  }
  if (event.sleepMs) {
    await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  }
  return {
    n: event.n,
    threadId,
    invocations,
    table: process.env.TABLE_NAME,
    functionNameVariable: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionName: context.functionName,
    memory: context.memoryLimitInMB,
    arn: context.invokedFunctionArn,
    logGroup: context.logGroupName,
    remainingOk: context.getRemainingTimeInMillis() > 0 && context.getRemainingTimeInMillis() <= 2000,
  };
};
`;

interface Reply {
  n: number;
  threadId: number;
  invocations: number;
  table: string;
  functionNameVariable: string;
  functionName: string;
  memory: string;
  arn: string;
  logGroup: string;
  remainingOk: boolean;
}

describe("LocalFunction", () => {
  let directory: string;
  let handlerPath: string;
  const functions: LocalFunction[] = [];

  beforeAll(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "local-lambda-"));
    handlerPath = path.join(directory, "handler.js");
    fs.writeFileSync(handlerPath, HANDLER);
    fs.writeFileSync(
      path.join(directory, "broken.js"),
      'throw new Error("TABLE_NAME is required");\n',
    );
  });

  afterAll(async () => {
    await Promise.all(functions.map((fn) => fn.close()));
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function deploy(overrides: Partial<LocalFunctionSpec> = {}): LocalFunction {
    const fn = new LocalFunction({
      functionName: "dev-market-processor-us-east-1-local",
      handlerPath,
      environment: { TABLE_NAME: "dev-market-analytics-us-east-1-local" },
      memoryMb: 512,
      timeoutSeconds: 2,
      maxConcurrency: 2,
      region: "us-east-1",
      ...overrides,
    });
    functions.push(fn);
    return fn;
  }

  it("runs the handler with its own environment and a Lambda context", async () => {
    const reply = await deploy().invoke<Reply>({ n: 1 });
    expect(reply).toMatchObject({
      n: 1,
      invocations: 1,
      table: "dev-market-analytics-us-east-1-local",
      functionNameVariable: "dev-market-processor-us-east-1-local",
      functionName: "dev-market-processor-us-east-1-local",
      memory: "512",
      arn: "arn:aws:lambda:us-east-1:000000000000:function:dev-market-processor-us-east-1-local",
      logGroup: "/aws/lambda/dev-market-processor-us-east-1-local",
      remainingOk: true,
    });
    expect(process.env.TABLE_NAME).toBeUndefined();
  });

  it("runs one invocation per sandbox, reuses warm ones and grows up to the concurrency", async () => {
    const fn = deploy();
    const replies = await Promise.all([1, 2, 3].map((n) => fn.invoke<Reply>({ n, sleepMs: 100 })));
    expect(new Set(replies.map((reply) => reply.threadId)).size).toBe(2);
    expect(replies.map((reply) => reply.invocations).sort()).toEqual([1, 1, 2]);
    expect(fn.stats).toMatchObject({ invocations: 3, errors: 0, coldStarts: 2 });
    expect(fn.stats.durationsMs).toHaveLength(3);
  });

  it("turns a thrown error into a function error and keeps the sandbox", async () => {
    const fn = deploy({ maxConcurrency: 1 });
    const failure = await fn.invoke({ n: 1, fail: true }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FunctionError);
    expect(failure).toMatchObject({
      errorType: "RangeError",
      errorMessage: "asked to fail",
      message: "dev-market-processor-us-east-1-local failed with RangeError: asked to fail",
    });
    const reply = await fn.invoke<Reply>({ n: 2 });
    expect(reply.invocations).toBe(2);
    expect(fn.stats).toMatchObject({ invocations: 2, errors: 1, coldStarts: 1 });
  });

  it("stops a timed-out sandbox and starts a fresh one for the next invocation", async () => {
    const fn = deploy({ maxConcurrency: 1, timeoutSeconds: 0.3 });
    const first = await fn.invoke<Reply>({ n: 1 });
    const failure = await fn.invoke({ n: 2, sleepMs: 5_000 }).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      errorType: "Sandbox.Timedout",
      errorMessage: "Task timed out after 0.30 seconds",
    });
    const next = await fn.invoke<Reply>({ n: 3 });
    expect(next.threadId).not.toBe(first.threadId);
    expect(next.invocations).toBe(1);
    expect(fn.stats.coldStarts).toBe(2);
  });

  it("reports a module that fails to load as a function error", async () => {
    const fn = deploy({ handlerPath: path.join(directory, "broken.js") });
    await expect(fn.invoke({ n: 1 })).rejects.toMatchObject({
      errorType: "Error",
      errorMessage: "TABLE_NAME is required",
    });
  });

  it("hands every output line to onOutput, the last ones included on close", async () => {
    const lines: string[] = [];
    const fn = deploy({ onOutput: (line) => lines.push(line) });
    await fn.invoke({ n: 7 });
    await fn.invoke({ n: 8 });
    await fn.close();
    expect(lines).toEqual([
      '{"level":"INFO","message":"invoked","n":7}',
      '{"level":"INFO","message":"invoked","n":8}',
    ]);
    await expect(fn.invoke({ n: 9 })).rejects.toThrow(
      "dev-market-processor-us-east-1-local is shut down.",
    );
  });
});
