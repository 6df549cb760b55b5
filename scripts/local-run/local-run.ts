import { EXIT_PROBLEM, runMain, type CommandIo } from "../cli/program";
import { parseLocalRunArgs } from "./local-run-options";

// The SDK warns once per process that it will need Node.js 22 from 2027; Lambda runs nodejs24.x.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** `npm start -- [options]`; resolves with the exit code. */
async function localRunCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseLocalRunArgs(argv, io);
  if (parsed.kind === "exit") {
    return parsed.code;
  }
  // The pipeline, its emulators and the SDK load once the command line is valid, so --help and a
  // usage error answer at once.
  const { runLocally } = await import("./local-run-console");
  return runLocally(parsed.options);
}

runMain(async (argv, io) => {
  try {
    return await localRunCli(argv, io);
  } catch (error) {
    io.stderr(
      `\nLocal run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_PROBLEM;
  }
});
