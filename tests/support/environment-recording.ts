import fs from "node:fs";
import path from "node:path";
import type { EnvironmentName } from "../../modules/config/settings";
import type { ProgramResult } from "../../scripts/plan/mock-runtime";

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
 * What `environments/<env>/index.ts` registers on stack `<env>` under the mocks, recorded once per
 * test run with `runEnvironmentProgram` (scripts/plan/mock-runtime-environments.ts, passed in so a
 * test file that mocks that module can record through the real one): the first test file to ask
 * runs the program and writes the recording as JSON, the
 * others read it. A recording holds plain data: an archive is `{ __pulumiArchive, path }` with its
 * path resolved, class instances are plain objects.
 */
export async function recordedEnvironmentProgram(
  environment: EnvironmentName,
  runEnvironmentProgram: (environment: EnvironmentName) => Promise<ProgramResult>,
): Promise<ProgramResult> {
  const directory = process.env[RECORDINGS_VARIABLE];
  if (directory === undefined || directory === "") {
    return runEnvironmentProgram(environment);
  }
  const file = path.join(directory, `${environment}.json`);
  if (fs.existsSync(file)) {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ProgramResult;
  }
  const result = await runEnvironmentProgram(environment);
  const recording = JSON.stringify(await settled(result));
  // Written whole, then renamed: a test file reading at the same time sees all of it or none.
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, recording);
  fs.renameSync(partial, file);
  return JSON.parse(recording) as ProgramResult;
}

/** `runEnvironmentProgram`'s signature (scripts/plan/mock-runtime-environments.ts). */
type EnvironmentProgramRunner =
  typeof import("../../scripts/plan/mock-runtime-environments").runEnvironmentProgram;

/**
 * A program runner that reads the run's recording of an environment's own stack, for a caller that
 * takes a runner (`planEnvironment`). Only that run is recorded: a run with an `ENVIRONMENT_SUFFIX`,
 * another suffix or another stack is refused rather than answered with the wrong resources.
 */
export function recordedProgramRunner(
  runEnvironmentProgram: EnvironmentProgramRunner,
): EnvironmentProgramRunner {
  return (environment, options = {}) => {
    const stack = options.stack ?? environment;
    if (
      options.envOverride !== undefined ||
      options.suffix !== undefined ||
      stack !== environment
    ) {
      return Promise.reject(
        new Error(
          `Only ${environment}'s own stack without ENVIRONMENT_SUFFIX is recorded; run this one with runEnvironmentProgram (${JSON.stringify(options)}).`,
        ),
      );
    }
    return recordedEnvironmentProgram(environment, runEnvironmentProgram);
  };
}
