import { spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";

import { Option } from "commander";
import type { Command } from "commander";

import { environmentDirectory, stackName } from "../../environments/backends";
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../../modules/config/settings";
import { EXIT_PROBLEM, parseCommand, runMain, type CommandIo, type Parsed } from "../cli/program";
import { createCommand } from "../cli/program-help";
import { checked } from "../cli/program-parsers";
import {
  closeIssue,
  codeFence,
  createIssue,
  findOpenIssues,
  ghCli,
  resolveRepository,
  stripAnsi,
  updateIssueBody,
  type GhRunner,
} from "./github";

/**
 * The drift check of one environment: `pulumi refresh --preview-only --expect-no-changes`, which
 * compares the resources in the cloud with the stack's state and runs no program, so it reports
 * what changed outside Pulumi and nothing else: a change merged but not yet deployed is not drift.
 * (`pulumi preview --refresh` would also show every such change, because it compares the cloud
 * with the checked-out code.) Then exactly one open GitHub issue per drifting environment
 * (created, or updated with the latest diff) and none once the environment is clean again.
 *
 * A preview-only refresh takes no state lock (the DIY backend locks a refresh only when it applies
 * it: pkg/backend/diy/backend.go, Refresh, in Pulumi 3.248), so the read-only role can run it while
 * an up holds the lock. pulumi/actions cannot pass `--preview-only`, so this runs the CLI that
 * .github/actions/setup-pulumi installs at the version in .pulumi-version.
 *
 *   npm run drift -- --env production [--run-url <url>] [--repo OWNER/REPO] [--no-issue]
 *
 * Exit codes: 0 clean; 1 drift (recorded in the issue) or the check itself failed (issues left
 * alone; the message says which); 2 bad usage.
 */

export const DRIFT_LABEL = "drift";

export type DriftStatus = "clean" | "drift" | "error";

/**
 * What `--expect-no-changes` prints when there were changes: "no changes were expected for refresh
 * but changes were proposed" (backenderr.NoChangesExpectedError in Pulumi 3.248; older CLIs said it
 * without "for <operation>").
 */
const NO_CHANGES_EXPECTED = /no changes were expected( for [a-z]+)? but changes were proposed/;

export function classifyDriftCheck(exitCode: number, output: string): DriftStatus {
  if (exitCode === 0) {
    return "clean";
  }
  return NO_CHANGES_EXPECTED.test(output) ? "drift" : "error";
}

export function driftIssueTitle(environment: EnvironmentName): string {
  return `Drift detected in ${environment}`;
}

/** The arguments of the drift check, run in the repository root. */
export function driftCheckArguments(environment: EnvironmentName): string[] {
  return [
    "refresh",
    "--preview-only",
    "--expect-no-changes",
    "--stack",
    stackName(environment),
    "--cwd",
    environmentDirectory(environment),
    "--diff",
    "--non-interactive",
    "--color",
    "never",
    "--suppress-progress",
  ];
}

export function driftIssueBody(
  environment: EnvironmentName,
  output: string,
  runUrl: string | undefined,
  detectedAt: Date,
): string {
  const run = runUrl === undefined ? "" : ` in [this workflow run](${runUrl})`;
  return [
    `The resources of \`${environment}\` no longer match its Pulumi state: \`pulumi refresh --preview-only --expect-no-changes\` found changes${run} at ${detectedAt.toISOString()}.`,
    "",
    'Someone or something changed these resources outside Pulumi (a change merged but not yet deployed does not show here). Run `pulumi refresh` with credentials that may write the state, to take the cloud into it; then either deploy the code as it is to undo the change, or first change the code to keep it (see "Drift" in the Deploying chapter of the README). This issue is updated by every drift run and closed by the first one that finds the environment clean.',
    "",
    "<details open><summary>Diff</summary>",
    "",
    codeFence(stripAnsi(output).trim(), "diff"),
    "",
    "</details>",
    "",
  ].join("\n");
}

export type IssueAction =
  | { readonly action: "created"; readonly number: number; readonly url: string }
  | { readonly action: "updated"; readonly number: number; readonly url: string }
  | { readonly action: "closed"; readonly numbers: readonly number[] }
  | { readonly action: "none" };

/**
 * Drift: update the open issue (and close any duplicates), or create one. Clean: close the open
 * ones. An error leaves the issues alone: a failed check says nothing about drift.
 */
export function syncDriftIssue(
  gh: GhRunner,
  repository: string,
  environment: EnvironmentName,
  status: DriftStatus,
  body: string,
  runUrl: string | undefined,
): IssueAction {
  if (status === "error") {
    return { action: "none" };
  }
  const title = driftIssueTitle(environment);
  const open = findOpenIssues(gh, repository, title, DRIFT_LABEL).sort(
    (a, b) => a.number - b.number,
  );
  const where = runUrl === undefined ? "" : ` ([run](${runUrl}))`;
  if (status === "clean") {
    for (const issue of open) {
      closeIssue(
        gh,
        repository,
        issue.number,
        `The drift check found \`${environment}\` clean again${where}; closing.`,
      );
    }
    return open.length === 0
      ? { action: "none" }
      : { action: "closed", numbers: open.map((issue) => issue.number) };
  }
  const [current, ...duplicates] = open;
  for (const duplicate of duplicates) {
    closeIssue(
      gh,
      repository,
      duplicate.number,
      `Duplicate of #${current.number}, which tracks drift in \`${environment}\`.`,
    );
  }
  if (current !== undefined) {
    updateIssueBody(gh, repository, current.number, body);
    return { action: "updated", number: current.number, url: current.html_url };
  }
  const created = createIssue(gh, repository, title, body, DRIFT_LABEL);
  return { action: "created", number: created.number, url: created.html_url };
}

export interface DriftOptions {
  readonly environment: EnvironmentName;
  readonly runUrl: string | undefined;
  readonly repository: string | undefined;
  readonly manageIssue: boolean;
}

/** `npm run drift`'s command line. */
export function driftCommand(io: CommandIo): Command {
  return createCommand(
    {
      script: "drift",
      description:
        "Checks whether an environment's cloud still matches its Pulumi state: `pulumi refresh --preview-only --expect-no-changes`, which compares the resources in the cloud with the stack's state and runs no program (a change merged but not yet deployed is not drift). Keeps exactly one open GitHub issue (label drift) per drifting environment with the latest diff, and closes it once the environment is clean.",
      usage: "--env <environment> [options]",
      details:
        "Needs the Pulumi CLI logged in to the environment's backend (PULUMI_BACKEND_URL), read access to the account, and gh with a token that may write issues unless --no-issue. Prints the verdict (with the diff on drift); appends its first line to GITHUB_STEP_SUMMARY when set.",
      exitCodes: {
        ok: "no drift",
        problem: "drift (recorded in the issue), or the check itself failed (issues left alone)",
      },
      examples: [
        "npm run drift -- --env production --no-issue",
        'npm run drift -- --env staging --repo acme/trading-analytics --run-url "$RUN_URL"',
      ],
    },
    io,
  )
    .addOption(
      new Option("--env <environment>", "the environment to check (required)").choices(
        ENVIRONMENT_NAMES,
      ),
    )
    .addOption(new Option("--run-url <url>", "the workflow run to link from the issue"))
    .addOption(
      new Option(
        "--repo <owner/repo>",
        "the repository whose issues record drift (default: GITHUB_REPOSITORY)",
      ).argParser(checked((repo) => resolveRepository(repo, {}))),
    )
    .addOption(new Option("--no-issue", "only check: open, update or close no issue"));
}

export function parseDriftArgs(argv: readonly string[], io: CommandIo): Parsed<DriftOptions> {
  return parseCommand<DriftOptions>(driftCommand(io), argv, io, {
    required: ["--env"],
    validate: (values) => ({
      environment: values.env as EnvironmentName,
      runUrl: values.runUrl === "" ? undefined : (values.runUrl as string | undefined),
      repository: values.repo as string | undefined,
      manageIssue: values.issue !== false,
    }),
  });
}

export interface PulumiResult {
  readonly exitCode: number;
  readonly output: string;
}

export type PulumiRunner = (args: readonly string[]) => PulumiResult;

export const pulumiCli: PulumiRunner = (args) => {
  const result = spawnSync("pulumi", [...args], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.error !== undefined) {
    const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
    return {
      exitCode: 1,
      output: missing
        ? "The Pulumi CLI (pulumi) is not installed or not on PATH: install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/); in CI, .github/actions/setup-pulumi installs it."
        : `Could not run the Pulumi CLI: ${result.error.message}.`,
    };
  }
  return { exitCode: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
};

export interface DriftReport {
  readonly status: DriftStatus;
  readonly issue: IssueAction;
  /** 0 clean, 1 drift or a failed check. */
  readonly exitCode: 0 | 1;
  readonly message: string;
}

export function runDrift(
  options: DriftOptions,
  env: NodeJS.ProcessEnv,
  pulumi: PulumiRunner,
  gh: GhRunner,
  now: () => Date,
): DriftReport {
  const { environment, runUrl } = options;
  const result = pulumi(driftCheckArguments(environment));
  const status = classifyDriftCheck(result.exitCode, result.output);
  if (status === "error") {
    return {
      status,
      issue: { action: "none" },
      exitCode: 1,
      message: `The drift check of ${environment} failed before it could compare (exit ${result.exitCode}); issues were left as they are. Pulumi said:\n${stripAnsi(result.output).trim()}`,
    };
  }
  const issue = options.manageIssue
    ? syncDriftIssue(
        gh,
        resolveRepository(options.repository, env),
        environment,
        status,
        driftIssueBody(environment, result.output, runUrl, now()),
        runUrl,
      )
    : ({ action: "none" } as const);
  if (status === "clean") {
    const closed = issue.action === "closed" ? ` Closed #${issue.numbers.join(", #")}.` : "";
    return { status, issue, exitCode: 0, message: `${environment} has no drift.${closed}` };
  }
  const where =
    issue.action === "created" || issue.action === "updated"
      ? ` See #${issue.number} (${issue.action}): ${issue.url}`
      : "";
  return {
    status,
    issue,
    exitCode: 1,
    message: `Drift detected in ${environment}: the cloud differs from the stack's state.${where}\n${stripAnsi(result.output).trim()}`,
  };
}

/** What the drift check runs; injected in tests. */
export interface DriftDependencies {
  readonly pulumi: PulumiRunner;
  readonly gh: GhRunner;
  readonly now: () => Date;
  readonly appendFile: (path: string, text: string) => void;
}

const live: DriftDependencies = {
  pulumi: pulumiCli,
  gh: ghCli,
  now: () => new Date(),
  appendFile: (path, text) => appendFileSync(path, text),
};

/** `npm run drift -- --env <env> [options]`; resolves with the exit code. */
export function driftCli(
  argv: readonly string[],
  io: CommandIo,
  dependencies: DriftDependencies = live,
): number {
  const parsed = parseDriftArgs(argv, io);
  if (parsed.kind === "exit") {
    return parsed.code;
  }
  try {
    const report = runDrift(
      parsed.options,
      io.env,
      dependencies.pulumi,
      dependencies.gh,
      dependencies.now,
    );
    (report.exitCode === 0 ? io.stdout : io.stderr)(`${report.message}\n`);
    const summary = io.env.GITHUB_STEP_SUMMARY;
    if (summary !== undefined && summary !== "") {
      dependencies.appendFile(summary, `### Drift check\n\n${report.message.split("\n")[0]}\n`);
    }
    return report.exitCode;
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_PROBLEM;
  }
}

if (require.main === module) {
  runMain(driftCli);
}
