import { Option } from "commander";
import { captureIo } from "./capture-io";
import {
  EXIT_OK,
  EXIT_PROBLEM,
  EXIT_USAGE,
  UsageError,
  parseCommand,
  runCommand,
  type CommandIo,
} from "./program";
import { suggestChoice } from "./program-choices";
import { createCommand, wrapParagraphs } from "./program-help";
import { npmInvocation, npmSwallowedOptions } from "./program-npm";
import { collect } from "./program-parsers";

function example(io: CommandIo) {
  return createCommand(
    {
      script: "example",
      description: "An example command.",
      exitCodes: { ok: "fine", problem: "a problem" },
      examples: ["npm run example -- --env dev"],
    },
    io,
  )
    .addOption(new Option("--env <environment>", "where").choices(["dev", "staging", "production"]))
    .addOption(new Option("--format <format>", "how").choices(["text", "markdown"]).default("text"))
    .addOption(new Option("--tag <tag>", "which"))
    .addOption(new Option("--quick", "faster"))
    .addOption(new Option("--no-issue", "no issue"))
    .addOption(new Option("--item <name>", "repeatable").choices(["a", "b"]).argParser(collect));
}

describe("suggestChoice", () => {
  const environments = ["dev", "staging", "production"];

  it.each([
    ["prod", "production"],
    ["PRODUCTION", "production"],
    ["Dev", "dev"],
    ["stage", "staging"],
    ["stg", "staging"],
    ["development", "dev"],
    ["stagin", "staging"],
    ["prodution", "production"],
  ])("reads %s as %s", (typed, meant) => {
    expect(suggestChoice(typed, environments)).toBe(meant);
  });

  it.each(["qa", "", "x", "test"])("suggests nothing for %j", (typed) => {
    expect(suggestChoice(typed, environments)).toBeUndefined();
  });

  it("finds a choice by a distinctive part, and formats by their usual names", () => {
    expect(suggestChoice("api", ["market-processor", "market-archiver", "analytics-api"])).toBe(
      "analytics-api",
    );
    expect(suggestChoice("market", ["market-processor", "market-archiver"])).toBeUndefined();
    expect(suggestChoice("md", ["text", "markdown"])).toBe("markdown");
  });
});

describe("parseCommand", () => {
  it("returns the options, defaults included", () => {
    const io = captureIo();
    expect(
      parseCommand(example(io), ["--env", "dev", "--item", "a", "--item=b", "--no-issue"], io),
    ).toEqual({
      kind: "run",
      options: { env: "dev", format: "text", item: ["a", "b"], issue: false },
    });
  });

  it("names the choice meant, also for a repeatable option", () => {
    const io = captureIo();
    expect(parseCommand(example(io), ["--env", "prod"], io)).toEqual({ kind: "exit", code: 2 });
    expect(io.err()).toBe(
      "error: option '--env <environment>' argument 'prod' is invalid. Allowed choices are dev, staging, production. Did you mean production?\n",
    );
    const item = captureIo();
    expect(parseCommand(example(item), ["--item", "a", "--item", "c"], item)).toEqual({
      kind: "exit",
      code: 2,
    });
    expect(item.err()).toContain("argument 'c' is invalid. Allowed choices are a, b.\n");
  });

  it("checks required options after unknown ones, and reports a UsageError from validate", () => {
    const unknown = captureIo();
    parseCommand(example(unknown), ["--evn", "dev"], unknown, { required: ["--env"] });
    expect(unknown.err()).toBe(
      "error: unknown option '--evn'\n(Did you mean --env?)\nValid options: --env, --format, --tag, --quick, --no-issue, --item, --help.\n",
    );
    const missing = captureIo();
    parseCommand(example(missing), [], missing, { required: ["--env"] });
    expect(missing.err()).toBe(
      "error: required option '--env <environment>' not specified. See --help.\n",
    );
    const invalid = captureIo();
    expect(
      parseCommand(example(invalid), ["--tag", "x"], invalid, {
        validate: () => {
          throw new UsageError("--tag x is not a release.");
        },
      }),
    ).toEqual({ kind: "exit", code: EXIT_USAGE });
    expect(invalid.err()).toBe("error: --tag x is not a release.\n");
  });

  it("prints the help with the exit codes and the example, exit 0", () => {
    const io = captureIo();
    expect(parseCommand(example(io), ["--help"], io)).toEqual({ kind: "exit", code: EXIT_OK });
    expect(io.out()).toBe(
      [
        "Usage: npm run example -- [options]",
        "",
        "An example command.",
        "",
        "Options:",
        '  --env <environment>  where (choices: "dev", "staging", "production")',
        '  --format <format>    how (choices: "text", "markdown", default: "text")',
        "  --tag <tag>          which",
        "  --quick              faster",
        "  --no-issue           no issue",
        '  --item <name>        repeatable (choices: "a", "b")',
        "  -h, --help           show this help and exit",
        "",
        "Exit codes: 0 fine; 1 a problem; 2 bad usage (an unknown option, a missing one or a bad value).",
        "",
        "Example:",
        "  npm run example -- --env dev",
        "",
      ].join("\n"),
    );
  });

  it("under npm, says that options go after -- when a word is left over", () => {
    const io = captureIo({ npm_lifecycle_event: "example" });
    expect(parseCommand(example(io), ["markdown"], io)).toEqual({ kind: "exit", code: 2 });
    expect(io.err()).toContain(
      "npm passes on only what follows --: write the options after it, e.g. npm run example -- --help.\n",
    );
  });
});

describe("npmSwallowedOptions", () => {
  const command = example(captureIo());
  const npm = (config: Record<string, string>): NodeJS.ProcessEnv => ({
    npm_lifecycle_event: "example",
    ...Object.fromEntries(
      Object.entries(config).map(([name, value]) => [`npm_config_${name}`, value]),
    ),
  });

  it("pairs the options npm kept with the words it passed on, in order", () => {
    expect(
      npmSwallowedOptions(command, ["dev", "markdown"], npm({ env: "true", format: "true" })),
    ).toEqual({
      flags: ["--env", "--format"],
      meant: "npm run example -- --env dev --format markdown",
    });
  });

  it("keeps switches without a value, a value npm read itself, and what followed --", () => {
    expect(
      npmSwallowedOptions(
        command,
        ["--env", "staging"],
        npm({ quick: "true", tag: "v1.2.3", issue: "" }),
      ),
    ).toEqual({
      flags: ["--quick", "--tag", "--no-issue"],
      meant: "npm run example -- --quick --tag v1.2.3 --no-issue --env staging",
    });
  });

  it("shows a placeholder for a value npm took and did not pass on, and quotes what needs it", () => {
    expect(npmSwallowedOptions(command, [], npm({ env: "true" }))?.meant).toBe(
      "npm run example -- --env <environment>",
    );
    expect(npmSwallowedOptions(command, ["a b"], npm({ tag: "true" }))?.meant).toBe(
      "npm run example -- --tag 'a b'",
    );
  });

  it("says nothing outside npm, under npx, or when the option was given after --", () => {
    expect(npmSwallowedOptions(command, ["dev"], { npm_config_env: "true" })).toBeUndefined();
    expect(
      npmSwallowedOptions(command, ["dev"], {
        npm_lifecycle_event: "npx",
        npm_command: "exec",
        npm_config_env: "true",
      }),
    ).toBeUndefined();
    expect(
      npmSwallowedOptions(command, ["--env", "dev"], npm({ env: "true", cache: "/tmp" })),
    ).toBeUndefined();
  });

  it("names npm start and npm test without run", () => {
    expect(npmInvocation("start")).toBe("npm start");
    expect(npmInvocation("test")).toBe("npm test");
    expect(npmInvocation("bench")).toBe("npm run bench");
  });
});

describe("runCommand", () => {
  it("maps the action's result and errors to exit codes", async () => {
    const ok = captureIo();
    expect(await runCommand(example(ok), [], ok, [], () => Promise.resolve(EXIT_OK))).toBe(0);
    const failed = captureIo();
    expect(
      await runCommand(example(failed), [], failed, [], () => Promise.reject(new Error("boom"))),
    ).toBe(EXIT_PROBLEM);
    expect(failed.err()).toBe("error: boom\n");
    const usage = captureIo();
    expect(
      await runCommand(example(usage), [], usage, [], () =>
        Promise.reject(new UsageError("--to must be after --from.")),
      ),
    ).toBe(EXIT_USAGE);
  });
});

describe("wrapParagraphs", () => {
  it("wraps each paragraph to the width and keeps the blank lines between them", () => {
    expect(wrapParagraphs("one two three four\n\nfive  six", 9)).toBe(
      "one two\nthree\nfour\n\nfive six",
    );
  });
});
