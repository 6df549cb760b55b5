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
