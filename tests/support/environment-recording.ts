import fs from "node:fs";
import path from "node:path";
import type { EnvironmentName } from "../../modules/config/settings";
import type { ProgramResult } from "../../scripts/plan/mock-runtime";

/** `runEnvironmentProgram`'s signature (scripts/plan/mock-runtime-environments.ts). */
type EnvironmentProgramRunner =
  typeof import("../../scripts/plan/mock-runtime-environments").runEnvironmentProgram;

/**
 * Where the test run keeps each environment's recorded program (set by the global setup,
 * environment-recording-global-setup.ts); unset, every caller runs the program itself.
 */
export const RECORDINGS_VARIABLE = "ENVIRONMENT_RECORDINGS_DIR";

/** Replaces every promise in a recorded value (an archive's path) with what it resolves to. */
async function settled(value: unknown): Promise<unknown> {
  const resolved: unknown = await value;
  if (Array.isArray(resolved)) {
    return Promise.all(resolved.map(settled));
  }
  if (resolved !== null && typeof resolved === "object") {
    const entries = await Promise.all(
      Object.entries(resolved).map(async ([key, entry]) => [key, await settled(entry)] as const),
    );
    return Object.fromEntries(entries);
  }
  return resolved;
}

/**
 * What `environments/<env>/index.ts` registers on stack `<env>` (or on a review stack of it,
 * `dev-pr42`) under the mocks, recorded once per test run with `runEnvironmentProgram`
 * (scripts/plan/mock-runtime-environments.ts, passed in so a test file that mocks that module can
 * record through the real one): the first test file to ask runs the program and writes the
 * recording as JSON, the others read it. A recording holds plain data: an archive is
 * `{ __pulumiArchive, path }` with its path resolved, class instances are plain objects.
 */
export async function recordedEnvironmentProgram(
  environment: EnvironmentName,
  runEnvironmentProgram: EnvironmentProgramRunner,
  stack: string = environment,
): Promise<ProgramResult> {
  const run = () => runEnvironmentProgram(environment, stack === environment ? {} : { stack });
  const directory = process.env[RECORDINGS_VARIABLE];
  if (directory === undefined || directory === "") {
    return run();
  }
  const file = path.join(directory, `${stack}.json`);
  if (fs.existsSync(file)) {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ProgramResult;
  }
  const result = await run();
  const recording = JSON.stringify(await settled(result));
  // Written whole, then renamed: a test file reading at the same time sees all of it or none.
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, recording);
  fs.renameSync(partial, file);
  return JSON.parse(recording) as ProgramResult;
}

/**
 * A program runner that reads the run's recording of a stack, for a caller that takes a runner
 * (`planEnvironment`). Only runs with the stack's own config are recorded: a run with an
 * `ENVIRONMENT_SUFFIX` or another suffix is refused rather than answered with the wrong resources.
 */
export function recordedProgramRunner(
  runEnvironmentProgram: EnvironmentProgramRunner,
): EnvironmentProgramRunner {
  return (environment, options = {}) => {
    if (options.envOverride !== undefined || options.suffix !== undefined) {
      return Promise.reject(
        new Error(
          `Only a stack's own config is recorded, without ENVIRONMENT_SUFFIX or another suffix; run this one with runEnvironmentProgram (${JSON.stringify(options)}).`,
        ),
      );
    }
    return recordedEnvironmentProgram(environment, runEnvironmentProgram, options.stack);
  };
}
