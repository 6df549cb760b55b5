import { exitQuietlyOnClosedPipe, processIo } from "./operations/cli";
import { reconcileCli } from "./operations/reconcile";

exitQuietlyOnClosedPipe();

/** `npm run reconcile -- --help` tells how to use it; see also README.md, "Operator commands". */
reconcileCli(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
