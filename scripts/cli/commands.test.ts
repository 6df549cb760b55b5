import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseBenchArgs } from "../bench/bench";
import { parseBuildArgs } from "../build/build-functions";
import { parseDriftArgs } from "../gitops/drift";
import { parseLocalRunArgs } from "../local-run/local-run-options";
import { rebuildBarsCli } from "../operations/rebuild";
import { reconcileCli } from "../operations/reconcile";
import { redriveCli } from "../operations/redrive-cli";
import { parsePlanArgs } from "../plan/plan";
import { parsePrCommentArgs } from "../plan/pr-comment";
import { parsePulumiEnvArgs } from "../gitops/pulumi-env";
import { parseSmokeArgs } from "../smoke/smoke";
import { parseVerifyReleaseArgs } from "../gitops/verify-release";
import { captureIo } from "./capture-io";
import type { CommandIo, Parsed } from "./program";
import { EXIT_OK, EXIT_USAGE } from "./program";

/**
 * Every command's command line, from one table: `--help`, an unknown option and a bad value, in
 * process through each command's parser, then once per command as the real entry point.
 */

/** The exit code of a command line; `undefined` when the command would run. */
type Run = (argv: readonly string[], io: CommandIo) => Promise<number | undefined>;

const parsing =
  (parse: (argv: readonly string[], io: CommandIo) => Parsed<unknown>): Run =>
  (argv, io) => {
    const parsed = parse(argv, io);
    return Promise.resolve(parsed.kind === "exit" ? parsed.code : undefined);
  };

interface CommandCase {
  /** The npm script. */
  readonly script: string;
  /** The entry point, relative to scripts/. */
  readonly file: string;
  readonly run: Run;
  /** The options the command requires, to test one problem at a time. */
  readonly required: readonly string[];
  /** A bad value and what the message says about it. */
  readonly bad: readonly [readonly string[], string];
  readonly env?: NodeJS.ProcessEnv;
}

const ENVIRONMENT_CHOICES = "Allowed choices are dev, staging, production.";
const RANGE = ["--from", "2026-11-27T13:00Z", "--to", "2026-11-27T14:00Z"];

const COMMANDS: readonly CommandCase[] = [
  {
    script: "start",
    file: "local-run/local-run.ts",
    run: parsing(parseLocalRunArgs),
    required: [],
    bad: [["--env", "prod"], `${ENVIRONMENT_CHOICES} Did you mean production?`],
  },
  {
    script: "plan",
    file: "plan/plan.ts",
    run: parsing(parsePlanArgs),
    required: [],
    bad: [["--format", "md"], "Allowed choices are text, markdown. Did you mean markdown?"],
  },
  {
    script: "bench",
    file: "bench/bench.ts",
    run: parsing(parseBenchArgs),
    required: [],
    bad: [["--format", "html"], "Allowed choices are text, markdown."],
  },
  {
    script: "build",
    file: "build/build-functions.ts",
    run: parsing(parseBuildArgs),
    required: [],
    bad: [
      ["--function", "api"],
      "Allowed choices are market-processor, market-archiver, analytics-api. Did you mean analytics-api?",
    ],
  },
  {
    script: "smoke",
    file: "smoke/smoke.ts",
    run: parsing(parseSmokeArgs),
    required: ["--env", "dev"],
    bad: [["--env", "qa"], ENVIRONMENT_CHOICES],
  },
  {
    script: "drift",
    file: "gitops/drift.ts",
    run: parsing(parseDriftArgs),
    required: ["--env", "production"],
    bad: [["--env", "Prod"], `${ENVIRONMENT_CHOICES} Did you mean production?`],
  },
  {
    script: "verify-release",
    file: "gitops/verify-release.ts",
    run: parsing((argv, io) => parseVerifyReleaseArgs(argv, "/repo", io)),
    required: ["--tag", "v1.4.2"],
    bad: [["--repo", "not a repo"], 'Repository "not a repo" is not OWNER/REPO.'],
    env: { GITHUB_REPOSITORY: "acme/trading-analytics" },
  },
  {
    script: "pulumi-env",
    file: "gitops/pulumi-env.ts",
    run: parsing(parsePulumiEnvArgs),
    required: ["--env", "staging"],
    bad: [["--format", "yaml"], "Allowed choices are shell, json, github-output."],
  },
  {
    script: "pr-comment",
    file: "plan/pr-comment.ts",
    run: parsing(parsePrCommentArgs),
    required: ["--pr", "12", "--key", "plan", "--title", "Plan", "--body-file", "plan.md"],
    bad: [["--pr", "twelve"], "Expected a pull request number, e.g. --pr 12."],
  },
  {
    script: "redrive",
    file: "operations/redrive-command.ts",
    run: redriveCli,
    required: ["--env", "dev", "--consumer", "market-processor"],
    bad: [
      ["--consumer", "processor"],
      "Allowed choices are market-processor, market-archiver. Did you mean market-processor?",
    ],
  },
  {
    script: "rebuild-bars",
    file: "operations/rebuild-bars-command.ts",
    run: rebuildBarsCli,
    required: ["--env", "dev", ...RANGE],
    bad: [["--env", "stage"], `${ENVIRONMENT_CHOICES} Did you mean staging?`],
  },
  {
    script: "reconcile",
    file: "operations/reconcile-command.ts",
    run: reconcileCli,
    required: ["--env", "dev", ...RANGE],
    bad: [["--format", "markdwn"], "Allowed choices are text, markdown. Did you mean markdown?"],
  },
];

/** The required options with the bad value in place of the same option's good one. */
function withBad(command: CommandCase): string[] {
  const [bad] = command.bad;
  const args = [...command.required];
  const at = args.indexOf(bad[0]);
  if (at === -1) {
    return [...args, ...bad];
  }
  args.splice(at, 2, ...bad);
  return args;
}

describe.each(COMMANDS)("the command line of $script", (command) => {
  const invocation = command.script === "start" ? "npm start" : `npm run ${command.script}`;

  it("answers --help with usage, options with defaults and an example, exit 0", async () => {
    const io = captureIo(command.env);
    expect(await command.run(["--help"], io)).toBe(EXIT_OK);
    const help = io.out();
    expect(help).toMatch(new RegExp(`^Usage: ${invocation} -- `));
    expect(help).toContain("\nOptions:\n");
    expect(help).toContain("-h, --help");
    expect(help).toContain("Exit codes: 0 ");
    expect(help).toMatch(new RegExp(`\\nExamples?:\\n  ${invocation}`));
    expect(io.err()).toBe("");
    // -h is the same, with the required options or without them.
    const short = captureIo(command.env);
    expect(await command.run([...command.required, "-h"], short)).toBe(EXIT_OK);
    expect(short.out()).toBe(help);
  });

  it("shows every default in the help", async () => {
    const io = captureIo(command.env);
    await command.run(["--help"], io);
    expect(io.out()).toMatch(/\(default: [^)]+\)|\(choices: [^)]+, default: [^)]+\)/);
  });

  it("rejects an unknown option with exit 2, naming the valid options", async () => {
    const io = captureIo(command.env);
    expect(await command.run([...command.required, "--bogus"], io)).toBe(EXIT_USAGE);
    expect(io.err()).toContain("error: unknown option '--bogus'");
    expect(io.err()).toMatch(/Valid options: --[a-z-]+(, --[a-z-]+)*, --help\.\n$/);
    expect(io.out()).toBe("");
  });

  it("rejects a bad value with exit 2, naming the choices or the expected form", async () => {
    const io = captureIo(command.env);
    expect(await command.run(withBad(command), io)).toBe(EXIT_USAGE);
    expect(io.err()).toContain(command.bad[1]);
    expect(io.out()).toBe("");
  });

  it("rejects a stray argument with exit 2", async () => {
    const io = captureIo(command.env);
    expect(await command.run([...command.required, "stray"], io)).toBe(EXIT_USAGE);
    expect(io.err()).toContain("too many arguments");
  });

  it("names the command line meant when npm kept an option for itself", async () => {
    const [flag, value] = command.required.length > 0 ? command.required : command.bad[0];
    const rest = command.required.slice(2);
    const io = captureIo({
      ...command.env,
      npm_lifecycle_event: command.script,
      [`npm_config_${flag.slice(2).replace(/-/g, "_")}`]: "true",
    });
    expect(await command.run([value, ...rest], io)).toBe(EXIT_USAGE);
    expect(io.err()).toContain(
      `Did you mean ${invocation} -- ${[flag, value, ...rest].join(" ")}?`,
    );
  });
});

describe.each(COMMANDS.filter((command) => command.required.length > 0))(
  "the required options of $script",
  (command) => {
    it("are named when missing, with exit 2", async () => {
      const io = captureIo(command.env);
      const missing = command.required[0];
      expect(await command.run(command.required.slice(2), io)).toBe(EXIT_USAGE);
      expect(io.err()).toContain(`required option '${missing} <`);
    });
  },
);

describe("the entry points as processes", () => {
  const root = join(__dirname, "..", "..");
  const tsx = join(root, "node_modules", ".bin", "tsx");
  // npm's own variables would make the commands look for options npm kept.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)),
  );

  interface Result {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
  }

  function run(file: string, args: readonly string[]): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn(tsx, [join(root, "scripts", file), ...args], { cwd: root, env });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  /** Runs every job, a few at a time. */
  async function all<T>(jobs: readonly (() => Promise<T>)[]): Promise<T[]> {
    const results: T[] = [];
    let next = 0;
    const lanes = Array.from({ length: Math.max(2, availableParallelism()) }, async () => {
      for (let index = next++; index < jobs.length; index = next++) {
        results[index] = await jobs[index]();
      }
    });
    await Promise.all(lanes);
    return results;
  }

  it("every command answers --help with its usage and an example, exit 0", async () => {
    const results = await all(COMMANDS.map((command) => () => run(command.file, ["--help"])));
    COMMANDS.forEach((command, index) => {
      const invocation = command.script === "start" ? "npm start" : `npm run ${command.script}`;
      const { status, stdout, stderr } = results[index];
      expect({ script: command.script, status, stderr }).toEqual({
        script: command.script,
        status: EXIT_OK,
        stderr: "",
      });
      expect(stdout).toMatch(new RegExp(`^Usage: ${invocation} -- `));
      expect(stdout).toMatch(new RegExp(`\\nExamples?:\\n  ${invocation}`));
    });
  });

  it("exits 2 for an unknown option, naming the valid ones", async () => {
    const { status, stdout, stderr } = await run("plan/pr-comment.ts", ["--pr", "1", "--bogus"]);
    expect(status).toBe(EXIT_USAGE);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "error: unknown option '--bogus'\nValid options: --pr, --key, --title, --body-file, --repo, --help.\n",
    );
  });
});
