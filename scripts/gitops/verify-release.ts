import { spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";

import { Option } from "commander";
import type { Command } from "commander";

import {
  ghCli,
  listRunJobs,
  listWorkflowRuns,
  resolveRepository,
  type GhRunner,
  type WorkflowRun,
} from "./github";
import {
  EXIT_OK,
  EXIT_PROBLEM,
  UsageError,
  parseCommand,
  runMain,
  type CommandIo,
  type Parsed,
} from "../cli/program";
import { createCommand } from "../cli/program-help";
import { checked } from "../cli/program-parsers";

/**
 * The production gate: a release tag is `vMAJOR.MINOR.PATCH`, points at a commit that is on the
 * staging branch, and staging deployed exactly that commit successfully: the newest Deploy run of
 * it on staging succeeded, with its `up` and its smoke check. So production only ever runs what
 * staging has run. The deploy workflow runs this before it previews or deploys production, for tag
 * pushes and rollbacks alike.
 */

/** `v1.4.2`: numbers without leading zeros, no pre-release or build suffix. */
export const RELEASE_TAG_PATTERN = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export interface VerifyReleaseOptions {
  readonly tag: string;
  /** The branch whose history must contain the tag's commit. @default "staging" */
  readonly branch: string;
  /** The remote the branch is read from, as the checkout fetched it. @default "origin" */
  readonly remote: string;
  /** The repository to check. @default the working directory */
  readonly cwd: string;
  /** OWNER/REPO whose Actions runs show what staging deployed. @default GITHUB_REPOSITORY */
  readonly repository: string;
}

export interface VerifiedRelease {
  readonly tag: string;
  readonly commit: string;
  readonly branchRef: string;
  /** The Deploy run that deployed the commit to staging and smoke-checked it. */
  readonly stagingRun: { readonly number: number; readonly url: string };
}

/**
 * Where staging's deploy of a commit is recorded: runs of this workflow for a push to the staging
 * branch, whose job (the caller's job name, then the reusable workflow's) ran these steps.
 * tests/workflows.test.ts checks the names against the workflow files.
 */
export const STAGING_DEPLOY = {
  workflow: "deploy.yml",
  workflowName: "Deploy",
  job: "Staging / up staging",
  steps: ["Pulumi up", "Smoke check"],
} as const;

export class ReleaseVerificationError extends Error {}

interface GitResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function git(cwd: string, args: readonly string[]): GitResult {
  const result = spawnSync("git", [...args], { cwd, encoding: "utf8" });
  if (result.error !== undefined) {
    throw new ReleaseVerificationError(`Could not run git: ${result.error.message}`);
  }
  return {
    status: result.status ?? -1,
    stdout: result.stdout.trim(),
    stderr: result.stderr.trim(),
  };
}

export function checkTagShape(tag: string): void {
  if (!RELEASE_TAG_PATTERN.test(tag)) {
    throw new ReleaseVerificationError(
      `Tag "${tag}" is not a release tag: production deploys only tags shaped vMAJOR.MINOR.PATCH, e.g. v1.4.2 (no leading zeros, no suffix).`,
    );
  }
}

function isAncestor(cwd: string, ancestor: string, commit: string): boolean {
  return git(cwd, ["merge-base", "--is-ancestor", ancestor, commit]).status === 0;
}

function describeRun(run: WorkflowRun): string {
  return `${STAGING_DEPLOY.workflowName} run #${run.run_number} (${run.html_url})`;
}

/** Newest first: the API lists runs that way, but the check must not depend on it. */
function newestFirst(runs: readonly WorkflowRun[]): WorkflowRun[] {
  return [...runs].sort(
    (a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id,
  );
}

/**
 * Staging ran `commit` successfully: the newest run of the deploy workflow for a push of that
 * exact commit to `branch` completed with success, and in it the staging job and its up and smoke
 * steps succeeded. A commit that is merely an ancestor of the staging branch does not count: a push
 * deploys only its head, and a push that changes nothing that deploys starts no run at all.
 */
export function verifyStagingDeploy(
  gh: GhRunner,
  repository: string,
  tag: string,
  commit: string,
  branch: string,
  isDeployedAncestor: (deployed: string) => boolean,
): VerifiedRelease["stagingRun"] {
  const { workflow, job: jobName, steps: stepNames } = STAGING_DEPLOY;
  const runs = newestFirst(
    listWorkflowRuns(gh, repository, workflow, { head_sha: commit, branch, event: "push" }),
  ).filter((run) => run.head_sha === commit);
  const run = runs[0];
  const rule = `Production only runs a commit that ${branch} deployed and smoke-checked successfully.`;
  if (run === undefined) {
    const previous = newestFirst(
      listWorkflowRuns(gh, repository, workflow, { branch, event: "push", status: "success" }),
    ).find((candidate) => candidate.head_sha !== commit && isDeployedAncestor(candidate.head_sha));
    const advice =
      previous === undefined
        ? `Merge into ${branch}, let it deploy there, then tag the commit it deployed.`
        : `The newest commit before it that ${branch} deployed successfully is ${previous.head_sha}, in ${describeRun(previous)}: tag that one, or merge a change that deploys into ${branch} and tag its commit once it has deployed.`;
    throw new ReleaseVerificationError(
      `Tag ${tag} points at ${commit}, which ${branch} never deployed: there is no ${workflow} run for a push of it to ${branch} (a push that changes only documentation or tests starts none). ${rule} ${advice}`,
    );
  }
  if (run.status !== "completed") {
    throw new ReleaseVerificationError(
      `The ${branch} deploy of ${commit} (tag ${tag}) has not finished: ${describeRun(run)} is ${run.status}. ${rule} Wait for it to succeed, then run the release again.`,
    );
  }
  if (run.conclusion !== "success") {
    throw new ReleaseVerificationError(
      `The ${branch} deploy of ${commit} (tag ${tag}) did not succeed: ${describeRun(run)} ended ${run.conclusion ?? "without a conclusion"}. ${rule} Re-run it once the cause is fixed, or merge a fix into ${branch} and tag the commit it deploys.`,
    );
  }
  const jobs = listRunJobs(gh, repository, run.id);
  const job = jobs.find((candidate) => candidate.name === jobName);
  const failedSteps = stepNames.filter(
    (name) => job?.steps.find((step) => step.name === name)?.conclusion !== "success",
  );
  if (job === undefined || job.conclusion !== "success" || failedSteps.length > 0) {
    const found =
      job === undefined
        ? `it has no job "${jobName}" (jobs: ${jobs.map((candidate) => `"${candidate.name}"`).join(", ") || "none"})`
        : `in its job "${jobName}" (${job.conclusion ?? job.status}) these steps did not succeed: ${failedSteps.join(", ") || "none"}`;
    throw new ReleaseVerificationError(
      `${describeRun(run)} for ${commit} (tag ${tag}) succeeded, but ${found}. ${rule} It must show "${jobName}" with ${stepNames.map((name) => `"${name}"`).join(" and ")} successful.`,
    );
  }
  return { number: run.run_number, url: run.html_url };
}

export function verifyRelease(options: VerifyReleaseOptions, gh: GhRunner): VerifiedRelease {
  const { tag, branch, remote, cwd } = options;
  checkTagShape(tag);

  const inRepository = git(cwd, ["rev-parse", "--git-dir"]);
  if (inRepository.status !== 0) {
    throw new ReleaseVerificationError(`${cwd} is not a git repository: ${inRepository.stderr}`);
  }

  const commit = git(cwd, ["rev-parse", "--verify", "--quiet", `refs/tags/${tag}^{commit}`]);
  if (commit.status !== 0 || commit.stdout === "") {
    throw new ReleaseVerificationError(
      `Tag ${tag} does not exist in this clone. Push it (git push ${remote} ${tag}) and check out with all tags (actions/checkout with fetch-depth: 0).`,
    );
  }

  const branchRef = `refs/remotes/${remote}/${branch}`;
  const branchCommit = git(cwd, ["rev-parse", "--verify", "--quiet", `${branchRef}^{commit}`]);
  if (branchCommit.status !== 0) {
    throw new ReleaseVerificationError(
      `${remote}/${branch} is not in this clone, so tag ${tag} cannot be checked against it. Fetch all branches (actions/checkout with fetch-depth: 0, or git fetch ${remote} ${branch}).`,
    );
  }

  const ancestry = git(cwd, ["merge-base", "--is-ancestor", commit.stdout, branchRef]);
  if (ancestry.status === 1) {
    throw new ReleaseVerificationError(
      `Tag ${tag} points at ${commit.stdout}, which is not on ${remote}/${branch}. Production only runs commits that ${branch} already runs: merge the change into ${branch}, let it deploy there, then tag a commit from ${branch}.`,
    );
  }
  if (ancestry.status !== 0) {
    throw new ReleaseVerificationError(
      `git merge-base failed while checking ${tag} against ${remote}/${branch}: ${ancestry.stderr}`,
    );
  }
  const stagingRun = verifyStagingDeploy(
    gh,
    options.repository,
    tag,
    commit.stdout,
    branch,
    (deployed) => isAncestor(cwd, deployed, commit.stdout),
  );
  return { tag, commit: commit.stdout, branchRef, stagingRun };
}

/** `npm run verify-release`'s command line. */
export function verifyReleaseCommand(io: CommandIo, cwd: string): Command {
  return createCommand(
    {
      script: "verify-release",
      description:
        "The production gate: checks that a release tag is vMAJOR.MINOR.PATCH, points at a commit on the staging branch, and that staging deployed exactly that commit successfully (the newest Deploy run of it succeeded, with its up and its smoke check).",
      usage: "--tag <tag> [options]",
      details:
        "Reads the clone's tags and remote branches with git, and the repository's Actions runs with gh. Prints the verified release; appends tag, commit and staging-run to GITHUB_OUTPUT and a line to GITHUB_STEP_SUMMARY when they are set.",
      exitCodes: {
        ok: "the release may go to production",
        problem: "it may not (the message says why and what to tag instead)",
      },
      examples: [
        "npm run verify-release -- --tag v1.4.2",
        "npm run verify-release -- --tag v1.4.2 --branch staging --remote origin --repo acme/trading-analytics",
      ],
    },
    io,
  )
    .addOption(new Option("--tag <tag>", "the release tag, vMAJOR.MINOR.PATCH (required)"))
    .addOption(
      new Option(
        "--branch <branch>",
        "the branch whose history must hold the tag's commit",
      ).default("staging"),
    )
    .addOption(
      new Option("--remote <remote>", "the remote the branch is read from").default("origin"),
    )
    .addOption(
      new Option("--cwd <dir>", "the repository to check").default(cwd, "the working directory"),
    )
    .addOption(
      new Option(
        "--repo <owner/repo>",
        "the repository whose Actions runs show what staging deployed (default: GITHUB_REPOSITORY)",
      ).argParser(checked((repo) => resolveRepository(repo, {}))),
    );
}

export function parseVerifyReleaseArgs(
  argv: readonly string[],
  cwd: string,
  io: CommandIo,
): Parsed<VerifyReleaseOptions> {
  return parseCommand<VerifyReleaseOptions>(verifyReleaseCommand(io, cwd), argv, io, {
    required: ["--tag"],
    validate: (values) => {
      if (values.tag === "") {
        throw new UsageError("--tag needs a release tag, e.g. --tag v1.4.2.");
      }
      let repository: string;
      try {
        repository = resolveRepository(values.repo as string | undefined, io.env);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
      return {
        tag: values.tag as string,
        branch: values.branch as string,
        remote: values.remote as string,
        cwd: values.cwd as string,
        repository,
      };
    },
  });
}

/** `npm run verify-release -- --tag <tag> [options]`; resolves with the exit code. */
export function verifyReleaseCli(
  argv: readonly string[],
  io: CommandIo,
  gh: GhRunner = ghCli,
  appendFile: (path: string, text: string) => void = appendFileSync,
  cwd: string = process.cwd(),
): number {
  const parsed = parseVerifyReleaseArgs(argv, cwd, io);
  if (parsed.kind === "exit") {
    return parsed.code;
  }
  try {
    const release = verifyRelease(parsed.options, gh);
    const staging = release.branchRef.replace("refs/remotes/", "");
    const message = `Release ${release.tag} (${release.commit}) is on ${staging}, which deployed it successfully in ${STAGING_DEPLOY.workflowName} run #${release.stagingRun.number} (${release.stagingRun.url}).`;
    io.stdout(`${message}\n`);
    const output = io.env.GITHUB_OUTPUT;
    if (output !== undefined && output !== "") {
      appendFile(
        output,
        `tag=${release.tag}\ncommit=${release.commit}\nstaging-run=${release.stagingRun.url}\n`,
      );
    }
    const summary = io.env.GITHUB_STEP_SUMMARY;
    if (summary !== undefined && summary !== "") {
      appendFile(summary, `### Release verified\n\n${message}\n`);
    }
    return EXIT_OK;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${message}\n`);
    if (io.env.GITHUB_ACTIONS === "true") {
      io.stdout(`::error title=Release not verified::${message}\n`);
    }
    return EXIT_PROBLEM;
  }
}

if (require.main === module) {
  runMain((argv, io) => verifyReleaseCli(argv, io));
}
