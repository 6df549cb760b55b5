import path from "node:path";
import { Worker } from "node:worker_threads";
import { sharedDynamoDbLocalEndpoint } from "./dynamodb-local";
import type { LocalService } from "./local-aws";

export type ServicesRequest = { readonly type: "stop" };

export type ServicesReply =
  | {
      readonly type: "ready";
      readonly env: Readonly<Record<string, string>>;
      readonly region: string;
    }
  | { readonly type: "stopped" }
  | { readonly type: "error"; readonly message: string };

export interface LocalAwsThread {
  /** The variables that point SDK clients at the services (also set in `process.env`). */
  readonly env: Readonly<Record<string, string>>;
  /** Stops the services and their threads, and restores `process.env`. */
  stop(): Promise<void>;
}

const tsxRegister = require.resolve("tsx/cjs");
const workerEntry = path.join(__dirname, "local-aws-thread-worker.ts");

interface ServiceThread {
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Starts some of the local services (scripts/local-aws/local-aws.ts) on a worker thread. */
function startServiceThread(services: readonly LocalService[]): Promise<ServiceThread> {
  const worker = new Worker(
    `require(${JSON.stringify(tsxRegister)}); require(${JSON.stringify(workerEntry)});`,
    { eval: true, execArgv: [], workerData: { services } },
  );
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void => {
      reject(
        new Error(
          `The thread of the local ${services.join(", ")} exited with code ${code} before it was ready.`,
        ),
      );
    };
    worker.once("error", reject);
    worker.once("exit", onExit);
    worker.once("message", (message: ServicesReply) => {
      worker.off("error", reject);
      worker.off("exit", onExit);
      if (message.type !== "ready") {
        void worker.terminate();
        reject(
          new Error(
            `The local ${services.join(", ")} did not start: ${message.type === "error" ? message.message : message.type}`,
          ),
        );
        return;
      }
      let stopping: Promise<void> | undefined;
      resolve({
        env: message.env,
        stop() {
          stopping ??= new Promise<void>((done, fail) => {
            let failure: Error | undefined;
            worker.once("message", (reply: ServicesReply) => {
              if (reply.type === "error") {
                failure = new Error(
                  `The local ${services.join(", ")} did not stop cleanly: ${reply.message}`,
                );
              }
              // The servers are closed; end the thread even if a stray handle would keep it alive.
              void worker.terminate();
            });
            worker.once("exit", () => (failure ? fail(failure) : done()));
            worker.once("error", fail);
            const request: ServicesRequest = { type: "stop" };
            worker.postMessage(request);
          });
          return stopping;
        },
      });
    });
  });
}

/**
 * Starts kinesalite with s3rver on a thread of this process, so serving the functions' requests
 * does not compete with the producers and pollers for the main event loop, and points
 * `AWS_ENDPOINT_URL_*` at them and at the run's DynamoDB Local (`DYNAMODB_LOCAL_ENDPOINT`, its own
 * process). Without DynamoDB Local (no Java 17), dynalite runs on a second thread, so DynamoDB
 * writes do not queue behind stream reads.
 */
export async function startLocalAwsThreads(): Promise<LocalAwsThread> {
  const dynamodbLocal = sharedDynamoDbLocalEndpoint();
  const started = await Promise.allSettled([
    ...(dynamodbLocal === undefined ? [startServiceThread(["dynamodb"])] : []),
    startServiceThread(["kinesis", "s3"]),
  ]);
  const threads = started.flatMap((result) =>
    result.status === "fulfilled" ? [result.value] : [],
  );
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await Promise.allSettled(threads.map((thread) => thread.stop()));
    throw failed.reason;
  }
  const env: Record<string, string> = {};
  for (const thread of threads) {
    Object.assign(env, thread.env);
  }
  if (dynamodbLocal !== undefined) {
    env.AWS_ENDPOINT_URL_DYNAMODB = dynamodbLocal;
  }
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(env)) {
    previous.set(name, process.env[name]);
    process.env[name] = value;
  }
  let stopping: Promise<void> | undefined;
  return {
    env,
    stop() {
      stopping ??= (async () => {
        for (const [name, value] of previous) {
          if (value === undefined) {
            delete process.env[name];
          } else {
            process.env[name] = value;
          }
        }
        const results = await Promise.allSettled(threads.map((thread) => thread.stop()));
        const failure = results.find((result) => result.status === "rejected");
        if (failure) {
          throw failure.reason;
        }
      })();
      return stopping;
    },
  };
}
