import { runMain } from "../cli/program";
import { redriveCli } from "./redrive-cli";

/** `npm run redrive -- --help` tells how to use it; see also README.md, "Operator commands". */
runMain(redriveCli);
