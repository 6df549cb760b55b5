import { runMain } from "../cli/program";
import { rebuildBarsCli } from "./rebuild";

/** `npm run rebuild-bars -- --help` tells how to use it; see also README.md, "Operator commands". */
runMain(rebuildBarsCli);
