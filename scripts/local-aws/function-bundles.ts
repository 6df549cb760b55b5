import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildFunctions, type FunctionName } from "../build/build-functions";

/** Each function's bundle, `index.js`, bundled as `npm run build` bundles it for deployment. */
export type FunctionBundles = Readonly<Record<FunctionName, string>>;

/** Bundles being built into a directory of their own, which `dispose` removes. */
export interface FunctionBundleBuild {
  /** The bundles once built; rejects with the bundler's error. */
  readonly bundles: Promise<FunctionBundles>;
  /** Waits for the build to end, then removes its directory. */
  dispose(): Promise<void>;
}

/**
 * Starts bundling the functions as they deploy (minified, the SDK's credential chain cut down to
 * Lambda's variables, event streams left out: `buildFunctions`) into a new temporary directory. A
 * local run that executes them finds what the bundling changes before a deployment does, and a
 * sandbox loads one file instead of compiling the handler's TypeScript and resolving its modules
 * one by one. The caller disposes of the build when its sandboxes have closed.
 */
export function buildFunctionBundles(): FunctionBundleBuild {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "local-function-bundles-"));
  const bundles = buildFunctions({
    outDir: path.join(directory, "functions"),
    metaDir: path.join(directory, "meta"),
  }).then(
    (reports) =>
      Object.fromEntries(reports.map((report) => [report.name, report.outfile])) as Record<
        FunctionName,
        string
      >,
  );
  // Awaited by whoever runs the functions; a failure is theirs to report.
  bundles.catch(() => undefined);
  return {
    bundles,
    async dispose() {
      await bundles.catch(() => undefined);
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
