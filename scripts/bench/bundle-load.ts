import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { median } from "./bench-market";

export interface ModuleLoad {
  readonly name: string;
  readonly path: string;
  /** Median wall time of `node -e "require(<module>)"` in a fresh process, in ms. */
  readonly processMs: number;
  /** Median time of the `require` call alone, measured inside the child, in ms. */
  readonly requireMs: number;
}

export interface BundleLoadFigures {
  readonly runs: number;
  readonly empty: ModuleLoad;
  readonly bundles: readonly (ModuleLoad & { readonly ratio: number })[];
}

/** Variables the handlers read when their module loads (names only need to be well-formed). */
const HANDLER_ENVIRONMENT: Readonly<Record<string, string>> = {
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  ENVIRONMENT: "dev",
  POWERTOOLS_SERVICE_NAME: "bench",
  POWERTOOLS_METRICS_NAMESPACE: "TradingAnalytics",
  POWERTOOLS_LOG_LEVEL: "INFO",
  TABLE_NAME: "dev-market-analytics-us-east-1-bench",
  BUCKET_NAME: "dev-market-archive-us-east-1-bench",
  BAR_TTL_DAYS: "7",
};

function loadOnce(modulePath: string): { processMs: number; requireMs: number } {
  const script = `const s=process.hrtime.bigint();require(${JSON.stringify(modulePath)});process.stdout.write(String(Number(process.hrtime.bigint()-s)/1e6));`;
  const started = performance.now();
  const child = spawnSync(process.execPath, ["-e", script], {
    env: { PATH: process.env.PATH ?? "", ...HANDLER_ENVIRONMENT },
    encoding: "utf8",
  });
  const processMs = performance.now() - started;
  if (child.status !== 0) {
    throw new Error(`Loading ${modulePath} failed (exit ${child.status}): ${child.stderr.trim()}`);
  }
  return { processMs, requireMs: Number(child.stdout) };
}

/**
 * Cold module load of each bundle against an empty handler: each run starts a fresh `node` that
 * requires one module, the modules take turns so background load hits them alike, and the median
 * over the runs counts.
 */
export function measureBundleLoads(
  bundles: readonly { readonly name: string; readonly path: string }[],
  runs = 15,
): BundleLoadFigures {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "bench-empty-handler-"));
  try {
    const emptyPath = path.join(directory, "index.js");
    fs.writeFileSync(emptyPath, '"use strict";\nexports.handler = async () => ({});\n');
    const modules = [{ name: "empty handler", path: emptyPath }, ...bundles];
    const samples = modules.map(() => ({ processMs: [] as number[], requireMs: [] as number[] }));
    for (const module of modules) {
      loadOnce(module.path);
    }
    for (let run = 0; run < runs; run += 1) {
      modules.forEach((module, index) => {
        const sample = loadOnce(module.path);
        samples[index]?.processMs.push(sample.processMs);
        samples[index]?.requireMs.push(sample.requireMs);
      });
    }
    const loads: ModuleLoad[] = modules.map((module, index) => ({
      name: module.name,
      path: module.path,
      processMs: median(samples[index]?.processMs ?? []),
      requireMs: median(samples[index]?.requireMs ?? []),
    }));
    const [empty, ...rest] = loads as [ModuleLoad, ...ModuleLoad[]];
    return {
      runs,
      empty,
      bundles: rest.map((load) => ({ ...load, ratio: load.processMs / empty.processMs })),
    };
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
