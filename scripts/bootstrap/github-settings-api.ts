import {
  RELEASE_TAG_RULESET,
  type DeploymentRefPolicy,
  type Reviewer,
} from "../../bootstrap/github-environments";
import {
  REVIEW_GITHUB_ENVIRONMENT,
  environmentBackend,
  githubVariables,
  reviewGitHubVariables,
  reviewStacksBackend,
  shellQuote,
  type EnvironmentName,
} from "../../environments/backends";
import { REVIEW_STACK_ENVIRONMENT } from "../../modules/config/review-stack";
import type { GhRunner } from "../gitops/github";
import type { ReviewerSpec } from "./github-protection-options";

/**
 * The `gh api` calls the GitHub protection makes (github-protection.ts): the REST paths of
 * environments, deployment policies, rulesets and variables, the calls as run or printed as shell
 * lines, the lookups, and the variables every environment should have.
 */

/** `gh api` failed with HTTP 404: the thing does not exist (or is hidden from this token). */
function isNotFound(error: unknown): boolean {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = `${typeof stderr === "string" ? stderr : ""} ${error instanceof Error ? error.message : ""}`;
  return text.includes("HTTP 404");
}

/** One `gh api` call: the arguments after `gh`, and the JSON body sent on stdin, if any. */
export interface ApiCall {
  readonly args: readonly string[];
  readonly body?: unknown;
}

export function api(method: string, path: string, body?: unknown): ApiCall {
  const args = ["api", "--method", method, path];
  return body === undefined ? { args } : { args: [...args, "--input", "-"], body };
}

export function fields(method: string, path: string, values: Record<string, string>): ApiCall {
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
export function shellLine(call: ApiCall, expand = false): string {
  const words = ["gh", ...call.args].map((word) =>
    PLAIN_WORD.test(word) ? word : shellQuote(word),
  );
  if (call.body === undefined) {
    return words.join(" ");
  }
  const json = JSON.stringify(call.body);
  return `${words.join(" ")} <<${expand ? "JSON" : "'JSON'"}\n${json}\nJSON`;
}

export interface Context {
  readonly repository: string;
  readonly gh: GhRunner;
}

export function call(context: Context, request: ApiCall): unknown {
  const input = request.body === undefined ? undefined : JSON.stringify(request.body);
  const output = context.gh(request.args, input);
  return output.trim() === "" ? undefined : JSON.parse(output);
}

export function get(context: Context, path: string): unknown {
  return call(context, { args: ["api", path] });
}

/** `GET`, or `undefined` on 404. */
export function find(context: Context, path: string): unknown {
  try {
    return get(context, path);
  } catch (error) {
    if (isNotFound(error)) {
      return undefined;
    }
    throw error;
  }
}

export function environmentPath(repository: string, environment: string): string {
  return `repos/${repository}/environments/${environment}`;
}

export function policiesPath(repository: string, environment: EnvironmentName): string {
  return `${environmentPath(repository, environment)}/deployment-branch-policies`;
}

export interface BranchPolicy {
  readonly id: number;
  readonly name: string;
  /** Absent in older responses, which knew only branches. */
  readonly type?: "branch" | "tag";
}

export function listPolicies(context: Context, environment: EnvironmentName): BranchPolicy[] {
  const listed = find(context, `${policiesPath(context.repository, environment)}?per_page=100`) as
    { branch_policies?: BranchPolicy[] } | undefined;
  return listed?.branch_policies ?? [];
}

export const samePolicy = (a: DeploymentRefPolicy, b: { name: string; type?: string }) =>
  a.name === b.name && a.type === (b.type ?? "branch");

export function resolveReviewers(context: Context, specs: readonly ReviewerSpec[]): Reviewer[] {
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

export interface VariableSetting {
  /** A GitHub environment, or undefined for the repository. */
  readonly environment: string | undefined;
  readonly name: string;
  readonly value: string;
}

export function variableSettings(accountId: string, environments: readonly EnvironmentName[]) {
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

export function variablesPath(repository: string, environment: string | undefined): string {
  return environment === undefined
    ? `repos/${repository}/actions/variables`
    : `${environmentPath(repository, environment)}/variables`;
}

export interface RulesetSummary {
  readonly id: number;
  readonly name: string;
  readonly source_type?: string;
}

export function findRuleset(context: Context): RulesetSummary | undefined {
  const listed = (find(
    context,
    `repos/${context.repository}/rulesets?includes_parents=false&per_page=100`,
  ) ?? []) as RulesetSummary[];
  return listed.find((ruleset) => ruleset.name === RELEASE_TAG_RULESET.name);
}
