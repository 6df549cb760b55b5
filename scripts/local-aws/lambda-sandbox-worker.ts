import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import type { Context } from "aws-lambda";
import type {
  SandboxInit,
  SandboxReply,
  SandboxRequest,
  SerializedError,
} from "./lambda-sandbox-protocol";

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const init = workerData as SandboxInit;
const port = parentPort;
if (!port) {
  throw new Error("lambda-sandbox-worker runs inside a worker thread only.");
}

function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, stack: error.stack ?? "" };
  }
  return { errorType: "Error", errorMessage: String(error), stack: "" };
}

function loadHandler(): Handler {
  const loaded = createRequire(__filename)(init.handlerPath) as Record<string, unknown>;
  const handler = loaded[init.exportName];
  if (typeof handler !== "function") {
    throw new Error(`${init.handlerPath} does not export a function named "${init.exportName}".`);
  }
  return handler as Handler;
}

const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]${randomUUID().replace(/-/g, "")}`;

function contextFor(requestId: string, deadlineMs: number): Context {
  const unsupported = (): never => {
    throw new Error("Callback-style completion is not supported: handlers are async.");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: init.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${init.region}:${init.accountId}:function:${init.functionName}`,
    memoryLimitInMB: String(init.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${init.functionName}`,
    logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

const started = performance.now();
let handler: Handler | undefined;
try {
  handler = loadHandler();
  const reply: SandboxReply = { type: "ready", initMs: performance.now() - started };
  port.postMessage(reply);
} catch (error) {
  const reply: SandboxReply = { type: "init-error", error: serializeError(error) };
  port.postMessage(reply);
}

port.on("message", (request: SandboxRequest) => {
  if (request.type === "shutdown") {
    // Everything written before this marker has reached the parent once the marker arrives.
    process.stdout.write(`${init.endOfOutputMarker}\n`, () => {
      port.close();
    });
    return;
  }
  const loaded = handler;
  if (!loaded) {
    return;
  }
  const begin = performance.now();
  const requestId = randomUUID();
  loaded(request.event, contextFor(requestId, request.deadlineMs)).then(
    (result) => {
      const reply: SandboxReply = {
        type: "result",
        id: request.id,
        requestId,
        durationMs: performance.now() - begin,
        result,
      };
      port.postMessage(reply);
    },
    (error: unknown) => {
      const reply: SandboxReply = {
        type: "error",
        id: request.id,
        requestId,
        durationMs: performance.now() - begin,
        error: serializeError(error),
      };
      port.postMessage(reply);
    },
  );
});
