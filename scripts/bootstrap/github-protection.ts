import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

import {
  ENVIRONMENT_PROTECTION,
  RELEASE_TAG_RULESET,
  REVIEW_ENVIRONMENT_BODY,
  environmentRequestBody,
  type DeploymentRefPolicy,
  type Reviewer,
} from "../../bootstrap/github-environments";
import {
  ENVIRONMENT_NAMES,
  REVIEW_GITHUB_ENVIRONMENT,
  environmentBackend,
  githubSetupCommands,
  githubVariables,
  reviewGitHubVariables,
  reviewStacksBackend,
  shellQuote,
  validateAccountId,
  validateRepository,
  type EnvironmentName,
} from "../../environments/backends";
import { REVIEW_STACK_ENVIRONMENT } from "../../modules/config/review-stack";
import { isEnvironmentName } from "../../modules/config/settings";
import { ghCli, type GhRunner } from "../gitops/github";
import {
  awsCliCallerAccount,
  resolveAccountId,
  type CallerIdentityLookup,
} from "../gitops/pulumi-env";

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
 * The settings come from bootstrap/github-environments.ts and environments/backends.ts.
 */

const USAGE = `Usage: npx tsx scripts/bootstrap/github-protection.ts --repo OWNER/REPO [--account-id ID | --outputs FILE] [--reviewer user:LOGIN | --reviewer team:ORG/SLUG]... [--env ENV]... [--print | --verify]

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

/** `gh api` failed with HTTP 404: the thing does not exist (or is hidden from this token). */
function isNotFound(error: unknown): boolean {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = `${typeof stderr === "string" ? stderr : ""} ${error instanceof Error ? error.message : ""}`;
  return text.includes("HTTP 404");
}

/** One `gh api` call: the arguments after `gh`, and the JSON body sent on stdin, if any. */
interface ApiCall {
  readonly args: readonly string[];
  readonly body?: unknown;
}

function api(method: string, path: string, body?: unknown): ApiCall {
  const args = ["api", "--method", method, path];
  return body === undefined ? { args } : { args: [...args, "--input", "-"], body };
}

function fields(method: string, path: string, values: Record<string, string>): ApiCall {
  return {
    args: [
      "api",
      "--method",
      method,
      path,
      ...Object.entries(values).flatMap(([key, value]) => ["-f", `${key}=${value}`]),
    ],
  };
}

const PLAIN_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** A shell line for the call; a body goes in a heredoc, expanded only when it must be. */
function shellLine(call: ApiCall, expand = false): string {
  const words = ["gh", ...call.args].map((word) =>
    PLAIN_WORD.test(word) ? word : shellQuote(word),
  );
  if (call.body === undefined) {
    return words.join(" ");
  }
  const json = JSON.stringify(call.body);
  return `${words.join(" ")} <<${expand ? "JSON" : "'JSON'"}\n${json}\nJSON`;
}

interface Context {
  readonly repository: string;
  readonly gh: GhRunner;
}

function call(context: Context, request: ApiCall): unknown {
  const input = request.body === undefined ? undefined : JSON.stringify(request.body);
  const output = context.gh(request.args, input);
  return output.trim() === "" ? undefined : JSON.parse(output);
}

function get(context: Context, path: string): unknown {
  return call(context, { args: ["api", path] });
}

/** `GET`, or `undefined` on 404. */
function find(context: Context, path: string): unknown {
  try {
    return get(context, path);
  } catch (error) {
    if (isNotFound(error)) {
      return undefined;
    }
    throw error;
  }
}

function environmentPath(repository: string, environment: string): string {
  return `repos/${repository}/environments/${environment}`;
}

function policiesPath(repository: string, environment: EnvironmentName): string {
  return `${environmentPath(repository, environment)}/deployment-branch-policies`;
}

interface BranchPolicy {
  readonly id: number;
  readonly name: string;
  /** Absent in older responses, which knew only branches. */
  readonly type?: "branch" | "tag";
}

function listPolicies(context: Context, environment: EnvironmentName): BranchPolicy[] {
  const listed = find(context, `${policiesPath(context.repository, environment)}?per_page=100`) as
    { branch_policies?: BranchPolicy[] } | undefined;
  return listed?.branch_policies ?? [];
}

const samePolicy = (a: DeploymentRefPolicy, b: { name: string; type?: string }) =>
  a.name === b.name && a.type === (b.type ?? "branch");

function resolveReviewers(context: Context, specs: readonly ReviewerSpec[]): Reviewer[] {
  return specs.map((spec) => {
    const path =
      spec.type === "User" ? `users/${spec.login}` : `orgs/${spec.org}/teams/${spec.slug}`;
    const found = find(context, path) as { id?: unknown } | undefined;
    if (found === undefined || typeof found.id !== "number") {
      throw new Error(
        `${spec.type === "User" ? `User ${spec.login}` : `Team ${spec.org}/${spec.slug}`} was not found on GitHub: check the --reviewer value.`,
      );
    }
    return { type: spec.type, id: found.id };
  });
}

interface VariableSetting {
  /** A GitHub environment, or undefined for the repository. */
  readonly environment: string | undefined;
  readonly name: string;
  readonly value: string;
}

function variableSettings(accountId: string, environments: readonly EnvironmentName[]) {
  return environments.flatMap((environment): VariableSetting[] => {
    const variables = githubVariables(environmentBackend(environment, accountId));
    const review =
      environment === REVIEW_STACK_ENVIRONMENT
        ? Object.entries(reviewGitHubVariables(reviewStacksBackend(accountId))).map(
            ([name, value]) => ({ environment: REVIEW_GITHUB_ENVIRONMENT, name, value }),
          )
        : [];
    return [
      ...Object.entries(variables.environment).map(([name, value]) => ({
        environment,
        name,
        value,
      })),
      ...Object.entries(variables.repository).map(([name, value]) => ({
        environment: undefined,
        name,
        value,
      })),
      ...review,
    ];
  });
}

function variablesPath(repository: string, environment: string | undefined): string {
  return environment === undefined
    ? `repos/${repository}/actions/variables`
    : `${environmentPath(repository, environment)}/variables`;
}

interface RulesetSummary {
  readonly id: number;
  readonly name: string;
  readonly source_type?: string;
}

function findRuleset(context: Context): RulesetSummary | undefined {
  const listed = (find(
    context,
    `repos/${context.repository}/rulesets?includes_parents=false&per_page=100`,
  ) ?? []) as RulesetSummary[];
  return listed.find((ruleset) => ruleset.name === RELEASE_TAG_RULESET.name);
}

/** What matches the desired settings and what differs, as messages. */
function verifySettings(
  context: Context,
  environments: readonly EnvironmentName[],
  reviewers: readonly Reviewer[],
  accountId: string,
): { ok: string[]; problems: string[] } {
  const ok: string[] = [];
  const problems: string[] = [];
  for (const environment of environments) {
    const protection = ENVIRONMENT_PROTECTION[environment];
    const found = find(context, environmentPath(context.repository, environment)) as
      | {
          deployment_branch_policy?: {
            protected_branches?: boolean;
            custom_branch_policies?: boolean;
          } | null;
          protection_rules?: {
            type: string;
            prevent_self_review?: boolean;
            reviewers?: { type: string; reviewer?: { id?: number } }[];
          }[];
        }
      | undefined;
    if (found === undefined) {
      problems.push(
        `environment ${environment} does not exist: any workflow naming it would create it unprotected.`,
      );
      continue;
    }
    const before = problems.length;
    const policy = found.deployment_branch_policy;
    if (policy?.custom_branch_policies !== true || policy.protected_branches !== false) {
      problems.push(
        `environment ${environment} lets ${policy === null || policy === undefined ? "every branch and tag" : "every protected branch"} deploy: it must allow only ${protection.deploymentRefs.map((ref) => `${ref.type} ${ref.name}`).join(", ")}.`,
      );
    } else {
      const listed = listPolicies(context, environment);
      const missing = protection.deploymentRefs.filter(
        (wanted) => !listed.some((policy) => samePolicy(wanted, policy)),
      );
      const extra = listed.filter(
        (policy) => !protection.deploymentRefs.some((wanted) => samePolicy(wanted, policy)),
      );
      if (missing.length > 0 || extra.length > 0) {
        problems.push(
          `environment ${environment} allows ${listed.map((policy) => `${policy.type ?? "branch"} ${policy.name}`).join(", ") || "no ref"}: it must allow only ${protection.deploymentRefs.map((ref) => `${ref.type} ${ref.name}`).join(", ")}.`,
        );
      }
    }
    if (protection.requiredReviewers) {
      const rule = found.protection_rules?.find((item) => item.type === "required_reviewers");
      const present = rule?.reviewers ?? [];
      if (rule === undefined || present.length === 0) {
        problems.push(`environment ${environment} has no required reviewers.`);
      } else {
        if (rule.prevent_self_review !== true) {
          problems.push(
            `environment ${environment} lets the person who started a deployment approve it: set prevent_self_review.`,
          );
        }
        const absent = reviewers.filter(
          (wanted) =>
            !present.some((item) => item.type === wanted.type && item.reviewer?.id === wanted.id),
        );
        if (absent.length > 0) {
          problems.push(
            `environment ${environment} lacks the required reviewer(s) ${absent.map((item) => `${item.type} ${item.id}`).join(", ")}.`,
          );
        }
      }
    }
    if (problems.length === before) {
      ok.push(
        `environment ${environment}: ${protection.deploymentRefs.map((ref) => `${ref.type} ${ref.name}`).join(", ")} only${protection.requiredReviewers ? ", required reviewers, no self-review" : ""}`,
      );
    }
  }

  if (environments.includes(REVIEW_STACK_ENVIRONMENT)) {
    const review = find(context, environmentPath(context.repository, REVIEW_GITHUB_ENVIRONMENT)) as
      { deployment_branch_policy?: unknown } | undefined;
    if (review === undefined) {
      problems.push(
        `environment ${REVIEW_GITHUB_ENVIRONMENT} does not exist: the review-stack workflows run in it, and would create it without the variables that name the review-stack role.`,
      );
    } else if (review.deployment_branch_policy !== null) {
      problems.push(
        `environment ${REVIEW_GITHUB_ENVIRONMENT} lets only some branches deploy: review stacks deploy pull requests from any branch, so it must allow every branch (its role reaches review stacks only).`,
      );
    } else {
      ok.push(`environment ${REVIEW_GITHUB_ENVIRONMENT}: every branch, for review stacks only`);
    }
  }

  const summary = findRuleset(context);
  if (summary === undefined) {
    problems.push(
      `no ruleset "${RELEASE_TAG_RULESET.name}": anyone who can push may create a v* tag, which production's read-only role trusts.`,
    );
  } else {
    const ruleset = get(context, `repos/${context.repository}/rulesets/${summary.id}`) as {
      target?: string;
      enforcement?: string;
      conditions?: { ref_name?: { include?: string[]; exclude?: string[] } };
      rules?: { type: string }[];
      bypass_actors?: { actor_id: number | null; actor_type: string; bypass_mode: string }[];
    };
    const wantedRules = RELEASE_TAG_RULESET.rules.map((rule) => rule.type);
    const rules = (ruleset.rules ?? []).map((rule) => rule.type);
    const include = ruleset.conditions?.ref_name?.include ?? [];
    const exclude = ruleset.conditions?.ref_name?.exclude ?? [];
    const bypass = (ruleset.bypass_actors ?? []).map(
      (actor) => `${actor.actor_type}:${actor.actor_id}:${actor.bypass_mode}`,
    );
    const wantedBypass = RELEASE_TAG_RULESET.bypass_actors.map(
      (actor) => `${actor.actor_type}:${actor.actor_id}:${actor.bypass_mode}`,
    );
    const differences = [
      ruleset.target === "tag" ? undefined : `targets ${String(ruleset.target)}, not tags`,
      ruleset.enforcement === "active"
        ? undefined
        : `is ${String(ruleset.enforcement)}, not active`,
      include.length === 1 && include[0] === "refs/tags/v*" && exclude.length === 0
        ? undefined
        : `covers ${JSON.stringify({ include, exclude })}, not exactly refs/tags/v*`,
      wantedRules.every((rule) => rules.includes(rule))
        ? undefined
        : `lacks the rules ${wantedRules.filter((rule) => !rules.includes(rule)).join(", ")}`,
      bypass.length === wantedBypass.length && wantedBypass.every((actor) => bypass.includes(actor))
        ? undefined
        : `lets ${bypass.join(", ") || "nobody"} bypass it, not only repository administrators`,
    ].filter((difference): difference is string => difference !== undefined);
    if (differences.length > 0) {
      problems.push(`ruleset "${RELEASE_TAG_RULESET.name}" ${differences.join("; ")}.`);
    } else {
      ok.push(
        `ruleset "${RELEASE_TAG_RULESET.name}": only administrators create, move or delete v* tags`,
      );
    }
  }

  const variables = variableSettings(accountId, environments);
  const beforeVariables = problems.length;
  for (const variable of variables) {
    const where = variable.environment === undefined ? "repository" : variable.environment;
    const found = find(
      context,
      `${variablesPath(context.repository, variable.environment)}/${variable.name}`,
    ) as { value?: string } | undefined;
    if (found?.value !== variable.value) {
      problems.push(
        `${where} variable ${variable.name} is ${found === undefined ? "not set" : JSON.stringify(found.value)}, not ${JSON.stringify(variable.value)}.`,
      );
    }
  }
  if (problems.length === beforeVariables) {
    ok.push(`variables: all ${variables.length} set`);
  }
  return { ok, problems };
}

function apply(
  context: Context,
  environments: readonly EnvironmentName[],
  reviewers: readonly Reviewer[],
  accountId: string,
): string[] {
  const done: string[] = [];
  for (const environment of environments) {
    const protection = ENVIRONMENT_PROTECTION[environment];
    call(
      context,
      api(
        "PUT",
        environmentPath(context.repository, environment),
        environmentRequestBody(protection, reviewers),
      ),
    );
    done.push(`PUT environment ${environment}`);
    const listed = listPolicies(context, environment);
    for (const wanted of protection.deploymentRefs) {
      if (!listed.some((policy) => samePolicy(wanted, policy))) {
        call(context, fields("POST", policiesPath(context.repository, environment), { ...wanted }));
        done.push(`POST ${environment} deployment policy ${wanted.type} ${wanted.name}`);
      }
    }
    for (const policy of listed) {
      if (!protection.deploymentRefs.some((wanted) => samePolicy(wanted, policy))) {
        call(
          context,
          api("DELETE", `${policiesPath(context.repository, environment)}/${policy.id}`),
        );
        done.push(
          `DELETE ${environment} deployment policy ${policy.type ?? "branch"} ${policy.name}`,
        );
      }
    }
  }

  if (environments.includes(REVIEW_STACK_ENVIRONMENT)) {
    call(
      context,
      api(
        "PUT",
        environmentPath(context.repository, REVIEW_GITHUB_ENVIRONMENT),
        REVIEW_ENVIRONMENT_BODY,
      ),
    );
    done.push(`PUT environment ${REVIEW_GITHUB_ENVIRONMENT}`);
  }

  const existing = findRuleset(context);
  if (existing === undefined) {
    call(context, api("POST", `repos/${context.repository}/rulesets`, RELEASE_TAG_RULESET));
    done.push(`POST ruleset "${RELEASE_TAG_RULESET.name}"`);
  } else {
    call(
      context,
      api("PUT", `repos/${context.repository}/rulesets/${existing.id}`, RELEASE_TAG_RULESET),
    );
    done.push(`PUT ruleset "${RELEASE_TAG_RULESET.name}"`);
  }

  for (const variable of variableSettings(accountId, environments)) {
    const base = variablesPath(context.repository, variable.environment);
    const found = find(context, `${base}/${variable.name}`) as { value?: string } | undefined;
    const where = variable.environment ?? "repository";
    if (found === undefined) {
      call(context, api("POST", base, { name: variable.name, value: variable.value }));
      done.push(`POST ${where} variable ${variable.name}`);
    } else if (found.value !== variable.value) {
      call(
        context,
        api("PATCH", `${base}/${variable.name}`, { name: variable.name, value: variable.value }),
      );
      done.push(`PATCH ${where} variable ${variable.name}`);
    }
  }
  return done;
}

/** The commands an administrator runs where this script cannot (no gh here, or no admin rights). */
export function printCommands(
  repository: string,
  environments: readonly EnvironmentName[],
  reviewers: readonly ReviewerSpec[],
  accountId: string,
  verifyCommand: string,
): string {
  const lines: string[] = [];
  // Reviewer ids are looked up by the shell as it expands the heredoc, so the printed lines need no
  // editing: the body is built with stand-in ids (-1, -2, ...) that are then replaced by lookups.
  const reviewerIds: Reviewer[] = reviewers.map((spec, index) => ({
    type: spec.type,
    id: -(index + 1),
  }));
  for (const environment of environments) {
    const protection = ENVIRONMENT_PROTECTION[environment];
    lines.push(
      `# ${environment}: only ${protection.deploymentRefs.map((ref) => `${ref.type} ${ref.name}`).join(", ")} may deploy${protection.requiredReviewers ? "; required reviewers, who may not approve their own runs" : ""}`,
    );
    let put = shellLine(
      api(
        "PUT",
        environmentPath(repository, environment),
        environmentRequestBody(protection, protection.requiredReviewers ? reviewerIds : []),
      ),
      protection.requiredReviewers,
    );
    reviewers.forEach((spec, index) => {
      const lookup =
        spec.type === "User" ? `users/${spec.login}` : `orgs/${spec.org}/teams/${spec.slug}`;
      put = put.replace(`"id":${-(index + 1)}`, `"id":$(gh api ${lookup} --jq .id)`);
    });
    lines.push(put);
    for (const ref of protection.deploymentRefs) {
      lines.push(shellLine(fields("POST", policiesPath(repository, environment), { ...ref })));
    }
    lines.push(
      `# remove any other policy: gh api ${policiesPath(repository, environment)} lists them; gh api --method DELETE ${policiesPath(repository, environment)}/<id>`,
    );
  }
  if (environments.includes(REVIEW_STACK_ENVIRONMENT)) {
    lines.push(
      `# ${REVIEW_GITHUB_ENVIRONMENT}: every branch may use it; its role reaches review stacks only`,
      shellLine(
        api("PUT", environmentPath(repository, REVIEW_GITHUB_ENVIRONMENT), REVIEW_ENVIRONMENT_BODY),
      ),
    );
  }
  lines.push(
    `# v* tags: only administrators create, move or delete them (if the ruleset exists: gh api --method PUT repos/${repository}/rulesets/<id> with the same body)`,
    shellLine(api("POST", `repos/${repository}/rulesets`, RELEASE_TAG_RULESET)),
    "# variables the workflows read",
    githubSetupCommands(
      repository,
      environments.map((environment) => environmentBackend(environment, accountId)),
    ).trimEnd(),
    "# then check everything",
    verifyCommand,
  );
  return `${lines.join("\n")}\n`;
}

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
    for (const line of apply(context, options.environments, reviewers, accountId)) {
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
