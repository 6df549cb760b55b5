import path from "node:path";
import { Worker } from "node:worker_threads";

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
  /** Stops the services and their thread, and restores `process.env`. */
  stop(): Promise<void>;
}

const tsxRegister = require.resolve("tsx/cjs");
const workerEntry = path.join(__dirname, "local-aws-thread-worker.ts");

/**
 * Starts kinesalite, dynalite and s3rver (scripts/lib/local-aws.ts) on a thread of their own in
 * this process, so serving the functions' requests does not compete with the producers and the
 * stream pollers for the main event loop, and points `AWS_ENDPOINT_URL_*` at them.
 */
export function startLocalAwsThread(): Promise<LocalAwsThread> {
  const worker = new Worker(
    `require(${JSON.stringify(tsxRegister)}); require(${JSON.stringify(workerEntry)});`,
    { eval: true, execArgv: [] },
  );
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void => {
      reject(
        new Error(`The local AWS services thread exited with code ${code} before it was ready.`),
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
            `The local AWS services did not start: ${message.type === "error" ? message.message : message.type}`,
          ),
        );
        return;
      }
      const previous = new Map<string, string | undefined>();
      for (const [name, value] of Object.entries(message.env)) {
        previous.set(name, process.env[name]);
        process.env[name] = value;
      }
      let stopping: Promise<void> | undefined;
      resolve({
        env: message.env,
        stop() {
          stopping ??= new Promise<void>((done, fail) => {
            for (const [name, value] of previous) {
              if (value === undefined) {
                delete process.env[name];
              } else {
                process.env[name] = value;
              }
            }
            let failure: Error | undefined;
            worker.once("message", (reply: ServicesReply) => {
              if (reply.type === "error") {
                failure = new Error(
                  `The local AWS services did not stop cleanly: ${reply.message}`,
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
