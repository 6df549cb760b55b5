import { exitQuietlyOnClosedPipe, processIo } from "./operations/cli";
import { rebuildBarsCli } from "./operations/rebuild";

exitQuietlyOnClosedPipe();

/** `npm run rebuild-bars -- --help` tells how to use it; see also README.md, "Operator commands". */
rebuildBarsCli(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
