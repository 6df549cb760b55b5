import {
  ENVIRONMENT_PROTECTION,
  RELEASE_TAG_RULESET,
  type Reviewer,
} from "../../bootstrap/github-environments";
import { REVIEW_GITHUB_ENVIRONMENT, type EnvironmentName } from "../../environments/backends";
import { REVIEW_STACK_ENVIRONMENT } from "../../modules/config/review-stack";
import {
  environmentPath,
  find,
  findRuleset,
  get,
  listPolicies,
  samePolicy,
  variableSettings,
  variablesPath,
  type Context,
} from "./github-settings-api";

/**
 * `github-protection.ts --verify` (and the check after an apply): reads each environment, its
 * deployment refs and reviewers, the release-tag ruleset and the variables, and says what matches
 * and what differs.
 */

/** What matches the desired settings and what differs, as messages. */
export function verifySettings(
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
