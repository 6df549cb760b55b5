import type { Command, Option } from "commander";

/**
 * How npm runs a command: `npm start`, `npm run <script>`, and the options npm keeps for itself
 * when they are written before `--`, so the command line meant can be suggested.
 */

/** `npm start`, `npm test`; `npm run <script>` for the others. */
export function npmInvocation(script: string): string {
  return ["start", "stop", "restart", "test"].includes(script)
    ? `npm ${script}`
    : `npm run ${script}`;
}

/** Whether `option` takes a value (`--env <environment>`), as opposed to a switch (`--check`). */
function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** The npm script running this process (`npm start`, `npm run bench`), not `npx`. */
export function npmScript(env: NodeJS.ProcessEnv): string | undefined {
  const script = env.npm_lifecycle_event;
  return script === undefined || script === "" || env.npm_command === "exec" ? undefined : script;
}

/**
 * `npm start --env production` gives `--env` to npm, not to the command: npm keeps the options
 * written before `--` as its own settings (`npm_config_env=true`) and passes on only `production`.
 * Finds such options of `command` that `argv` lacks and returns the command line meant, or
 * `undefined` when the command was not run by npm or nothing was taken.
 */
export function npmSwallowedOptions(
  command: Command,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { readonly flags: readonly string[]; readonly meant: string } | undefined {
  const script = npmScript(env);
  if (script === undefined) {
    return undefined;
  }
  const given = new Set(argv.filter((arg) => arg.startsWith("-")).map((arg) => arg.split("=")[0]));
  const taken: { option: Option; flag: string; value: string }[] = [];
  // npm sets its settings in the order they were given.
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith("npm_config_") || value === undefined) {
      continue;
    }
    const name = key.slice("npm_config_".length).replace(/_/g, "-");
    const option = command.options.find(
      (candidate) =>
        candidate.long !== undefined &&
        !candidate.negate &&
        candidate.long === `--${name}` &&
        candidate.long !== "--help",
    );
    const negated = command.options.find(
      (candidate) => candidate.negate && candidate.long === `--no-${name}` && value === "",
    );
    const found = option ?? negated;
    if (found?.long !== undefined && !given.has(found.long)) {
      taken.push({ option: found, flag: found.long, value });
    }
  }
  if (taken.length === 0) {
    return undefined;
  }
  // The words npm passed on that no option of the command reads: the values of the taken options.
  const strays: number[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg.startsWith("-")) {
      const option = command.options.find((candidate) => candidate.long === arg);
      if (option !== undefined && takesValue(option) && !arg.includes("=")) {
        i += 1;
      }
      continue;
    }
    strays.push(i);
  }
  const used = new Set<number>();
  const words: string[] = [];
  for (const { option, flag, value } of taken) {
    words.push(flag);
    if (!takesValue(option)) {
      continue;
    }
    if (value !== "true" && value !== "") {
      words.push(shellWord(value));
      continue;
    }
    const stray = strays.find((index) => !used.has(index));
    if (stray === undefined) {
      // The value's placeholder, `<environment>`, left for the reader to fill in.
      words.push(option.flags.replace(/^.*?(<[^>]+>|\[[^\]]+\]).*$/, "$1"));
    } else {
      used.add(stray);
      words.push(shellWord(argv[stray]));
    }
  }
  const rest = argv.filter((_, index) => !used.has(index)).map(shellWord);
  return {
    flags: taken.map(({ flag }) => flag),
    meant: `${npmInvocation(script)} -- ${[...words, ...rest].join(" ")}`,
  };
}
