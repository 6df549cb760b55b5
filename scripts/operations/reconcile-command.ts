import { runMain } from "../cli/program";
import { reconcileCli } from "./reconcile";

/** `npm run reconcile -- --help` tells how to use it; see also README.md, "Operator commands". */
runMain(reconcileCli);
