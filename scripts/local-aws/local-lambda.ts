import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import type {
  SandboxInit,
  SandboxReply,
  SandboxRequest,
  SerializedError,
} from "./lambda-sandbox-protocol";

/** One function as Lambda would run it: its code, its environment, its limits. */
export interface LocalFunctionSpec {
  /** The function's physical name, as the infrastructure names it. */
  readonly functionName: string;
  /** Absolute path of the module that exports the handler (TypeScript or a built bundle). */
  readonly handlerPath: string;
  /** @default - "handler" */
  readonly exportName?: string;
  /** The function's environment variables, on top of this process's environment. */
  readonly environment: Readonly<Record<string, string>>;
  /** Memory in MB: reported to the handler and used as each sandbox's heap limit. */
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Sandboxes that may run at once; one sandbox runs one invocation at a time, like Lambda. */
  readonly maxConcurrency: number;
  readonly region: string;
  /** Receives every line the function writes (its structured logs and EMF metrics). */
  readonly onOutput?: (line: string) => void;
}

/** The handler threw (or timed out, or its sandbox crashed): a Lambda function error. */
export class FunctionError extends Error {
  override readonly name = "FunctionError";

  constructor(
    readonly functionName: string,
    readonly errorType: string,
    readonly errorMessage: string,
    readonly remoteStack: string,
  ) {
    super(`${functionName} failed with ${errorType}: ${errorMessage}`);
  }
}

export interface LocalFunctionStats {
  invocations: number;
  errors: number;
  coldStarts: number;
  readonly initMs: number[];
  readonly durationsMs: number[];
}

const ACCOUNT_ID = "000000000000";
const tsxRegister = require.resolve("tsx/cjs");
const workerEntry = path.join(__dirname, "lambda-sandbox-worker.ts");

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** A single execution environment: a worker thread with its own environment and module graph. */
class Sandbox {
  readonly ready: Promise<number>;
  dead = false;
  private readonly worker: Worker;
  private readonly marker = `--end-of-output-${randomUUID()}--`;
  private pending: Pending | undefined;
  private nextId = 1;
  private outputClosed: Promise<void>;

  constructor(private readonly spec: LocalFunctionSpec) {
    const init: SandboxInit = {
      handlerPath: spec.handlerPath,
      exportName: spec.exportName ?? "handler",
      functionName: spec.functionName,
      memoryMb: spec.memoryMb,
      region: spec.region,
      accountId: ACCOUNT_ID,
      endOfOutputMarker: this.marker,
    };
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined) {
        environment[key] = value;
      }
    }
    Object.assign(environment, {
      AWS_REGION: spec.region,
      AWS_DEFAULT_REGION: spec.region,
      AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.functionName}`,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...spec.environment,
    });
    this.worker = new Worker(
      `require(${JSON.stringify(tsxRegister)}); require(${JSON.stringify(workerEntry)});`,
      {
        eval: true,
        workerData: init,
        env: environment,
        execArgv: [],
        stdout: true,
        stderr: true,
        resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb },
      },
    );
    const stdoutDone = this.pipeLines(this.worker.stdout, true);
    const stderrDone = this.pipeLines(this.worker.stderr, false);
    this.outputClosed = Promise.all([stdoutDone, stderrDone]).then(() => undefined);
    let settleReady: { resolve: (ms: number) => void; reject: (error: Error) => void };
    this.ready = new Promise<number>((resolve, reject) => {
      settleReady = { resolve, reject };
    });
    // A sandbox that never becomes ready is reported through `ready`; keep Node from flagging it twice.
    this.ready.catch(() => undefined);
    this.worker.on("message", (reply: SandboxReply) => {
      switch (reply.type) {
        case "ready":
          settleReady.resolve(reply.initMs);
          return;
        case "init-error":
          this.dead = true;
          settleReady.reject(this.error(reply.error));
          return;
        case "result":
        case "error":
          this.settle(reply);
          return;
      }
    });
    this.worker.on("error", (error: Error) => {
      this.dead = true;
      const failure = new FunctionError(
        spec.functionName,
        "Runtime.ExitError",
        error.message,
        error.stack ?? "",
      );
      settleReady.reject(failure);
      this.fail(failure);
    });
    this.worker.on("exit", (code) => {
      this.dead = true;
      const failure = new FunctionError(
        spec.functionName,
        "Runtime.ExitError",
        `sandbox exited with code ${code}`,
        "",
      );
      settleReady.reject(failure);
      this.fail(failure);
    });
  }

  invoke(event: unknown): Promise<{ result: unknown; durationMs: number }> {
    if (this.pending) {
      throw new Error("A sandbox runs one invocation at a time.");
    }
    const id = this.nextId;
    this.nextId += 1;
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Lambda stops a timed-out environment; so does this.
        this.dead = true;
        this.fail(
          new FunctionError(
            this.spec.functionName,
            "Sandbox.Timedout",
            `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
            "",
          ),
        );
        void this.worker.terminate();
      }, timeoutMs);
      this.pending = {
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
      };
      const request: SandboxRequest = {
        type: "invoke",
        id,
        event,
        deadlineMs: Date.now() + timeoutMs,
      };
      this.worker.postMessage(request);
    });
  }

  /** Waits for the function's last output line, then stops the thread. */
  async close(): Promise<void> {
    if (!this.dead) {
      const request: SandboxRequest = { type: "shutdown" };
      this.worker.postMessage(request);
      // A sandbox stuck in a handler never writes the marker; stop waiting for it after a while.
      await Promise.race([
        this.outputClosed,
        new Promise<void>((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
    }
    this.dead = true;
    await this.worker.terminate();
  }

  private settle(reply: Extract<SandboxReply, { type: "result" | "error" }>): void {
    const pending = this.pending;
    if (!pending) {
      return;
    }
    this.pending = undefined;
    clearTimeout(pending.timer);
    if (reply.type === "result") {
      pending.resolve({ result: reply.result, durationMs: reply.durationMs });
    } else {
      pending.reject(this.error(reply.error));
    }
  }

  private fail(error: Error): void {
    const pending = this.pending;
    if (!pending) {
      return;
    }
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  private error(serialized: SerializedError): FunctionError {
    return new FunctionError(
      this.spec.functionName,
      serialized.errorType,
      serialized.errorMessage,
      serialized.stack,
    );
  }

  /** Splits a stream into lines for `onOutput`; resolves when the stream ends or the marker arrives. */
  private pipeLines(stream: Readable, watchForMarker: boolean): Promise<void> {
    return new Promise((resolve) => {
      let buffered = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        buffered += chunk;
        let newline = buffered.indexOf("\n");
        while (newline !== -1) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (watchForMarker && line === this.marker) {
            resolve();
          } else if (line.length > 0) {
            this.spec.onOutput?.(line);
          }
          newline = buffered.indexOf("\n");
        }
      });
      stream.on("end", () => {
        if (buffered.length > 0) {
          this.spec.onOutput?.(buffered);
        }
        resolve();
      });
      if (!watchForMarker) {
        // stderr has no marker; it ends with the thread. Consider it flushed with stdout.
        resolve();
      }
    });
  }
}

/**
 * A function deployed locally: a pool of sandboxes that grows on demand up to `maxConcurrency`
 * and reuses warm ones, so cold starts, per-container state and one-invocation-at-a-time hold as
 * they do on Lambda.
 */
export class LocalFunction {
  readonly stats: LocalFunctionStats = {
    invocations: 0,
    errors: 0,
    coldStarts: 0,
    initMs: [],
    durationsMs: [],
  };
  private readonly idle: Sandbox[] = [];
  private readonly all = new Set<Sandbox>();
  private readonly waiting: Array<(sandbox: Sandbox | Error) => void> = [];
  private closed = false;

  constructor(readonly spec: LocalFunctionSpec) {
    if (!Number.isInteger(spec.maxConcurrency) || spec.maxConcurrency < 1) {
      throw new Error(`maxConcurrency of ${spec.functionName} must be a positive whole number.`);
    }
  }

  get functionName(): string {
    return this.spec.functionName;
  }

  /** Starts `count` sandboxes ahead of traffic, so the first invocations measure warm latency. */
  async warm(count = 1): Promise<void> {
    const wanted = Math.max(0, Math.min(count, this.spec.maxConcurrency) - this.all.size);
    const started = await Promise.allSettled(Array.from({ length: wanted }, () => this.create()));
    for (const result of started) {
      if (result.status === "fulfilled") {
        this.release(result.value);
      }
    }
    const failed = started.find((result) => result.status === "rejected");
    if (failed) {
      throw failed.reason;
    }
  }

  /** Invokes the handler synchronously (RequestResponse) and returns its result. */
  async invoke<TResult>(event: unknown): Promise<TResult> {
    const sandbox = await this.acquire();
    this.stats.invocations += 1;
    try {
      const { result, durationMs } = await sandbox.invoke(event);
      this.stats.durationsMs.push(durationMs);
      return result as TResult;
    } catch (error) {
      this.stats.errors += 1;
      throw error;
    } finally {
      this.release(sandbox);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) {
      waiter(new Error(`${this.spec.functionName} is shut down.`));
    }
    await Promise.all([...this.all].map((sandbox) => sandbox.close()));
    this.all.clear();
    this.idle.length = 0;
  }

  private async create(): Promise<Sandbox> {
    const sandbox = new Sandbox(this.spec);
    this.all.add(sandbox);
    try {
      const initMs = await sandbox.ready;
      this.stats.coldStarts += 1;
      this.stats.initMs.push(initMs);
      return sandbox;
    } catch (error) {
      this.all.delete(sandbox);
      await sandbox.close();
      throw error;
    }
  }

  private async acquire(): Promise<Sandbox> {
    if (this.closed) {
      throw new Error(`${this.spec.functionName} is shut down.`);
    }
    const warm = this.idle.pop();
    if (warm) {
      return warm;
    }
    if (this.all.size < this.spec.maxConcurrency) {
      return this.create();
    }
    const next = await new Promise<Sandbox | Error>((resolve) => this.waiting.push(resolve));
    if (next instanceof Error) {
      throw next;
    }
    return next;
  }

  private release(sandbox: Sandbox): void {
    if (sandbox.dead) {
      this.all.delete(sandbox);
      void sandbox.close();
      // A waiter may now start a fresh sandbox in the freed slot.
      const waiter = this.waiting.shift();
      if (waiter) {
        this.create().then(waiter, (error: unknown) =>
          waiter(error instanceof Error ? error : new Error(String(error))),
        );
      }
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter(sandbox);
    } else {
      this.idle.push(sandbox);
    }
  }
}
