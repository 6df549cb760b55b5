import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildFunctions, type FunctionName } from "../build/build-functions";

/** Each function's bundle, `index.js`, as `npm run build` makes it for deployment. */
export type FunctionBundles = Readonly<Record<FunctionName, string>>;

let built: Promise<FunctionBundles> | undefined;

/**
 * The functions as they deploy: the bundles `npm run build` makes (minified, the SDK's credential
 * chain cut down to Lambda's variables, event streams left out), built once per process into a
 * directory of its own that is removed when the process exits. A local run that executes them
 * finds what the bundling changes before a deployment does, and a sandbox loads one file instead
 * of compiling the handler's TypeScript and resolving its modules one by one.
 */
export function localFunctionBundles(): Promise<FunctionBundles> {
  built ??= buildOnce().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

async function buildOnce(): Promise<FunctionBundles> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "local-function-bundles-"));
  process.once("exit", () => fs.rmSync(directory, { recursive: true, force: true }));
  const reports = await buildFunctions({
    outDir: path.join(directory, "functions"),
    metaDir: path.join(directory, "meta"),
  });
  return Object.fromEntries(reports.map((report) => [report.name, report.outfile])) as Record<
    FunctionName,
    string
  >;
}
