import { spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { parseArgs } from "node:util";

/**
 * The production gate: a release tag is `vMAJOR.MINOR.PATCH` and points at a commit that is
 * already on the staging branch, so production only ever runs what staging has run. The deploy
 * workflow runs this before it previews or deploys production, for tag pushes and rollbacks alike.
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
}

export interface VerifiedRelease {
  readonly tag: string;
  readonly commit: string;
  readonly branchRef: string;
}

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

export function verifyRelease(options: VerifyReleaseOptions): VerifiedRelease {
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
  return { tag, commit: commit.stdout, branchRef };
}

export function parseVerifyReleaseArgs(argv: readonly string[], cwd: string): VerifyReleaseOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      tag: { type: "string" },
      branch: { type: "string", default: "staging" },
      remote: { type: "string", default: "origin" },
      cwd: { type: "string" },
    },
    strict: true,
  });
  if (values.tag === undefined || values.tag === "") {
    throw new ReleaseVerificationError(
      "--tag is required: npx tsx scripts/verify-release.ts --tag v1.4.2 [--branch staging] [--remote origin]",
    );
  }
  return {
    tag: values.tag,
    branch: values.branch,
    remote: values.remote,
    cwd: values.cwd ?? cwd,
  };
}

if (require.main === module) {
  try {
    const release = verifyRelease(parseVerifyReleaseArgs(process.argv.slice(2), process.cwd()));
    process.stdout.write(
      `Release ${release.tag} (${release.commit}) is on ${release.branchRef.replace("refs/remotes/", "")}.\n`,
    );
    const output = process.env.GITHUB_OUTPUT;
    if (output !== undefined && output !== "") {
      appendFileSync(output, `tag=${release.tag}\ncommit=${release.commit}\n`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message}\n`);
    if (process.env.GITHUB_ACTIONS === "true") {
      process.stdout.write(`::error title=Release not verified::${message}\n`);
    }
    process.exitCode = 1;
  }
}
