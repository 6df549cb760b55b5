import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import { ENVIRONMENT_NAMES, validateAccountId } from "../../environments/backends";
import { ghCli, type GhRunner } from "../gitops/github";
import {
  awsCliCallerAccount,
  resolveAccountId,
  type CallerIdentityLookup,
} from "../gitops/pulumi-env";
import { applySettings, printCommands } from "./github-protection-apply";
import { USAGE, parseGitHubProtectionArgs } from "./github-protection-options";
import { verifySettings } from "./github-protection-verify";
import { resolveReviewers, type Context } from "./github-settings-api";

/**
 * Applies and verifies the GitHub side of the bootstrap with `gh api` (GitHub's REST API):
 *
 * - each environment (`PUT /repos/{owner}/{repo}/environments/{environment_name}`) with custom
 *   deployment policies, production with required reviewers and `prevent_self_review`; with dev,
 *   the `review` environment of the review stacks, open to every branch;
 *   https://docs.github.com/en/rest/deployments/environments#create-or-update-an-environment
 * - exactly the environment's deployment refs (`GET`/`POST .../deployment-branch-policies`,
 *   `DELETE .../deployment-branch-policies/{branch_policy_id}` for any other);
 *   https://docs.github.com/en/rest/deployments/branch-policies
 * - the release-tag ruleset (`POST /repos/{owner}/{repo}/rulesets`, or `PUT .../rulesets/{ruleset_id}`);
 *   https://docs.github.com/en/rest/repos/rules#create-a-repository-ruleset
 * - the variables the workflows read, per environment and on the repository.
 *   https://docs.github.com/en/rest/actions/variables
 *
 * The settings come from bootstrap/github-environments.ts and environments/backends.ts. This file
 * runs the command; its arguments are read in github-protection-options.ts, the `gh api` calls
 * are in github-settings-api.ts, applying and printing in github-protection-apply.ts, verifying
 * in github-protection-verify.ts.
 */

export interface GitHubProtectionIo {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly gh: GhRunner;
  readonly lookupAccount: CallerIdentityLookup;
  readonly readFile: (path: string) => string;
  readonly write: (text: string) => void;
}

function accountFromOutputs(text: string, file: string): string {
  let outputs: { accountId?: unknown };
  try {
    outputs = JSON.parse(text) as { accountId?: unknown };
  } catch {
    throw new Error(
      `${file} is not JSON: write it with \`pulumi -C bootstrap stack output --json > ${file}\`.`,
    );
  }
  if (typeof outputs.accountId !== "string") {
    throw new Error(`${file} has no accountId: is it the bootstrap's \`stack output --json\`?`);
  }
  return validateAccountId(outputs.accountId, `${file}'s accountId`);
}

/** Runs the command; returns the exit code. */
export function runGitHubProtection(argv: readonly string[], io: GitHubProtectionIo): number {
  const options = parseGitHubProtectionArgs(argv);
  if (options === "help") {
    io.write(`${USAGE}\n`);
    return 0;
  }
  const accountId =
    options.outputsFile === undefined
      ? resolveAccountId(options.accountId, io.env, io.lookupAccount)
      : accountFromOutputs(io.readFile(resolve(io.root, options.outputsFile)), options.outputsFile);
  const only =
    options.environments.length === ENVIRONMENT_NAMES.length
      ? ""
      : options.environments.map((environment) => ` --env ${environment}`).join("");
  const reviewerFlags = options.reviewers
    .map(
      (spec) =>
        ` --reviewer ${spec.type === "User" ? `user:${spec.login}` : `team:${spec.org}/${spec.slug}`}`,
    )
    .join("");
  const verifyCommand = `npx tsx scripts/bootstrap/github-protection.ts --verify --repo ${options.repository} --account-id ${accountId}${only}${reviewerFlags}`;

  if (options.mode === "print") {
    io.write(
      printCommands(
        options.repository,
        options.environments,
        options.reviewers,
        accountId,
        verifyCommand,
      ),
    );
    return 0;
  }

  const context: Context = { repository: options.repository, gh: io.gh };
  const reviewers = resolveReviewers(context, options.reviewers);
  if (options.mode === "apply") {
    for (const line of applySettings(context, options.environments, reviewers, accountId)) {
      io.write(`${line}\n`);
    }
  }
  const { ok, problems } = verifySettings(context, options.environments, reviewers, accountId);
  io.write(
    [...ok.map((line) => `ok   ${line}`), ...problems.map((line) => `FAIL ${line}`)].join("\n") +
      "\n",
  );
  return problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
  const root = resolve(__dirname, "..", "..");
  try {
    process.exitCode = runGitHubProtection(process.argv.slice(2), {
      root,
      env: process.env,
      gh: ghCli,
      lookupAccount: awsCliCallerAccount,
      readFile: (path) => readFileSync(path, "utf8"),
      write: (text) => process.stdout.write(text),
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
