import { parseArgs } from "node:util";

import {
  ENVIRONMENT_NAMES,
  validateRepository,
  type EnvironmentName,
} from "../../environments/backends";
import { isEnvironmentName } from "../../modules/config/settings";

/**
 * The arguments of `github-protection.ts`: the repository, the environments, production's
 * required reviewers and the mode (apply, print or verify), and the usage text.
 */

export const USAGE = `Usage: npx tsx scripts/bootstrap/github-protection.ts --repo OWNER/REPO [--account-id ID | --outputs FILE] [--reviewer user:LOGIN | --reviewer team:ORG/SLUG]... [--env ENV]... [--print | --verify]

Applies, then verifies, the GitHub settings the pipelines rely on: each environment's deployment
refs (dev: branch main; staging: branch staging; production: tags v*, required reviewers, no
self-review; with dev, the review stacks' environment "review", open to every branch), the ruleset that lets only administrators create, move or delete v* tags, and every
variable the workflows read. Needs \`gh\` signed in as a repository administrator.

  --repo OWNER/REPO   the repository
  --outputs FILE      the bootstrap's outputs (\`pulumi -C bootstrap stack output --json > FILE\`)
  --account-id ID     the account, else AWS_ACCOUNT_ID, else \`aws sts get-caller-identity\`
  --reviewer WHO      production's required reviewers (1-6): user:LOGIN or team:ORG/SLUG
  --env ENV           only this environment (repeatable); default: all three
  --print             print the gh commands instead of running them
  --verify            change nothing; fail on any setting that differs`;

export type Mode = "apply" | "print" | "verify";

export type ReviewerSpec =
  | { readonly type: "User"; readonly login: string }
  | { readonly type: "Team"; readonly org: string; readonly slug: string };

export interface GitHubProtectionOptions {
  readonly repository: string;
  readonly environments: readonly EnvironmentName[];
  readonly reviewers: readonly ReviewerSpec[];
  readonly mode: Mode;
  readonly accountId: string | undefined;
  readonly outputsFile: string | undefined;
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const SLUG = /^[a-z0-9][a-z0-9_.-]*$/i;

export function parseReviewer(spec: string): ReviewerSpec {
  const user = /^user:(.*)$/.exec(spec);
  if (user !== null && LOGIN.test(user[1])) {
    return { type: "User", login: user[1] };
  }
  const team = /^team:([^/]+)\/(.+)$/.exec(spec);
  if (team !== null && LOGIN.test(team[1]) && SLUG.test(team[2])) {
    return { type: "Team", org: team[1], slug: team[2] };
  }
  throw new Error(
    `--reviewer "${spec}" is not user:LOGIN or team:ORG/SLUG: name a GitHub user or team who may approve production deployments.`,
  );
}

export function parseGitHubProtectionArgs(
  argv: readonly string[],
): GitHubProtectionOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      repo: { type: "string" },
      env: { type: "string", multiple: true },
      reviewer: { type: "string", multiple: true },
      "account-id": { type: "string" },
      outputs: { type: "string" },
      print: { type: "boolean", default: false },
      verify: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    return "help";
  }
  if (values.repo === undefined) {
    throw new Error(`--repo is required.\n${USAGE}`);
  }
  const repository = validateRepository(values.repo, "--repo");
  if (values.print && values.verify) {
    throw new Error(`--print and --verify exclude each other.\n${USAGE}`);
  }
  if (values["account-id"] !== undefined && values.outputs !== undefined) {
    throw new Error("Pass --account-id or --outputs, not both: the outputs carry the account.");
  }
  const requested = values.env ?? [...ENVIRONMENT_NAMES];
  for (const environment of requested) {
    if (!isEnvironmentName(environment)) {
      throw new Error(
        `--env "${environment}" is not an environment: use ${ENVIRONMENT_NAMES.join(", ")}.`,
      );
    }
  }
  const environments = ENVIRONMENT_NAMES.filter((name) => requested.includes(name));
  const reviewers = (values.reviewer ?? []).map(parseReviewer);
  const mode: Mode = values.print ? "print" : values.verify ? "verify" : "apply";
  if (mode !== "verify" && environments.includes("production") && reviewers.length === 0) {
    throw new Error(
      "Production needs required reviewers: pass --reviewer user:LOGIN or --reviewer team:ORG/SLUG (up to six).",
    );
  }
  return {
    repository,
    environments,
    reviewers,
    mode,
    accountId: values["account-id"],
    outputsFile: values.outputs,
  };
}
