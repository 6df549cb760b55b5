import { loadBootstrapConfig } from "./config";
import { bootstrapProgram } from "./program";

// An async entry point: the program checks the account before it registers anything.
export = async () => bootstrapProgram(loadBootstrapConfig());
